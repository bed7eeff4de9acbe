// `--state FILE` for stats and detect: a log processed in parts, with the state carried in a file
// from run to run, gives exactly the output of one run over the whole log (property-tested on
// random logs and random cut points), and a bad state is discarded with a message, never a crash.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { type DetectFlags, runDetect } from "../../cli/detect.js";
import { UsageError } from "../../cli/errors.js";
import { runStats, type StatsFlags } from "../../cli/stats.js";

const dir = mkdtempSync(join(tmpdir(), "homestream-state-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const fresh = (name: string) => join(dir, `${files++}-${name}`);

const T0 = Date.UTC(2026, 10, 27, 21, 0, 0);

function capture() {
  const stdout = new PassThrough();
  const chunks: Buffer[] = [];
  stdout.on("data", (c: Buffer) => chunks.push(c));
  const messages: string[] = [];
  return {
    io: { stdout, log: (m: string) => messages.push(m) },
    lines: () =>
      Buffer.concat(chunks)
        .toString("utf8")
        .split("\n")
        .filter((l) => l !== ""),
    messages,
  };
}

const STATS: StatsFlags = {
  window: "10s",
  watermark: "3s",
  mode: "append",
  sensors: "temperature,humidity",
  groupBy: "room,sensor_type",
  format: "auto",
  tz: "UTC",
};
const DETECT: DetectFlags = { grace: "0", format: "auto", tz: "UTC" };

async function stats(flags: Partial<StatsFlags>) {
  const c = capture();
  const summary = await runStats({ ...STATS, ...flags }, c.io);
  return { lines: c.lines(), messages: c.messages, summary };
}
async function detect(flags: Partial<DetectFlags>) {
  const c = capture();
  const summary = await runDetect({ ...DETECT, ...flags }, c.io);
  return { lines: c.lines(), messages: c.messages, summary };
}

function writeLog(lines: readonly string[]): string {
  const p = fresh("log.jsonl");
  writeFileSync(p, lines.map((l) => `${l}\n`).join(""));
  return p;
}

const lineArb = fc
  .record({
    room: fc.constantFrom("kitchen", "hall"),
    sensor_type: fc.constantFrom("temperature", "humidity", "light", "presence"),
    v: fc.integer({ min: 0, max: 40 }),
    dt: fc.integer({ min: -4000, max: 6000 }),
    device: fc.constantFrom("1", "2"),
  })
  .map((r) => r);

/** A log with event times drifting forward with some disorder, plus the odd malformed line. */
const logArb = fc
  .array(fc.oneof({ weight: 20, arbitrary: lineArb }, { weight: 1, arbitrary: fc.constant(null) }), {
    maxLength: 60,
  })
  .map((items) => {
    let t = T0;
    return items.map((r) => {
      if (r === null) return '{"room":"kitchen"}';
      t = Math.max(T0, t + r.dt);
      const binary = r.sensor_type === "light" || r.sensor_type === "presence";
      return JSON.stringify({
        room: r.room,
        sensor_type: r.sensor_type,
        value: binary ? r.v % 2 : r.v,
        timestamp: new Date(t).toISOString(),
        device_id: `${r.room}_${r.sensor_type}_${r.device}`,
      });
    });
  });

describe("stats --state", () => {
  it("two halves with the state carried over write exactly the rows of one run", async () => {
    await fc.assert(
      fc.asyncProperty(
        logArb,
        fc.nat(),
        fc.constantFrom<Partial<StatsFlags>>({}, { slide: "5s" }, { mode: "update", trigger: "3" }),
        async (log, rawCut, extra) => {
          const cut = rawCut % (log.length + 1);
          const whole = await stats({ ...extra, input: writeLog(log) });
          const state = fresh("stats-state.json");
          const first = await stats({ ...extra, input: writeLog(log.slice(0, cut)), state });
          const second = await stats({ ...extra, input: writeLog(log.slice(cut)), state, final: true });
          expect([...first.lines, ...second.lines]).toEqual(whole.lines);
          // The summaries count each run's own readings.
          expect(first.summary.late + second.summary.late).toBe(whole.summary.late);
          expect(first.summary.filtered + second.summary.filtered).toBe(whole.summary.filtered);
          expect(second.summary.open).toBe(0);
        },
      ),
      { numRuns: 60 },
    );
  });

  it("keeps windows open between parts, closes them with --final, and writes the file atomically", async () => {
    const reading = (ms: number, value: number) =>
      JSON.stringify({
        room: "kitchen",
        sensor_type: "temperature",
        value,
        timestamp: new Date(T0 + ms).toISOString(),
        device_id: "k1",
      });
    const state = fresh("open.json");
    const a = await stats({ input: writeLog([reading(1000, 20)]), state });
    expect(a.lines).toEqual([]);
    expect(a.summary.open).toBe(1);
    expect(a.messages.at(-1)).toContain(`1 open windows kept in ${state}`);
    expect(JSON.parse(readFileSync(state, "utf8")).engine.kind).toBe("homestream.window-engine");
    const b = await stats({ input: writeLog([reading(2000, 22)]), state, final: true });
    expect(b.lines.map((l) => JSON.parse(l))).toEqual([
      expect.objectContaining({ room: "kitchen", count: 2, avg_value: 21, min_value: 20, max_value: 22 }),
    ]);
    expect(readFileSync(state, "utf8")).not.toMatch(/"open":\[\{/);
  });

  it("discards a state saved under other window flags, or a corrupt one, with a message", async () => {
    const line = JSON.stringify({
      room: "kitchen",
      sensor_type: "temperature",
      value: 20,
      timestamp: new Date(T0).toISOString(),
      device_id: "k1",
    });
    const state = fresh("changed.json");
    await stats({ input: writeLog([line]), state });
    const changed = await stats({ input: writeLog([line]), state, window: "20s", final: true });
    expect(changed.messages[0]).toMatch(
      /--state .*: discarded, starting afresh: configuration changed: windowMs 10000 → 20000/,
    );
    expect(changed.lines.map((l) => JSON.parse(l).count)).toEqual([1]);

    const corrupt = fresh("corrupt.json");
    writeFileSync(corrupt, "{not json");
    const c1 = await stats({ input: writeLog([line]), state: corrupt });
    expect(c1.messages[0]).toMatch(/discarded, starting afresh: not JSON/);
    writeFileSync(
      corrupt,
      JSON.stringify({
        engine: { kind: "homestream.window-engine", version: 1, config: {}, body: 3 },
        readingsSinceTrigger: 0,
      }),
    );
    const c2 = await stats({ input: writeLog([line]), state: corrupt });
    expect(c2.messages[0]).toMatch(/discarded, starting afresh: configuration changed/);
    // It was replaced by a good state.
    const c3 = await stats({ input: writeLog([]), state: corrupt });
    expect(c3.messages[0]).not.toMatch(/discarded/);
    expect(c3.summary.open).toBe(1);
  });

  it("--final without --state is a usage error", async () => {
    await expect(stats({ final: true, input: writeLog([]) })).rejects.toBeInstanceOf(UsageError);
  });
});

describe("detect --state", () => {
  it("two halves with the state carried over write exactly the events of one run", async () => {
    await fc.assert(
      fc.asyncProperty(logArb, fc.nat(), fc.constantFrom("0", "3s"), async (log, rawCut, grace) => {
        const cut = rawCut % (log.length + 1);
        const whole = await detect({ grace, input: writeLog(log) });
        const state = fresh("detect-state.json");
        const first = await detect({ grace, input: writeLog(log.slice(0, cut)), state });
        const second = await detect({ grace, input: writeLog(log.slice(cut)), state });
        expect([...first.lines, ...second.lines]).toEqual(whole.lines);
        expect(second.summary.open).toBe(whole.summary.open);
      }),
      { numRuns: 60 },
    );
  });

  it("an anomaly open at the end of one part ends in the next with its true duration, once", async () => {
    const r = (type: string, value: number, s: number) =>
      JSON.stringify({
        room: "kitchen",
        sensor_type: type,
        value,
        timestamp: new Date(T0 + s * 1000).toISOString(),
        device_id: `kitchen_${type}`,
      });
    const state = fresh("anomaly.json");
    const a = await detect({ input: writeLog([r("presence", 0, 0), r("light", 1, 1)]), state });
    expect(a.lines.map((l) => JSON.parse(l).event)).toEqual(["anomaly_start"]);
    expect(existsSync(state)).toBe(true);
    const b = await detect({
      input: writeLog([r("presence", 0, 5), r("light", 1, 8), r("light", 0, 13)]),
      state,
    });
    expect(b.lines.map((l) => JSON.parse(l))).toEqual([
      {
        event: "anomaly_end",
        room: "kitchen",
        since: new Date(T0 + 1000).toISOString(),
        ended_at: new Date(T0 + 13_000).toISOString(),
        duration_s: 12,
      },
    ]);
    const changed = await detect({ input: writeLog([]), state, grace: "5s" });
    expect(changed.messages[0]).toMatch(
      /discarded, starting afresh: configuration changed: graceMs 0 → 5000/,
    );
  });
});
