// Two projects: everything that runs on its own ("unit", including the Node-RED runtime tests), and the
// suites that need a real Kafka broker ("kafka": test/kafka/ and any *.kafka.test.ts elsewhere), whose
// global setup provides one (test/setup/kafka.global.ts). A run filtered to unit paths never starts Kafka:
// vitest runs a project's global setup only when that project has files in the run.
import { defineConfig } from "vitest/config";

const kafkaSuites = ["test/kafka/**/*.test.ts", "test/**/*.kafka.test.ts"];

export default defineConfig({
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: "unit",
          include: ["test/**/*.test.ts"],
          exclude: ["**/node_modules/**", ...kafkaSuites],
          testTimeout: 20_000,
        },
      },
      {
        extends: true,
        test: {
          name: "kafka",
          include: kafkaSuites,
          globalSetup: ["test/setup/kafka.global.ts"],
          // Real broker round trips, group rebalances and a broker restart: seconds, not milliseconds.
          testTimeout: 90_000,
          hookTimeout: 180_000,
          // One Kafka suite at a time: the machine has 2 cores and the broker needs one of them.
          fileParallelism: false,
        },
      },
    ],
    teardownTimeout: 60_000,
  },
});
