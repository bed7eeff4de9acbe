import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { parse } from "csv-parse/sync";
import { afterAll, describe, expect, it } from "vitest";
import { UsageError } from "../../cli/errors.js";
import { runStats, type StatsFlags, statsOptions } from "../../cli/stats.js";
import type { WindowResult } from "../../core/window-engine.js";
import {
  compareRows,
  diffRows,
  type OracleOptions,
  type OracleReading,
  simulate,
  toOracleRow,
} from "../core/window-oracle.js";
import { homestream, requireBuiltCli } from "./built-cli.js";

const dir = mkdtempSync(join(tmpdir(), "homestream-stats-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const T0 = Date.UTC(2026, 10, 27, 21, 0, 0); // November: Europe/Paris is UTC+1 all day

/** Small seeded generator (mulberry32), so the log is the same on every run. */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface LogEntry {
  /** The reading's true content, known independently of how the line spells its timestamp. */
  reading?: OracleReading;
  json: string;
  csv: string;
}

const ROOMS = ["living_room", "kitchen", "bedroom", "bathroom"];
const TYPES = ["temperature", "humidity", "presence", "light"];

/**
 * A recorded log: readings every ~0.4 s in event time, arriving up to 15 s out of order, with
 * timestamps spelled four ways (Z, +02:00 offset, naive Europe/Paris wall time, epoch ms) and
 * malformed lines sprinkled in.
 */
function makeLog(count: number, seed: number): LogEntry[] {
  const rnd = prng(seed);
  const items: Array<{ r: OracleReading; arrival: number }> = [];
  for (let i = 0; i < count; i++) {
    const room = ROOMS[Math.floor(rnd() * ROOMS.length)] as string;
    const sensor_type = TYPES[Math.floor(rnd() * TYPES.length)] as string;
    const time = T0 + i * 400 + Math.floor(rnd() * 400);
    const value =
      sensor_type === "temperature"
        ? Math.round((18 + rnd() * 10) * 100) / 100
        : sensor_type === "humidity"
          ? Math.round((30 + rnd() * 40) * 10) / 10
          : rnd() < 0.5
            ? 0
            : 1;
    items.push({
      r: {
        room,
        sensor_type,
        device_id: `${room}_${sensor_type}_00${1 + Math.floor(rnd() * 2)}`,
        value,
        time,
      },
      arrival: time + rnd() * 15_000,
    });
  }
  items.sort((a, b) => a.arrival - b.arrival);
  const log: LogEntry[] = [];
  items.forEach(({ r }, i) => {
    const form = i % 4;
    const ts =
      form === 0
        ? new Date(r.time).toISOString()
        : form === 1
          ? new Date(r.time + 2 * 3_600_000).toISOString().replace("Z", "+02:00")
          : form === 2
            ? new Date(r.time + 3_600_000).toISOString().replace("Z", "")
            : r.time;
    const value =
      (r.sensor_type === "light" || r.sensor_type === "presence") && i % 3 === 0
        ? r.value
          ? "ON"
          : "OFF"
        : r.value;
    const obj = { room: r.room, sensor_type: r.sensor_type, value, timestamp: ts, device_id: r.device_id };
    log.push({
      reading: r,
      json: JSON.stringify(obj),
      csv: [ts, r.room, r.sensor_type, value, r.device_id].join(","),
    });
    if (i % 97 === 5) {
      const bad = [
        { json: "not json at all", csv: "not,a,reading" },
        {
          json: JSON.stringify({ ...obj, value: "warm", sensor_type: "temperature" }),
          csv: [ts, r.room, "temperature", "warm", r.device_id].join(","),
        },
        {
          json: JSON.stringify({ ...obj, timestamp: "yesterday" }),
          csv: ["yesterday", r.room, r.sensor_type, r.value, r.device_id].join(","),
        },
        {
          json: JSON.stringify({ room: r.room }),
          csv: [ts, "", r.sensor_type, r.value, r.device_id].join(","),
        },
      ][i % 4] as { json: string; csv: string };
      log.push(bad);
    }
  });
  return log;
}

function writeLog(name: string, log: LogEntry[], format: "jsonl" | "csv"): string {
  const p = join(dir, name);
  const lines =
    format === "jsonl"
      ? log.map((e) => e.json)
      : ["timestamp,room,sensor_type,value,device_id", ...log.map((e) => e.csv)];
  writeFileSync(p, `${lines.join("\n")}\n`);
  return p;
}

const FLAGS: StatsFlags = {
  window: "60s",
  watermark: "0s",
  mode: "append",
  sensors: "temperature,humidity",
  groupBy: "room,sensor_type",
  format: "auto",
  tz: "UTC",
};

async function stats(flags: Partial<StatsFlags>) {
  const stdout = new PassThrough();
  const chunks: Buffer[] = [];
  stdout.on("data", (c: Buffer) => chunks.push(c));
  const messages: string[] = [];
  const summary = await runStats({ ...FLAGS, ...flags }, { stdout, log: (m) => messages.push(m) });
  const rows = Buffer.concat(chunks)
    .toString("utf8")
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => JSON.parse(l) as WindowResult);
  return { rows, messages, summary };
}

function expectation(log: LogEntry[], options: OracleOptions) {
  const readings = log.flatMap((e) => (e.reading ? [e.reading] : []));
  const sim = simulate(readings, options);
  const count = (o: string) => sim.outcomes.filter((x) => x === o).length;
  return {
    rows: sim.rows,
    readings: readings.length,
    malformed: log.length - readings.length,
    late: count("late"),
    filtered: count("filtered"),
    partiallyLate: sim.partiallyLate,
  };
}

const log = makeLog(4000, 7);
const jsonl = writeLog("log.jsonl", log, "jsonl");
const csv = writeLog("log.csv", log, "csv");

describe("homestream stats (in process)", () => {
  it("matches a batch group-by over the non-late readings, with mixed timestamps and malformed lines", async () => {
    const { rows, messages, summary } = await stats({ input: jsonl, watermark: "10s", tz: "Europe/Paris" });
    const want = expectation(log, {
      windowMs: 60_000,
      watermarkDelayMs: 10_000,
      sensorTypes: ["temperature", "humidity"],
    });
    expect(want.late).toBeGreaterThan(0); // the log is out of order beyond the watermark delay
    expect(want.malformed).toBeGreaterThan(30);
    const actual = rows.map(toOracleRow);
    expect([...actual].sort(compareRows)).toEqual(actual); // final windows come out in order
    expect(diffRows(actual, want.rows)).toEqual([]);
    expect(summary).toMatchObject({
      lines: log.length,
      readings: want.readings,
      malformed: want.malformed,
      late: want.late,
      filtered: want.filtered,
      emitted: want.rows.length,
    });
    expect(messages.filter((m) => /^stats: line \d+: /.test(m))).toHaveLength(want.malformed);
    expect(messages.at(-1)).toBe(
      `stats: ${log.length} lines, ${want.readings} readings, ${want.malformed} malformed, ` +
        `${want.filtered} filtered, ${want.late} late, ${want.rows.length} windows`,
    );
  });

  it("reads the same log as CSV to the same result", async () => {
    const a = await stats({ input: jsonl, watermark: "10s", tz: "Europe/Paris" });
    const b = await stats({ input: csv, watermark: "10s", tz: "Europe/Paris" });
    expect(b.rows).toEqual(a.rows);
    expect(b.summary).toEqual(a.summary);
  });

  it("sliding windows over every sensor type, grouped by room", async () => {
    const { rows, summary, messages } = await stats({
      input: jsonl,
      window: "1m",
      slide: "20s",
      watermark: "5s",
      sensors: "all",
      groupBy: "room",
      tz: "Europe/Paris",
    });
    const want = expectation(log, {
      windowMs: 60_000,
      slideMs: 20_000,
      watermarkDelayMs: 5000,
      groupBy: ["room"],
    });
    expect(want.partiallyLate).toBeGreaterThan(0);
    expect(diffRows(rows.map(toOracleRow), want.rows)).toEqual([]);
    expect(Object.keys(rows[0] as WindowResult)).toEqual([
      "window_start",
      "window_end",
      "room",
      "avg_value",
      "min_value",
      "max_value",
      "count",
      "sum_value",
      "stddev_value",
    ]);
    expect(summary).toMatchObject({ late: want.late, partiallyLate: want.partiallyLate, filtered: 0 });
    expect(messages.at(-1)).toMatch(
      new RegExp(
        `, ${want.late} late \\(${want.partiallyLate} more dropped from some windows\\), ${want.rows.length} windows$`,
      ),
    );
  });

  it("update mode: batches of --trigger readings, the last update of each window is the batch result", async () => {
    const { rows, summary } = await stats({
      input: jsonl,
      mode: "update",
      trigger: "250",
      watermark: "10s",
      tz: "Europe/Paris",
    });
    const want = expectation(log, {
      windowMs: 60_000,
      watermarkDelayMs: 10_000,
      sensorTypes: ["temperature", "humidity"],
    });
    const last = new Map<string, WindowResult>();
    for (const r of rows) last.set(`${r.window_start} ${r.room} ${r.sensor_type}`, r);
    expect(rows.length).toBeGreaterThan(last.size); // windows were updated more than once
    expect(diffRows([...last.values()].map(toOracleRow).sort(compareRows), want.rows)).toEqual([]);
    expect(summary.emitted).toBe(rows.length);
  });

  it("--output csv: a header, then the same window results as JSONL (null stddev as an empty cell)", async () => {
    const flags = { input: jsonl, window: "2s", watermark: "10s", tz: "Europe/Paris" };
    const { rows } = await stats(flags);
    const stdout = new PassThrough();
    const chunks: Buffer[] = [];
    stdout.on("data", (c: Buffer) => chunks.push(c));
    await runStats({ ...FLAGS, ...flags, output: "csv" }, { stdout, log: () => {} });
    const [header, ...records] = parse(Buffer.concat(chunks).toString("utf8")) as string[][];
    expect(header).toEqual([
      "window_start",
      "window_end",
      "room",
      "sensor_type",
      "avg_value",
      "min_value",
      "max_value",
      "count",
      "sum_value",
      "stddev_value",
    ]);
    expect(rows.some((r) => r.stddev_value === null)).toBe(true); // the empty-cell case is covered
    const fromCsv = records.map((cells) => {
      const o = Object.fromEntries((header as string[]).map((h, i) => [h, cells[i]]));
      return toOracleRow({
        window_start: o.window_start as string,
        window_end: o.window_end as string,
        room: o.room,
        sensor_type: o.sensor_type,
        avg_value: Number(o.avg_value),
        min_value: Number(o.min_value),
        max_value: Number(o.max_value),
        count: Number(o.count),
        sum_value: Number(o.sum_value),
        stddev_value: o.stddev_value === "" ? null : Number(o.stddev_value),
      });
    });
    // Numbers print as JavaScript writes them, so the round trip is exact.
    expect(fromCsv).toEqual(rows.map(toOracleRow));
  });

  it("reads naive timestamps in UTC by default", async () => {
    const p = join(dir, "naive.jsonl");
    const line = (v: number, ts: string) =>
      JSON.stringify({ room: "hall", sensor_type: "temperature", value: v, timestamp: ts, device_id: "h1" });
    writeFileSync(p, [line(1, "2026-11-27T21:00:59.999"), line(3, "2026-11-27T21:01:00")].join("\n"));
    const { rows } = await stats({ input: p });
    expect(rows.map((r) => [r.window_start, r.count])).toEqual([
      ["2026-11-27T21:00:00.000Z", 1],
      ["2026-11-27T21:01:00.000Z", 1],
    ]);
  });

  it("with --strict stops at the first malformed line", async () => {
    await expect(stats({ input: jsonl, strict: true })).rejects.toThrow(/^stats: line \d+: .*--strict/);
  });

  it("reports bad flags as usage errors naming the flag", () => {
    const bad = (flags: Partial<StatsFlags>) => () => statsOptions({ ...FLAGS, ...flags });
    expect(bad({ window: "0" })).toThrow(UsageError);
    expect(bad({ window: "soon" })).toThrow(/^--window: invalid duration "soon"/);
    expect(bad({ slide: "2m" })).toThrow(/^--slide 2m is longer than --window 60s/);
    expect(bad({ watermark: "-1s" })).toThrow(/^--watermark: /);
    expect(bad({ offset: "60s" })).toThrow(/^--offset 60s must be shorter than the slide/);
    expect(bad({ groupBy: "room,floor" })).toThrow(/^--group-by: unknown column "floor"/);
    expect(bad({ sensors: " , " })).toThrow(/^--sensors: /);
    expect(bad({ trigger: "10" })).toThrow(/^--trigger applies to --mode update only$/);
    expect(bad({ mode: "update", trigger: "1.5" })).toThrow(/^--trigger: must be a whole number/);
    expect(statsOptions({ ...FLAGS, sensors: "ALL", groupBy: "none", slide: "30s", offset: "10s" })).toEqual({
      engine: {
        windowMs: 60_000,
        slideMs: 30_000,
        offsetMs: 10_000,
        watermarkDelayMs: 0,
        mode: "append",
        groupBy: [],
        sensorTypes: undefined,
      },
      trigger: 1000,
    });
  });
});

// The built command in a real process: stdin, stdout, stderr and exit codes. Needs `npm run build`
// (npm test builds first).
const built = requireBuiltCli();

function cli(args: string[], stdin?: string) {
  return homestream(["stats", ...args], stdin);
}

describe.runIf(built)("homestream stats (built CLI, real process)", () => {
  it("reads stdin, writes JSONL on stdout and the summary on stderr, exits 0", () => {
    const want = expectation(log, {
      windowMs: 60_000,
      watermarkDelayMs: 10_000,
      sensorTypes: ["temperature", "humidity"],
    });
    const r = cli(["--watermark", "10s", "--tz", "Europe/Paris"], log.map((e) => e.json).join("\n"));
    expect(r.status).toBe(0);
    const rows = r.stdout
      .trim()
      .split("\n")
      .map((l) => toOracleRow(JSON.parse(l)));
    expect(diffRows(rows, want.rows)).toEqual([]);
    expect(r.stderr.trim().split("\n").at(-1)).toBe(
      `stats: ${log.length} lines, ${want.readings} readings, ${want.malformed} malformed, ` +
        `${want.filtered} filtered, ${want.late} late, ${want.rows.length} windows`,
    );
  });

  it("exits 2 on a bad flag and 1 on a malformed line with --strict", () => {
    const usage = cli(["--window", "1m", "--slide", "5m"], "");
    expect(usage.status).toBe(2);
    expect(usage.stderr).toMatch(/--slide 5m is longer than --window 1m/);
    expect(cli(["--mode", "sometimes"], "").status).toBe(2);
    const strict = cli(["--strict", "--format", "jsonl"], "garbage\n");
    expect(strict.status).toBe(1);
    expect(strict.stderr).toMatch(/stats: line 1: invalid JSON/);
  });
});
