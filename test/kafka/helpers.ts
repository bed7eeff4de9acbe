// Shared pieces of the Kafka suites: the broker from the global setup, unique topics, readings, kcat.
import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { promisify } from "node:util";
import { inject } from "vitest";
import type { KafkaLogger } from "../../kafka/logger.js";

const execFileAsync = promisify(execFile);

export const kafka = inject("kafka");
/**
 * True when there is no broker: suites use `describe.skipIf(noBroker)`. Only outside CI: the global setup
 * applied test/setup/prerequisite.ts (under CI=true it failed the run) and said why, once.
 */
export const noBroker = kafka.brokers.length === 0;

export function uniqueTopic(name: string): string {
  return `test.${name}.${randomUUID().slice(0, 8)}`;
}

export const ROOMS = ["living_room", "kitchen", "bedroom", "bathroom", "hallway", "office"];

/** A valid reading whose value carries `seq`, so a lost or duplicated record can be named. */
export function reading(seq: number, room = ROOMS[seq % ROOMS.length] as string) {
  return {
    room,
    sensor_type: "temperature",
    value: seq,
    timestamp: new Date(Date.UTC(2026, 10, 27, 21) + seq * 1000).toISOString(),
    device_id: `${room}_temperature_001`,
  };
}

/** Collects log lines (warn and error only) so a test can show them when it fails. */
export function collectingLogger(): KafkaLogger & { lines: string[] } {
  const lines: string[] = [];
  const keep =
    (level: string) =>
    (fields: Record<string, unknown>, message: string): void => {
      lines.push(`${level} ${message} ${JSON.stringify(fields)}`);
    };
  const noop = () => {};
  return { lines, debug: noop, info: noop, warn: keep("warn"), error: keep("error") };
}

/** Resolves when `predicate` holds, checking every 25 ms; rejects after `timeoutMs` naming `what`. */
export async function until(predicate: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

export async function kcatAvailable(): Promise<boolean> {
  return execFileAsync("kcat", ["-V"], { timeout: 10_000 }).then(
    () => true,
    () => false,
  );
}

/** Runs kcat with `args`, feeding `input` on stdin; bounded in time. */
export function kcat(args: string[], input?: string, timeoutMs = 30_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      "kcat",
      args,
      { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) =>
        err ? reject(new Error(`kcat ${args.join(" ")}: ${err.message}\n${stderr}`)) : resolve(stdout),
    );
    if (input !== undefined) child.stdin?.end(input);
    else child.stdin?.end();
  });
}

export interface KcatMessage {
  topic: string;
  partition: number;
  offset: number;
  key: string | null;
  payload: string | null;
  headers?: string[];
}

/** Every record of `topic` as kcat sees it (-J envelopes), reading to the end of each partition. */
export async function kcatConsumeAll(brokers: string, topic: string): Promise<KcatMessage[]> {
  const out = await kcat(["-C", "-b", brokers, "-t", topic, "-o", "beginning", "-e", "-J", "-q"]);
  return out
    .split("\n")
    .filter((line) => line.trim().length > 0)
    .map((line) => JSON.parse(line) as KcatMessage);
}
