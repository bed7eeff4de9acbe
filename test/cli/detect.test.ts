// `homestream detect` end to end: the built CLI on a generated log (mixed timestamp forms and
// value spellings, malformed and blank lines, event-time disorder), checked against the
// brute-force oracle of test/core.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { AnomalyEvent } from "../../core/light-presence.js";
import { type Op, type OracleOptions, oracleDetect } from "../core/light-presence-oracle.js";
import { homestream, requireBuiltCli } from "./built-cli.js";

const built = requireBuiltCli();
const dir = mkdtempSync(join(tmpdir(), "homestream-detect-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** `homestream detect ...args`, the built bin in a real process. */
function detect(args: string[], stdin?: string) {
  const r = homestream(["detect", ...args], stdin ?? "");
  return {
    code: r.status,
    events: r.stdout
      .split("\n")
      .filter((l) => l !== "")
      .map((l) => JSON.parse(l) as AnomalyEvent),
    stdout: r.stdout,
    stderr: r.stderr.split("\n").filter((l) => l !== ""),
  };
}

/** mulberry32: a small seeded generator, so a failure replays. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const T0 = Date.parse("2026-11-27T21:00:00.000Z");
const ROOMS = ["kitchen", "living_room", "bedroom", "salle de bain"];

interface Log {
  jsonl: string;
  csv: string;
  ops: Op[];
  /** Physical line numbers (1-based) of the malformed JSONL lines. */
  malformedLines: number[];
  nonBlankLines: number;
}

/** Renders event time `ms` the way one of the producers would have written it. */
function timestampIn(form: number, ms: number): string | number {
  const iso = new Date(ms).toISOString();
  switch (form) {
    case 0:
      return iso; // 2026-11-27T21:00:00.123Z
    case 1:
      return ms; // epoch milliseconds
    case 2:
      return `${iso.slice(0, 23)}456`; // the original producer: naive isoformat(), microseconds
    case 3: {
      const shifted = new Date(ms + 2 * 3_600_000).toISOString();
      return `${shifted.slice(0, 23)}+02:00`;
    }
    default:
      return iso.replace("Z", "z");
  }
}

const SPELLINGS: Record<number, Array<number | boolean | string>> = {
  0: [0, false, "OFF", "off"],
  1: [1, true, "ON", "on"],
};

function generateLog(seed: number, count: number): Log {
  const rnd = random(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
  const jsonl: string[] = [];
  const csv: string[] = ["timestamp,room,device_id,sensor_type,value"];
  const ops: Op[] = [];
  const malformedLines: number[] = [];
  let t = 0;
  for (let i = 0; i < count; i++) {
    const roll = rnd();
    if (roll < 0.02) {
      jsonl.push("");
      continue;
    }
    if (roll < 0.08) {
      jsonl.push(
        pick([
          "{not json",
          '{"room":"kitchen","sensor_type":"light","value":1,"timestamp":"2026-11-27T21:00:00Z"}',
          '{"room":"kitchen","sensor_type":"light","value":"maybe","timestamp":"2026-11-27T21:00:00Z","device_id":"x"}',
          '{"room":"kitchen","sensor_type":"presence","value":2,"timestamp":"2026-11-27T21:00:00Z","device_id":"x"}',
          '{"room":"","sensor_type":"light","value":1,"timestamp":"2026-11-27T21:00:00Z","device_id":"x"}',
          '{"room":"kitchen","sensor_type":"light","value":1,"timestamp":"yesterday","device_id":"x"}',
        ]),
      );
      malformedLines.push(jsonl.length);
      continue;
    }
    // Mostly forward in event time, sometimes a few seconds back.
    t = Math.max(0, t + Math.floor(rnd() * 11_000) - 3000);
    const room = pick(ROOMS);
    const type = pick(["light", "light", "presence", "presence", "presence", "temperature", "humidity"]);
    let value: number;
    let raw: number | boolean | string;
    if (type === "light" || type === "presence") {
      // Lights on and rooms empty more often than not, so anomalies are common.
      value = type === "light" ? Number(rnd() < 0.65) : Number(rnd() < 0.35);
      raw = pick(SPELLINGS[value] as Array<number | boolean | string>);
    } else {
      value = Math.round(rnd() * 300) / 10;
      raw = value;
    }
    const device_id = `${room.replace(" ", "_")}_${type}_00${1 + Math.floor(rnd() * 2)}`;
    const timestamp = timestampIn(Math.floor(rnd() * 5), T0 + t);
    jsonl.push(JSON.stringify({ room, sensor_type: type, value: raw, timestamp, device_id }));
    csv.push([timestamp, `"${room}"`, device_id, type, String(raw)].join(","));
    ops.push({
      reading: {
        reading: { room, sensor_type: type, value, timestamp: new Date(T0 + t).toISOString(), device_id },
        time: T0 + t,
      },
    });
  }
  return {
    jsonl: `${jsonl.join("\n")}\n`,
    csv: `${csv.join("\r\n")}\r\n`,
    ops,
    malformedLines,
    nonBlankLines: jsonl.filter((l) => l !== "").length,
  };
}

const expected = (log: Log, o: OracleOptions) => oracleDetect(log.ops, o).flat();

function summaryOf(log: Log, events: AnomalyEvent[], malformed = log.malformedLines.length) {
  const started = events.filter((e) => e.event === "anomaly_start").length;
  const ended = events.filter((e) => e.event === "anomaly_end").length;
  const lines = log.ops.length + malformed;
  return (
    `detect: ${lines} lines, ${log.ops.length} readings, ${malformed} malformed, ` +
    `${started} anomalies started, ${ended} ended, ${started - ended} still open`
  );
}

describe.runIf(built)("homestream detect (built CLI) against the oracle", () => {
  const log = generateLog(20261127, 1500);
  const jsonlPath = join(dir, "readings.jsonl");
  const csvPath = join(dir, "readings.csv");
  writeFileSync(jsonlPath, log.jsonl);
  writeFileSync(csvPath, log.csv);

  it("matches the oracle with a grace period and stale presence, reporting each malformed line", () => {
    const want = expected(log, { graceMs: 20_000, presenceMaxAgeMs: 45_000 });
    // The log must exercise what it claims to: starts, ends by reading and by staleness.
    expect(want.filter((e) => e.event === "anomaly_start").length).toBeGreaterThan(20);
    const expiries = new Set(
      log.ops.flatMap((op) =>
        "reading" in op && op.reading.reading.sensor_type === "presence"
          ? [new Date(op.reading.time + 45_000).toISOString()]
          : [],
      ),
    );
    const ends = want.filter((e) => e.event === "anomaly_end");
    expect(ends.filter((e) => expiries.has(e.ended_at)).length).toBeGreaterThan(5);
    expect(ends.filter((e) => !expiries.has(e.ended_at)).length).toBeGreaterThan(5);
    expect(log.malformedLines.length).toBeGreaterThan(20);

    const r = detect(["--grace", "20s", "--presence-max-age", "45s", "--input", jsonlPath, "--tz", "UTC"]);
    expect(r.code, r.stderr.join("\n")).toBe(0);
    expect(r.events).toEqual(want);
    const reported = r.stderr.filter((l) => /^detect: line \d+: /.test(l));
    expect(reported.map((l) => Number(/line (\d+)/.exec(l)?.[1]))).toEqual(log.malformedLines);
    expect(log.nonBlankLines).toBe(log.ops.length + log.malformedLines.length);
    expect(r.stderr.at(-1)).toBe(summaryOf(log, want));
  }, 60_000);

  it("defaults to the original rule (grace 0, presence never stale), reading stdin", () => {
    const want = expected(log, { graceMs: 0 });
    const r = detect([], log.jsonl);
    expect(r.code, r.stderr.join("\n")).toBe(0);
    expect(r.events).toEqual(want);
    expect(r.stderr.at(-1)).toBe(summaryOf(log, want));
  }, 60_000);

  it("gives the same events from the same readings as CSV", () => {
    const want = expected(log, { graceMs: 90_000 });
    const r = detect(["--grace", "90s", "--input", csvPath]);
    expect(r.code, r.stderr.join("\n")).toBe(0);
    expect(r.events).toEqual(want);
    expect(r.stderr).toEqual([summaryOf(log, want, 0)]);
  }, 60_000);
});

describe.runIf(built)("homestream detect errors", () => {
  const good = JSON.stringify({
    room: "k",
    sensor_type: "light",
    value: 1,
    timestamp: "2026-11-27T21:00:00Z",
    device_id: "l",
  });

  it("exits 2 naming the flag for a bad duration", () => {
    const r = detect(["--grace", "soon"]);
    expect(r.code).toBe(2);
    expect(r.stderr.join("\n")).toMatch(/--grace: invalid duration "soon"/);
    const s = detect(["--presence-max-age", "0s"]);
    expect(s.code).toBe(2);
    expect(s.stderr.join("\n")).toMatch(/--presence-max-age: must be more than 0/);
  });

  it("exits 2 for an unknown time zone or format", () => {
    expect(detect(["--tz", "Mars/Olympus"], `${good}\n`).code).toBe(2);
    expect(detect(["--format", "xml"], `${good}\n`).code).toBe(2);
  });

  it("with --strict, exits 1 at the first malformed line", () => {
    const r = detect(["--strict"], `${good}\n{oops\n${good}\n`);
    expect(r.code).toBe(1);
    expect(r.stderr.join("\n")).toMatch(/line 2: invalid JSON/);
  });
});
