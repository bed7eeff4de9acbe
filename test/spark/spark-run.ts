// Shared pieces of the Spark suites: the venv (cli/spark-env.ts), a run of the real job with
// spark-submit on local[2], reading its CSV output, dumping a topic in the job's arrival order, and
// running the built CLI's stats/detect on the same records.
import { spawn, spawnSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parse } from "csv-parse/sync";
import { Kafka, logLevel } from "kafkajs";
import { expect } from "vitest";
import { ensureSparkEnv, type SparkEnv } from "../../cli/spark-env.js";
import { parseDuration } from "../../core/duration.js";
import { parseReadingJson } from "../../core/reading.js";
import { requirePrerequisite } from "../setup/prerequisite.js";

export const repoRoot = path.resolve(import.meta.dirname, "../..");
export const cliMain = path.join(repoRoot, "dist/cli/main.js");

/**
 * The Spark venv, or why there is none. Under CI a missing prerequisite is an error (CI must run
 * the job); elsewhere the suite skips with one loud line.
 */
export async function sparkEnvOrSkip(): Promise<{ env?: SparkEnv; skip?: string }> {
  const started = Date.now();
  try {
    const env = await ensureSparkEnv({ log: (line) => console.log(line) });
    console.log(`spark: venv ready in ${((Date.now() - started) / 1000).toFixed(1)} s (${env.venv})`);
    return { env };
  } catch (err) {
    // Under CI=true this throws, naming what was missing; elsewhere one loud line.
    const why = (err as Error).message;
    requirePrerequisite("spark", false, why);
    return { skip: why };
  }
}

export interface JobRun {
  code: number | null;
  stderr: string;
  seconds: number;
}

/** Runs spark/main.py with spark-submit (local[2]); bounded in time, stopped by its PID. */
export function runJob(env: SparkEnv, args: string[], timeoutMs = 15 * 60_000): Promise<JobRun> {
  const started = Date.now();
  const child = spawn(env.sparkSubmit, [...env.submitArgs("local[2]"), ...args], {
    env: env.env,
    stdio: ["ignore", "ignore", "pipe"],
    detached: true, // its own process group: the JVM and its Python workers stop together
  });
  let stderr = "";
  child.stderr?.setEncoding("utf8").on("data", (d: string) => {
    stderr = (stderr + d).slice(-200_000);
  });
  const timer = setTimeout(() => {
    if (child.pid) process.kill(-child.pid, "SIGKILL");
  }, timeoutMs);
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, stderr, seconds: (Date.now() - started) / 1000 });
    });
  });
}

/** Rows of every CSV part file the job wrote under `dir` (empty strings for nulls). */
export function readCsvDir(dir: string): Record<string, string>[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith(".csv"))
    .sort()
    .flatMap((f) => parse(readFileSync(path.join(dir, f)), { columns: true }) as Record<string, string>[]);
}

export interface DumpedRecord {
  value: string;
  partition: number;
  offset: number;
  timestamp: number;
  headers: Record<string, string>;
}

/**
 * Every record of `topic`, in the job's arrival order: Kafka timestamp, then partition, then offset
 * (spark/homestream_spark/job.py ORDER). Reads until the consumer reached each partition's end.
 */
