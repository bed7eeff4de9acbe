// Global setup of the "kafka" vitest project: provides the broker the Kafka suites use.
// KAFKA_BROKERS when set; otherwise a broker of our own (scripts/kafka/broker.mjs) when java and mvn are
// here, stopped by its PID at the end; otherwise the suites skip, saying why. Under CI a missing broker
// fails the run: CI must really exercise Kafka.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import type { TestProject } from "vitest/node";
import { canRunBroker, freePort, startBroker, stateRoot, stopBroker } from "../../scripts/kafka/broker.mjs";

export interface KafkaTestContext {
  /** Bootstrap servers; empty when the suites must skip. */
  brokers: string[];
  /** Why the suites skip (set exactly when `brokers` is empty). */
  skipReason?: string;
  /** Whether suites may start brokers of their own (the restart test does). */
  canStartBrokers: boolean;
}

declare module "vitest" {
  export interface ProvidedContext {
    kafka: KafkaTestContext;
  }
}

const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

// Brokers left by a test run that was killed before its teardown: their run's PID is in the folder name.
async function stopOrphans(): Promise<void> {
  if (!existsSync(stateRoot)) return;
  for (const name of readdirSync(stateRoot)) {
    const match = /^vitest-(\d+)-/.exec(name);
    if (!match || isAlive(Number(match[1]))) continue;
    const dir = path.join(stateRoot, name);
    const pidFile = path.join(dir, "broker.pid");
    const pid = existsSync(pidFile) ? Number(readFileSync(pidFile, "utf8")) : undefined;
    console.warn(`kafka: stopping a broker left by an earlier test run (${dir}, pid ${pid ?? "none"})`);
    await stopBroker({ dir });
  }
}

export default async function setup(project: TestProject) {
  const tools = await canRunBroker();
  const fromEnv = process.env.KAFKA_BROKERS?.split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  if (fromEnv?.length) {
    project.provide("kafka", { brokers: fromEnv, canStartBrokers: tools.ok });
    return;
  }
  if (!tools.ok) {
    const why = `KAFKA_BROKERS is not set and a broker cannot be started here (java ${tools.java ? "found" : "missing"}, mvn ${tools.mvn ? "found" : "missing"})`;
    if (process.env.CI === "true") throw new Error(`Kafka suites need a broker under CI: ${why}`);
    console.warn(`\n!!! KAFKA SUITES SKIPPED: ${why} !!!\n`);
    project.provide("kafka", { brokers: [], skipReason: why, canStartBrokers: false });
    return;
  }
  await stopOrphans();
  const dir = path.join(stateRoot, `vitest-${process.pid}-main`);
  const broker = await startBroker({ dir, port: await freePort() });
  // If this process dies without running the teardown, do not leave a JVM behind.
  const killOnExit = () => {
    if (isAlive(broker.pid)) process.kill(broker.pid, "SIGKILL");
  };
  process.once("exit", killOnExit);
  project.provide("kafka", { brokers: [broker.bootstrap], canStartBrokers: true });
  return async () => {
    process.off("exit", killOnExit);
    await stopBroker({ dir });
  };
}
