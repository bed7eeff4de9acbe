import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { WindowEngine, type WindowResult } from "../../core/window-engine.js";
import type { GroupColumn, WindowOptions } from "../../core/window-options.js";
import { restoreWindowEngine, snapshotWindowEngine } from "../../core/window-state.js";

const T0 = Date.UTC(2026, 10, 27, 21, 0, 0);
const reading = (room: string, sensor_type: string, value: number) => ({
  room,
  sensor_type,
  value,
  device_id: `${room}_${sensor_type}_001`,
});

/** Through JSON, as a context store or a state file keeps it. */
const viaJson = (v: unknown): unknown => JSON.parse(JSON.stringify(v));

function restored(options: WindowOptions, state: unknown): WindowEngine {
  const r = restoreWindowEngine(options, state);
  if (!r.ok) throw new Error(`restore failed: ${r.message}`);
  return r.value;
}

describe("window engine state", () => {
  it("keeps open windows, the watermark and the counters across a snapshot", () => {
    const options: WindowOptions = { windowMs: 60_000, watermarkDelayMs: 10_000 };
    const e = new WindowEngine(options);
    e.add(reading("kitchen", "temperature", 20), T0 + 1000);
    e.add(reading("kitchen", "temperature", 22), T0 + 2000);
    e.add(reading("hall", "humidity", 40), T0 + 61_000);
    e.add(reading("hall", "humidity", 41), T0 - 120_000); // late
    const state = viaJson(snapshotWindowEngine(e));
    const back = restored(options, state);
    expect(back.watermark).toBe(e.watermark);
    expect(back.counters).toEqual(e.counters);
    expect(back.flush()).toEqual(e.flush());
  });

  it("a fresh engine's snapshot restores (watermark -Infinity survives JSON)", () => {
    const e = new WindowEngine({ windowMs: 1000 });
    const back = restored({ windowMs: 1000 }, viaJson(snapshotWindowEngine(e)));
    expect(back.watermark).toBe(Number.NEGATIVE_INFINITY);
    expect(back.add(reading("a", "temperature", 1), T0).outcome).toBe("accepted");
  });

  it("a sum that overflowed to Infinity survives JSON", () => {
    const e = new WindowEngine({ windowMs: 1000 });
    e.add(reading("a", "temperature", 1e308), T0);
    e.add(reading("a", "temperature", 1e308), T0 + 1);
    const back = restored({ windowMs: 1000 }, viaJson(snapshotWindowEngine(e)));
    expect(back.flush()).toEqual(e.flush());
  });

  it("a minimum of -0 survives JSON (JSON.stringify writes 0)", () => {
    const e = new WindowEngine({ windowMs: 1000 });
    e.add(reading("a", "temperature", -0), T0);
    const [r] = restored({ windowMs: 1000 }, viaJson(snapshotWindowEngine(e))).flush();
    expect(Object.is(r?.min_value, -0)).toBe(true);
  });

  it("is refused under another configuration, naming what changed", () => {
    const e = new WindowEngine({ windowMs: 60_000, groupBy: ["room"] });
    e.add(reading("kitchen", "temperature", 20), T0);
    const state = viaJson(snapshotWindowEngine(e));
    const r = restoreWindowEngine({ windowMs: 30_000, groupBy: ["room", "sensor_type"] }, state);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.reason).toBe("config");
    expect(r.message).toContain("windowMs 60000 → 30000");
    expect(r.message).toContain('groupBy ["room"] → ["room","sensor_type"]');
    // The sensor list is a set: another order is the same configuration.
    const s = new WindowEngine({ windowMs: 1000, sensorTypes: ["temperature", "humidity"] });
    expect(
      restoreWindowEngine(
        { windowMs: 1000, sensorTypes: ["humidity", "temperature"] },
        viaJson(snapshotWindowEngine(s)),
      ).ok,
    ).toBe(true);
  });

  it("reports a corrupt or foreign state with the field, never throws", () => {
    const options: WindowOptions = { windowMs: 60_000 };
    const e = new WindowEngine(options);
    e.add(reading("kitchen", "temperature", 20), T0);
    const good = viaJson(snapshotWindowEngine(e)) as {
      body: { open: { aggregate: { count: unknown }; start: unknown }[] };
    };
    const cases: Array<[unknown, string, string]> = [
      [null, "corrupt", "state: must be an object, got null"],
      ["{", "corrupt", "state: must be an object"],
      [{ ...good, kind: "homestream.light-presence" }, "kind", "not a"],
      [{ ...good, version: 99 }, "version", "version 99"],
      [{ ...good, body: { ...good.body, open: "x" } }, "corrupt", "state.body.open"],
    ];
    const badCount = structuredClone(good);
    (badCount.body.open[0] as { aggregate: { count: unknown } }).aggregate.count = -1;
    cases.push([badCount, "corrupt", "state.body.open.0.aggregate.count"]);
    const offGrid = structuredClone(good);
    (offGrid.body.open[0] as { start: unknown }).start = T0 + 7;
    cases.push([offGrid, "corrupt", "is not a window start"]);
    const outOfRange = structuredClone(good);
    (outOfRange.body.open[0] as { start: unknown }).start = 9e15;
    cases.push([outOfRange, "corrupt", "outside the Date range"]);
    for (const [state, reason, text] of cases) {
      const r = restoreWindowEngine(options, state);
      expect(r.ok, JSON.stringify(state)).toBe(false);
      if (r.ok) continue;
      expect(r.reason).toBe(reason);
      expect(r.message).toContain(text);
    }
  });
});

