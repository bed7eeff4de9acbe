// Three groups of suites, run one group after another (sequence.groupOrder) so the heavy ones do
// not compete for the machine's 2 cores:
//   0 "unit": everything that runs on its own, including the Node-RED runtime tests;
//   1 "kafka": the suites that need a real Kafka broker (test/kafka/ and any *.kafka.test.ts), whose
//     global setup provides one (test/setup/kafka.global.ts), one file at a time;
//   2 "e2e": the browser tests (Chromium driving the editor and dashboard of `homestream start`)
//     and the spawned `homestream start` processes (test/cli/start.test.ts, any *.e2e.test.ts), one
//     file at a time.
// A run filtered to unit paths never starts Kafka: vitest runs a project's global setup only when
// that project has files in the run.
import { defaultServerConditions } from "vite";
import { defineConfig } from "vitest/config";

const kafkaSuites = ["test/kafka/**/*.test.ts", "test/**/*.kafka.test.ts"];
const e2eSuites = [
  "test/browser/**/*.test.ts",
  "test/cli/start.test.ts",
  "test/cli/start-broker.test.ts",
  "test/nodes/palette.test.ts",
  "test/**/*.e2e.test.ts",
];

// Our workspace packages resolve to their TypeScript sources in tests (the "source" condition of their
// exports), so a test and the code under test share one copy of each module. Only for the modules vitest
// transforms: what Node loads itself (node-red, kafkajs) resolves as it always does.
const conditions = ["source", ...defaultServerConditions];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions } },
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: "unit",
          include: ["test/**/*.test.ts"],
          exclude: ["**/node_modules/**", ...kafkaSuites, ...e2eSuites],
          testTimeout: 60_000,
          sequence: { groupOrder: 0 },
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
          sequence: { groupOrder: 1 },
        },
      },
      {
        extends: true,
        test: {
          name: "e2e",
          include: e2eSuites,
          testTimeout: 120_000,
          hookTimeout: 120_000,
          fileParallelism: false,
          sequence: { groupOrder: 2 },
        },
      },
    ],
    teardownTimeout: 60_000,
  },
});