export async function dumpTopic(brokers: readonly string[], topic: string): Promise<DumpedRecord[]> {
  const kafka = new Kafka({ brokers: [...brokers], clientId: "spark-test-dump", logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const ends = await admin.fetchTopicOffsets(topic);
  await admin.disconnect();
  const want = ends.reduce((n, p) => n + Number(p.high) - Number(p.low), 0);
  const consumer = kafka.consumer({ groupId: `spark-test-${randomUUID()}` });
  const records: DumpedRecord[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`read ${records.length} of ${want} records of ${topic}`)),
        60_000,
      );
      if (want === 0) {
        clearTimeout(timer);
        resolve();
        return;
      }
      void consumer.run({
        eachMessage: async ({ message, partition }) => {
          const headers: Record<string, string> = {};
          for (const [k, v] of Object.entries(message.headers ?? {})) headers[k] = String(v);
          records.push({
            value: message.value?.toString("utf8") ?? "",
            partition,
            offset: Number(message.offset),
            timestamp: Number(message.timestamp),
            headers,
          });
          if (records.length === want) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
  } finally {
    await consumer.disconnect();
  }
  return records.sort(
    (a, b) => a.timestamp - b.timestamp || a.partition - b.partition || a.offset - b.offset,
  );
}

export interface CliRun {
  rows: Record<string, unknown>[];
  /** stderr lines "<command>: line N: reason", by line number (1-based). */
  rejected: Map<number, string>;
  summary: string;
}

/** Runs the built CLI (`homestream stats|detect`) over a JSONL file. */
export function runCli(command: "stats" | "detect", file: string, flags: string[]): CliRun {
  const r = spawnSync(process.execPath, [cliMain, command, "--input", file, ...flags], {
    encoding: "utf8",
    maxBuffer: 256 * 1024 * 1024,
    timeout: 120_000,
  });
  if (r.status !== 0) throw new Error(`homestream ${command} exited ${r.status}: ${r.stderr}`);
  const rejected = new Map<number, string>();
  let summary = "";
  for (const line of r.stderr.split("\n")) {
    const m = new RegExp(`^${command}: line (\\d+): (.*)$`).exec(line);
    if (m) rejected.set(Number(m[1]), m[2] as string);
    else if (line.startsWith(`${command}: `)) summary = line;
  }
  const rows = r.stdout
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  return { rows, rejected, summary };
}

/** Equal within `rel` relative (and a tiny absolute floor for values near 0). */
export function close(a: number, b: number, rel = 1e-9): boolean {
  return Math.abs(a - b) <= rel * Math.max(Math.abs(a), Math.abs(b)) + 1e-12;
}

/** Differences between the CLI's final windows and the job's, as readable lines (empty = equal). */
export function windowDifferences(
  cli: readonly Record<string, unknown>[],
  spark: readonly Record<string, string>[],
): string[] {
  const key = (r: Record<string, unknown>) => `${r.window_start} ${r.room} ${r.sensor_type}`;
  const byKey = new Map(spark.map((r) => [key(r), r]));
  const out: string[] = [];
  if (byKey.size !== spark.length) out.push(`Spark wrote ${spark.length - byKey.size} windows twice`);
  for (const c of cli) {
    const s = byKey.get(key(c));
    byKey.delete(key(c));
    if (!s) {
      out.push(`missing in Spark: ${JSON.stringify(c)}`);
      continue;
    }
    const bad: string[] = [];
    if (Number(s.count) !== c.count) bad.push(`count ${s.count} != ${c.count}`);
    for (const f of ["min_value", "max_value"])
      if (Number(s[f]) !== c[f]) bad.push(`${f} ${s[f]} != ${c[f]}`);
    for (const f of ["avg_value", "sum_value"]) {
      if (!(f in c)) continue; // sum_value: only once `homestream stats` writes it
      if (!close(Number(s[f]), c[f] as number)) bad.push(`${f} ${s[f]} != ${c[f]}`);
    }
    if ("stddev_value" in c) {
      const cs = c.stddev_value;
      if (cs === null ? s.stddev_value !== "" : !close(Number(s.stddev_value), cs as number))
        bad.push(`stddev_value ${s.stddev_value} != ${cs}`);
    }
    if (bad.length > 0) out.push(`${key(c)}: ${bad.join(", ")}`);
  }
  for (const s of byKey.values()) out.push(`only in Spark: ${JSON.stringify(s)}`);
  return out;
}

/** An anomaly event with the fields `homestream detect` writes, from either side, as sortable text. */
export function eventText(e: Record<string, unknown>): string {
  const fields = [
    "event",
    "room",
    "since",
    "detected_at",
    "ended_at",
    "duration_s",
    "light_device_id",
    "presence_device_id",
  ];
  const o: Record<string, unknown> = {};
  for (const f of fields) {
    const v = e[f];
    if (v === undefined || v === "") continue;
    o[f] = f === "duration_s" ? Number(v) : v;
  }
  return JSON.stringify(o);
}

export interface EqualityOptions {
  /** Compare dead letters too (the topic holds records the reading schema rejects). */
  deadLetters: boolean;
  /** The log must make `homestream stats` drop late readings. */
  late: boolean;
  minWindows: number;
  /** At least this many anomaly_start and as many anomaly_end events. */
  minEvents: number;
  watermark?: string;
  detect?: string[];
}

/**
 * Dumps `topic` in the job's arrival order, runs `homestream stats`/`detect` over it, and expects
 * the job's output under `out` to equal theirs: every window the job's final watermark closed
 * (count, min, max exact; avg, and sum/stddev when the CLI writes them, to 1e-9 relative), the
 * same anomaly events, and (optionally) the same dead-letter records and reasons.
 */
export async function expectEqualToCli(
  brokers: readonly string[],
  topic: string,
  out: string,
  work: string,
  o: EqualityOptions,
): Promise<{ records: DumpedRecord[]; sparkDead: Record<string, string>[] }> {
  const watermark = o.watermark ?? "30s";
  const detectFlags = o.detect ?? ["--grace", "30s", "--presence-max-age", "2m"];
  const records = await dumpTopic(brokers, topic);
  const log = path.join(work, `${topic}.jsonl`);
  writeFileSync(log, `${records.map((r) => r.value).join("\n")}\n`);

  // Windows: those the job's final watermark (max event time of the aggregated readings minus the
  // delay) closed are in both, equal; none is written twice, also across a restart.
  const stats = runCli("stats", log, ["--watermark", watermark]);
  if (o.late) expect(stats.summary).toMatch(/ [1-9]\d* late/);
  let maxTime = Number.NEGATIVE_INFINITY;
  for (const r of records) {
    const p = parseReadingJson(r.value);
    if (p.ok && ["temperature", "humidity"].includes(p.value.reading.sensor_type))
      maxTime = Math.max(maxTime, p.value.time);
  }
  const final = maxTime - parseDuration(watermark);
  const closed = stats.rows.filter((w) => Date.parse(w.window_end as string) <= final);
  expect(closed.length).toBeGreaterThan(o.minWindows);
  expect(windowDifferences(closed, readCsvDir(path.join(out, "windows")))).toEqual([]);

  // Anomalies: the same events (rooms interleave differently; each room's sequence is the same).
  const detect = runCli("detect", log, detectFlags);
  const sparkEvents = readCsvDir(path.join(out, "anomalies"));
  expect(detect.rows.filter((e) => e.event === "anomaly_start").length).toBeGreaterThan(o.minEvents);
  expect(detect.rows.filter((e) => e.event === "anomaly_end").length).toBeGreaterThan(o.minEvents);
  expect(sparkEvents.map(eventText).sort()).toEqual(detect.rows.map(eventText).sort());
  expect(new Set(sparkEvents.map((e) => e.source))).toEqual(new Set(["spark"]));

  // Dead letters: the records the CLI rejects, with its very reasons (JSON syntax errors too).
  const sparkDead = o.deadLetters ? readCsvDir(path.join(out, "dead_letters")) : [];
  if (o.deadLetters) {
    const cliReasons = [...stats.rejected].map(([line, reason]) => {
      const r = records[line - 1];
      return `${r?.partition}/${r?.offset} ${reason}`;
    });
    expect(cliReasons.length).toBeGreaterThan(40);
    const sparkReasons = sparkDead.map((d) => `${d.partition}/${d.offset} ${d.reason}`);
    expect(sparkReasons.sort()).toEqual(cliReasons.sort());
  }
  return { records, sparkDead };
}