// ---- split runs equal one run ----

const GROUPS: GroupColumn[][] = [
  [],
  ["room"],
  ["room", "sensor_type"],
  ["device_id"],
  ["room", "sensor_type", "device_id"],
];

const optionsArb = fc
  .record({
    windowMs: fc.oneof(fc.integer({ min: 1, max: 40 }), fc.constantFrom(10, 20, 30)),
    slideDiv: fc.oneof(fc.constant(1), fc.integer({ min: 1, max: 8 })),
    offsetFrac: fc.double({ min: -0.99, max: 0.99, noNaN: true }),
    watermarkDelayMs: fc.integer({ min: 0, max: 30 }),
    mode: fc.constantFrom<"append" | "update">("append", "update"),
    groupBy: fc.constantFrom(...GROUPS),
    sensorTypes: fc.constantFrom<string[] | undefined>(
      undefined,
      ["temperature"],
      ["temperature", "humidity"],
    ),
  })
  .map(({ windowMs, slideDiv, offsetFrac, ...rest }): WindowOptions => {
    const slideMs = Math.max(1, Math.ceil(windowMs / slideDiv));
    return { ...rest, windowMs, slideMs, offsetMs: Math.trunc(offsetFrac * slideMs) };
  });

const stepArb = fc.oneof(
  {
    weight: 9,
    arbitrary: fc.record({
      room: fc.constantFrom("kitchen", "hall", "bath"),
      sensor_type: fc.constantFrom("temperature", "humidity", "light"),
      device_id: fc.constantFrom("d1", "d2"),
      value: fc.oneof(
        fc.integer({ min: -50, max: 50 }),
        fc.double({ min: -1e3, max: 1e3, noNaN: true }),
        fc.constant(1e308),
        fc.constant(-0),
      ),
      time: fc.integer({ min: -300, max: 300 }),
    }),
  },
  // update mode: the caller's trigger
  { weight: 1, arbitrary: fc.constant("trigger" as const) },
);

type Step = typeof stepArb extends fc.Arbitrary<infer S> ? S : never;

/** Runs `steps` on `engine`; returns what it emitted. */
function feed(engine: WindowEngine, steps: readonly Step[]): WindowResult[] {
  const out: WindowResult[] = [];
  for (const s of steps) {
    if (s === "trigger") out.push(...engine.takeUpdates());
    else out.push(...engine.add(s, s.time).closed);
  }
  return out;
}

describe("window engine state: properties", () => {
  it("a stream cut anywhere, any number of times, with the state carried through JSON, emits exactly what one run emits", () => {
    fc.assert(
      fc.property(
        optionsArb,
        fc.array(stepArb, { maxLength: 100 }),
        fc.array(fc.nat(), { maxLength: 4 }),
        (options, steps, rawCuts) => {
          const one = new WindowEngine(options);
          const expected = [...feed(one, steps), ...one.flush()];

          const cuts = [...new Set(rawCuts.map((c) => c % (steps.length + 1)))].sort((a, b) => a - b);
          let engine = new WindowEngine(options);
          const got: WindowResult[] = [];
          let from = 0;
          for (const cut of [...cuts, steps.length]) {
            got.push(...feed(engine, steps.slice(from, cut)));
            from = cut;
            engine = restored(options, viaJson(snapshotWindowEngine(engine)));
          }
          got.push(...engine.flush());
          expect(got).toEqual(expected);
          expect(engine.counters).toEqual(one.counters);
        },
      ),
      { numRuns: 500 },
    );
  });
});
