import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { WindowEngine, type WindowInput, type WindowResult } from "../../core/window-engine.js";
import { type GroupColumn, WindowOptionsError } from "../../core/window-options.js";
import {
  compareRows,
  diffRows,
  type OracleOptions,
  type OracleReading,
  simulate,
  toOracleRow,
  windowStarts,
} from "./window-oracle.js";

const T0 = Date.UTC(2026, 10, 27, 21, 0, 0); // a minute boundary
const S = 1000;

function reading(room: string, sensor_type: string, value: number, device_id = `${room}_${sensor_type}_001`) {
  return { room, sensor_type, value, device_id };
}

const iso = (ms: number) => new Date(ms).toISOString();

describe("WindowEngine: tumbling windows", () => {
  it("aggregates per window, room and sensor type, and emits a window once the watermark passes its end", () => {
    const e = new WindowEngine({ windowMs: 60 * S });
    expect(e.add(reading("kitchen", "temperature", 21), T0 + 5 * S).closed).toEqual([]);
    e.add(reading("kitchen", "temperature", 23), T0 + 50 * S);
    e.add(reading("kitchen", "humidity", 40), T0 + 59_999);
    e.add(reading("bedroom", "temperature", 19), T0 + 10 * S);
    const r = e.add(reading("kitchen", "temperature", 30), T0 + 60 * S);
    expect(r.outcome).toBe("accepted");
    expect(r.closed).toEqual([
      {
        window_start: iso(T0),
        window_end: iso(T0 + 60 * S),
        room: "bedroom",
        sensor_type: "temperature",
        avg_value: 19,
        min_value: 19,
        max_value: 19,
        count: 1,
        sum_value: 19,
        stddev_value: null,
      },
      {
        window_start: iso(T0),
        window_end: iso(T0 + 60 * S),
        room: "kitchen",
        sensor_type: "humidity",
        avg_value: 40,
        min_value: 40,
        max_value: 40,
        count: 1,
        sum_value: 40,
        stddev_value: null,
      },
      {
        window_start: iso(T0),
        window_end: iso(T0 + 60 * S),
        room: "kitchen",
        sensor_type: "temperature",
        avg_value: 22,
        min_value: 21,
        max_value: 23,
        count: 2,
        sum_value: 44,
        stddev_value: Math.SQRT2, // sample: ((21-22)^2 + (23-22)^2) / (2 - 1) = 2
      },
    ]);
    expect(Object.keys(r.closed[0] as WindowResult)).toEqual([
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
    expect(e.counters).toEqual({
      accepted: 5,
      late: 0,
      partiallyLate: 0,
      filtered: 0,
      openWindows: 1,
      emitted: 3,
    });
    expect(e.flush()).toEqual([
      {
        window_start: iso(T0 + 60 * S),
        window_end: iso(T0 + 120 * S),
        room: "kitchen",
        sensor_type: "temperature",
        avg_value: 30,
        min_value: 30,
        max_value: 30,
        count: 1,
        sum_value: 30,
        stddev_value: null,
      },
    ]);
    expect(e.counters.openWindows).toBe(0);
  });

  it("aligns windows to the epoch, including before 1970 and for odd sizes", () => {
    const starts = (windowMs: number, time: number, offsetMs = 0) => {
      const e = new WindowEngine({ windowMs, offsetMs, groupBy: [] });
      e.add(reading("r", "t", 1), time);
      return e.flush().map((w) => [Date.parse(w.window_start), Date.parse(w.window_end)]);
    };
    expect(starts(60 * S, -1)).toEqual([[-60 * S, 0]]);
    expect(starts(60 * S, 0)).toEqual([[0, 60 * S]]);
    expect(starts(60 * S, -60 * S)).toEqual([[-60 * S, 0]]);
    expect(starts(60 * S, -60 * S - 1)).toEqual([[-120 * S, -60 * S]]);
    expect(starts(7, 20)).toEqual([[14, 21]]);
    expect(starts(7, -20)).toEqual([[-21, -14]]);
    expect(starts(7, T0 + 3)).toEqual([[T0 + 3 - ((T0 + 3) % 7), T0 + 3 - ((T0 + 3) % 7) + 7]]);
    // Spark's startTime: a 1-day window starting at 06:00 UTC.
    const day = 86_400 * S;
    expect(starts(day, T0, 6 * 3600 * S)).toEqual([[Date.UTC(2026, 10, 27, 6), Date.UTC(2026, 10, 28, 6)]]);
    expect(starts(day, Date.UTC(2026, 10, 27, 5), -18 * 3600 * S)).toEqual([
      [Date.UTC(2026, 10, 26, 6), Date.UTC(2026, 10, 27, 6)],
    ]);
  });

  it("groups by the configured columns only, and by nothing at all", () => {
    const rows = (groupBy: GroupColumn[]) => {
      const e = new WindowEngine({ windowMs: 10 * S, groupBy });
      e.add(reading("a", "temperature", 1, "d1"), T0);
      e.add(reading("b", "temperature", 3, "d1"), T0 + 1);
      e.add(reading("b", "humidity", 5, "d2"), T0 + 2);
      return e.flush();
    };
    expect(rows([])).toEqual([
      {
        window_start: iso(T0),
        window_end: iso(T0 + 10 * S),
        avg_value: 3,
        min_value: 1,
        max_value: 5,
        count: 3,
        sum_value: 9,
        stddev_value: 2, // 1, 3, 5: squared deviations 8, over n - 1 = 2
      },
    ]);
    const byDevice = rows(["device_id"]);
    expect(byDevice.map((r) => [r.device_id, r.count])).toEqual([
      ["d1", 2],
      ["d2", 1],
    ]);
    expect(Object.keys(byDevice[0] as WindowResult)).toEqual([
      "window_start",
      "window_end",
      "device_id",
      "avg_value",
      "min_value",
      "max_value",
      "count",
      "sum_value",
      "stddev_value",
    ]);
    const all = rows(["device_id", "sensor_type", "room"]);
    expect(all.map((r) => [r.room, r.sensor_type, r.device_id])).toEqual([
      ["a", "temperature", "d1"],
      ["b", "humidity", "d2"],
      ["b", "temperature", "d1"],
    ]);
  });

  it("keeps only the selected sensor types; others neither count nor move the watermark", () => {
    const e = new WindowEngine({ windowMs: 60 * S, sensorTypes: ["temperature", "humidity"] });
    e.add(reading("hall", "temperature", 20), T0);
    const light = e.add(reading("hall", "light", 1), T0 + 120 * S);
    expect(light).toEqual({ outcome: "filtered", closed: [] });
    expect(e.watermark).toBe(T0);
    expect(e.add(reading("hall", "humidity", 50), T0 + 1).outcome).toBe("accepted");
    expect(e.flush().map((r) => r.sensor_type)).toEqual(["humidity", "temperature"]);
    expect(e.counters.filtered).toBe(1);
  });

  it("averages without cancellation error, whatever the order", () => {
    const e = new WindowEngine({ windowMs: 60 * S, groupBy: [] });
    for (const v of [1e16, 1, -1e16, 1]) e.add(reading("r", "t", v), T0);
    expect(e.flush()[0]?.avg_value).toBe(0.5);
  });
});

describe("WindowEngine: watermark and late readings", () => {
  it("closes a window when max event time minus the delay reaches its end, not before", () => {
    const e = new WindowEngine({ windowMs: 60 * S, watermarkDelayMs: 10 * S });
    expect(e.watermark).toBe(Number.NEGATIVE_INFINITY);
    e.add(reading("k", "temperature", 1), T0 + 30 * S);
    expect(e.add(reading("k", "temperature", 2), T0 + 69_999).closed).toEqual([]);
    expect(e.watermark).toBe(T0 + 59_999);
    // Out of order but within the delay: still counted in the open window.
    expect(e.add(reading("k", "temperature", 3), T0 + 59 * S).outcome).toBe("accepted");
    const r = e.add(reading("k", "temperature", 4), T0 + 70 * S);
    expect(r.closed.map((w) => [w.window_start, w.count, w.avg_value])).toEqual([[iso(T0), 2, 2]]);
    expect(e.watermark).toBe(T0 + 60 * S);
  });

  it("never moves the watermark back and drops readings whose window has closed", () => {
    const e = new WindowEngine({ windowMs: 60 * S, watermarkDelayMs: 5 * S });
    e.add(reading("k", "temperature", 1), T0 + 100 * S);
    e.add(reading("k", "temperature", 1), T0 + 70 * S);
    expect(e.watermark).toBe(T0 + 95 * S);
    // The window [T0, T0+60s) ended before the watermark: late, even though it was never opened.
    expect(e.add(reading("k", "temperature", 9), T0 + 59 * S)).toEqual({ outcome: "late", closed: [] });
    expect(e.counters).toMatchObject({ accepted: 2, late: 1 });
    expect(e.flush().map((w) => w.count)).toEqual([2]);
  });

  it("checks a reading against the watermark from before it (a window ending exactly at the watermark is closed)", () => {
    const e = new WindowEngine({ windowMs: 60 * S });
    e.add(reading("k", "temperature", 1), T0 + 60 * S); // watermark = T0+60s = end of [T0, T0+60s)
    expect(e.add(reading("k", "temperature", 1), T0 + 59_999).outcome).toBe("late");
    expect(e.add(reading("k", "temperature", 1), T0 + 60 * S).outcome).toBe("accepted");
  });

  it("drops a sliding-window reading only from its closed windows", () => {
    const e = new WindowEngine({ windowMs: 60 * S, slideMs: 30 * S });
    e.add(reading("k", "temperature", 10), T0 + 65 * S); // watermark T0+65s: [T0, T0+60s) closes
    const r = e.add(reading("k", "temperature", 20), T0 + 50 * S); // in [T0, +60s) and [+30s, +90s)
    expect(r.outcome).toBe("accepted");
    expect(e.add(reading("k", "temperature", 30), T0 + 20 * S).outcome).toBe("late"); // [-30s,30s), [0,60s)
    expect(e.counters).toMatchObject({ accepted: 2, late: 1, partiallyLate: 1 });
    expect(e.flush().map((w) => [w.window_start, w.count, w.avg_value])).toEqual([
      [iso(T0 + 30 * S), 2, 15],
      [iso(T0 + 60 * S), 1, 10],
    ]);
  });

  it("puts a reading in every sliding window that holds it, also when the slide does not divide the size", () => {
    const e = new WindowEngine({ windowMs: 7, slideMs: 3, groupBy: [] });
    e.add(reading("r", "t", 1), 10);
    expect(e.flush().map((w) => [Date.parse(w.window_start), Date.parse(w.window_end)])).toEqual([
      [6, 13],
      [9, 16],
    ]);
    const n = new WindowEngine({ windowMs: 7, slideMs: 3, groupBy: [] });
    n.add(reading("r", "t", 1), -1);
    expect(n.flush().map((w) => Date.parse(w.window_start))).toEqual([-6, -3]);
  });

  it("closes windows on request and after flush treats readings for them as late", () => {
    const e = new WindowEngine({ windowMs: 10 * S, watermarkDelayMs: 60 * S });
    e.add(reading("k", "temperature", 1), T0);
    e.add(reading("k", "temperature", 2), T0 + 15 * S);
    expect(e.closeWindowsBefore(T0 + 5 * S)).toEqual([]);
    expect(e.closeWindowsBefore(T0 + 10 * S).map((w) => w.window_start)).toEqual([iso(T0)]);
    expect(e.closeWindowsBefore(0)).toEqual([]); // never backwards
    expect(e.watermark).toBe(T0 + 10 * S);
    expect(e.flush().map((w) => w.window_start)).toEqual([iso(T0 + 10 * S)]);
    expect(e.watermark).toBe(T0 + 20 * S);
    expect(e.add(reading("k", "temperature", 3), T0 + 19 * S).outcome).toBe("late");
    expect(e.add(reading("k", "temperature", 3), T0 + 20 * S).outcome).toBe("accepted");
    expect(e.flush()).toHaveLength(1);
    expect(new WindowEngine({ windowMs: 10 }).flush()).toEqual([]);
  });
});

describe("WindowEngine: update mode", () => {
  it("hands out windows changed since the last call, open or closed, and nothing in append mode", () => {
    const e = new WindowEngine({ windowMs: 60 * S, mode: "update" });
    e.add(reading("a", "temperature", 20), T0);
    e.add(reading("b", "temperature", 22), T0 + S);
    expect(e.pendingUpdates).toBe(2);
    expect(e.takeUpdates().map((w) => [w.room, w.count])).toEqual([
      ["a", 1],
      ["b", 1],
    ]);
    expect(e.takeUpdates()).toEqual([]);
    e.add(reading("a", "temperature", 24), T0 + 2 * S);
    // This closes [T0, T0+60s) in the engine; its pending change is still handed out once.
    expect(e.add(reading("a", "temperature", 30), T0 + 61 * S).closed).toEqual([]);
    expect(e.takeUpdates().map((w) => [w.window_start, w.room, w.count, w.avg_value])).toEqual([
      [iso(T0), "a", 2, 22],
      [iso(T0 + 60 * S), "a", 1, 30],
    ]);
    e.add(reading("b", "temperature", 1), T0 + 62 * S);
    expect(e.flush().map((w) => [w.room, w.count])).toEqual([["b", 1]]);
    expect(e.counters.emitted).toBe(5);

    const append = new WindowEngine({ windowMs: 60 * S });
    append.add(reading("a", "temperature", 20), T0);
    expect(append.takeUpdates()).toEqual([]);
  });
});

describe("WindowEngine: input checks", () => {
  it("refuses event times whose windows a Date cannot hold, or that are not numbers", () => {
    const e = new WindowEngine({ windowMs: 60 * S });
    expect(() => e.add(reading("k", "temperature", 1), Number.NaN)).toThrow(RangeError);
    expect(() => e.add(reading("k", "temperature", 1), 8.64e15)).toThrow(/Date range/);
    expect(() => e.add(reading("k", "temperature", 1), -8.64e15)).toThrow(/Date range/);
    expect(e.add(reading("k", "temperature", 1), 8.64e15 - 60 * S).outcome).toBe("accepted");
    expect(e.flush()[0]?.window_end).toBe("+275760-09-13T00:00:00.000Z");
    const early = new WindowEngine({ windowMs: 60 * S });
    early.add(reading("k", "temperature", 1), -8.64e15 + 60 * S);
    expect(early.flush()[0]?.window_start).toBe("-271821-04-20T00:01:00.000Z");
  });
});

describe("WindowEngine: options", () => {
  it("rejects invalid options with errors naming the field", () => {
    expect(() => new WindowEngine({ windowMs: 0 })).toThrow(WindowOptionsError);
    expect(() => new WindowEngine({ windowMs: 10, slideMs: 11 })).toThrow(
      /slideMs: must be at most windowMs/,
    );
    expect(() => new WindowEngine({ windowMs: 10, watermarkDelayMs: 0.5 })).toThrow(/watermarkDelayMs:/);
  });
});

// ---- property tests against the brute-force oracle ----

const GROUPS: GroupColumn[][] = [
  [],
  ["room"],
  ["room", "sensor_type"],
  ["device_id"],
  ["room", "sensor_type", "device_id"],
];

const configArb = fc
  .record({
    // Round sizes and times as well as odd ones, so readings often sit exactly on window ends.
    windowMs: fc.oneof(fc.integer({ min: 1, max: 40 }), fc.constantFrom(10, 20, 30, 40)),
    slideDiv: fc.oneof(fc.constant(1), fc.integer({ min: 1, max: 40 })),
    offsetFrac: fc.double({ min: -0.99, max: 0.99, noNaN: true }),
    watermarkDelayMs: fc.oneof(fc.integer({ min: 0, max: 30 }), fc.constantFrom(0, 10, 20)),
    groupBy: fc.constantFrom(...GROUPS),
    sensorTypes: fc.constantFrom<string[] | undefined>(
      undefined,
      [],
      ["temperature"],
      ["temperature", "humidity"],
    ),
  })
  .map(({ windowMs, slideDiv, offsetFrac, ...rest }) => {
    const slideMs = Math.max(1, Math.ceil(windowMs / slideDiv));
    return { ...rest, windowMs, slideMs, offsetMs: Math.trunc(offsetFrac * slideMs) };
  });

const readingArb = fc.record({
  room: fc.constantFrom("kitchen", "hall", "bath"),
  sensor_type: fc.constantFrom("temperature", "humidity", "light"),
  device_id: fc.constantFrom("d1", "d2"),
  value: fc.oneof(fc.integer({ min: -50, max: 50 }), fc.double({ min: -1000, max: 1000, noNaN: true })),
  time: fc.oneof(
    fc.integer({ min: -300, max: 300 }),
    fc.integer({ min: -30, max: 30 }).map((k) => k * 10),
  ),
});

function run(options: OracleOptions & { mode?: "append" | "update" }, readings: readonly OracleReading[]) {
  const e = new WindowEngine(options);
  const outcomes: string[] = [];
  const emitted: WindowResult[] = [];
  for (const r of readings) {
    const input: WindowInput = r;
    const res = e.add(input, r.time);
    outcomes.push(res.outcome);
    emitted.push(...res.closed);
  }
  emitted.push(...e.flush());
  return { engine: e, outcomes, emitted };
}

describe("WindowEngine: properties", () => {
  it("append output equals a batch group-by when disorder stays within the watermark delay", () => {
    fc.assert(
      fc.property(
        configArb,
        fc.array(fc.tuple(readingArb, fc.double({ min: 0, max: 1, noNaN: true })), { maxLength: 120 }),
        (options, items) => {
          // Arrival order = time + jitter, jitter <= delay: no reading can be late.
          const arrived = items
            .map(([r, j]) => ({ r, key: r.time + j * options.watermarkDelayMs }))
            .sort((a, b) => a.key - b.key)
            .map((x) => x.r);
          const { engine, outcomes, emitted } = run(options, arrived);
          expect(engine.counters.late).toBe(0);
          expect(engine.counters.partiallyLate).toBe(0);
          const expected = simulate(arrived, options);
          expect(outcomes).toEqual(expected.outcomes);
          const actual = emitted.map(toOracleRow);
          // Each window once, in (window_start, keys) order across the whole output.
          expect([...actual].sort(compareRows)).toEqual(actual);
          expect(diffRows(actual, expected.rows)).toEqual([]);
          expect(engine.counters.openWindows).toBe(0);
        },
      ),
      { numRuns: 400 },
    );
  });

  it("with any disorder, drops exactly the readings a one-at-a-time watermark says are late, and aggregates the rest", () => {
    fc.assert(
      fc.property(configArb, fc.array(readingArb, { maxLength: 120 }), (options, readings) => {
        const { engine, outcomes, emitted } = run(options, readings);
        const expected = simulate(readings, options);
        expect(outcomes).toEqual(expected.outcomes);
        expect(engine.counters).toMatchObject({
          accepted: expected.outcomes.filter((o) => o === "accepted").length,
          late: expected.outcomes.filter((o) => o === "late").length,
          filtered: expected.outcomes.filter((o) => o === "filtered").length,
          partiallyLate: expected.partiallyLate,
          openWindows: 0,
          emitted: emitted.length,
        });
        const actual = emitted.map(toOracleRow);
        expect([...actual].sort(compareRows)).toEqual(actual);
        expect(diffRows(actual, expected.rows)).toEqual([]);
      }),
      { numRuns: 400 },
    );
  });

  it("update mode: the last update of every window equals the batch result, whatever the trigger points", () => {
    fc.assert(
      fc.property(
        configArb,
        fc.array(fc.tuple(readingArb, fc.boolean()), { maxLength: 120 }),
        (options, items) => {
          const e = new WindowEngine({ ...options, mode: "update" });
          const latest = new Map<string, WindowResult>();
          const take = (batch: WindowResult[]) => {
            const ids = batch.map((w) =>
              JSON.stringify([w.window_start, w.room, w.sensor_type, w.device_id]),
            );
            expect(new Set(ids).size).toBe(ids.length); // one row per window per emission
            expect([...batch].map(toOracleRow).sort(compareRows)).toEqual(batch.map(toOracleRow));
            batch.forEach((w, i) => {
              latest.set(ids[i] as string, w);
            });
          };
          for (const [r, trigger] of items) {
            expect(e.add(r, r.time).closed).toEqual([]);
            if (trigger) take(e.takeUpdates());
          }
          take(e.flush());
          expect(e.pendingUpdates).toBe(0);
          const expected = simulate(
            items.map(([r]) => r),
            options,
          );
          const actual = [...latest.values()].map(toOracleRow).sort(compareRows);
          expect(diffRows(actual, expected.rows)).toEqual([]);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("the oracle's window membership matches Spark's closed form", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 50 }),
        fc.integer({ min: 1, max: 50 }),
        fc.integer({ min: -10_000, max: 10_000 }),
        (size, slideRaw, t) => {
          const slide = Math.min(size, slideRaw);
          const rem = (((t % slide) + slide) % slide) as number;
          const last = t - rem;
          const spark: number[] = [];
          for (let i = 0; i < Math.ceil(size / slide); i++) {
            const s = last - i * slide;
            if (s <= t && t < s + size) spark.push(s);
          }
          expect(windowStarts(t, size, slide)).toEqual(spark.sort((a, b) => a - b));
        },
      ),
    );
  });
});
