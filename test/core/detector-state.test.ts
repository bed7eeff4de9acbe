import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { restoreDetector, snapshotDetector } from "../../core/detector-state.js";
import {
  type AnomalyEvent,
  LightPresenceDetector,
  type LightPresenceOptions,
} from "../../core/light-presence.js";
import type { TimedReading } from "../../core/reading.js";
import type { Op } from "./light-presence-oracle.js";

const T0 = Date.parse("2026-11-27T21:00:00.000Z");
const at = (ms: number) => new Date(T0 + ms).toISOString();
const viaJson = (v: unknown): unknown => JSON.parse(JSON.stringify(v));

function rd(room: string, type: string, value: number, ms: number): TimedReading {
  return {
    reading: { room, sensor_type: type, value, timestamp: at(ms), device_id: `${room}_${type}_001` },
    time: T0 + ms,
  };
}

function restored(options: LightPresenceOptions, state: unknown): LightPresenceDetector {
  const r = restoreDetector(options, state);
  if (!r.ok) throw new Error(`restore failed: ${r.message}`);
  return r.value;
}

describe("light-presence detector state", () => {
  it("an anomaly open at the snapshot stays open: no second start, and its end has the true duration", () => {
    const d = new LightPresenceDetector();
    d.observe(rd("kitchen", "presence", 0, 0));
    expect(d.observe(rd("kitchen", "light", 1, 1000)).map((e) => e.event)).toEqual(["anomaly_start"]);
    const back = restored({}, viaJson(snapshotDetector(d)));
    expect(back.openAnomalies()).toEqual(d.openAnomalies());
    // The light reported again (as after a restart): nothing new.
    expect(back.observe(rd("kitchen", "light", 1, 5000))).toEqual([]);
    expect(back.observe(rd("kitchen", "light", 0, 13_000))).toEqual([
      { event: "anomaly_end", room: "kitchen", since: at(1000), ended_at: at(13_000), duration_s: 12 },
    ]);
  });

  it("a pending grace period fires when the clock passes it after restore", () => {
    const options = { graceMs: 30_000 };
    const d = new LightPresenceDetector(options);
    d.observe(rd("hall", "presence", 0, 0));
    d.observe(rd("hall", "light", 1, 1000));
    const back = restored(options, viaJson(snapshotDetector(d)));
    expect(back.advanceTo(T0 + 31_000)).toEqual([
      expect.objectContaining({
        event: "anomaly_start",
        room: "hall",
        since: at(1000),
        detected_at: at(31_000),
      }),
    ]);
  });

  it("is refused under other options, naming the change; corrupt states name the field", () => {
    const d = new LightPresenceDetector({ graceMs: 1000 });
    d.observe(rd("hall", "presence", 0, 0));
    const state = viaJson(snapshotDetector(d)) as { body: { rooms: Record<string, unknown>[] } };
    const changed = restoreDetector({ graceMs: 2000 }, state);
    expect(changed).toMatchObject({
      ok: false,
      reason: "config",
      message: expect.stringContaining("graceMs 1000 → 2000"),
    });

    const bad = structuredClone(state);
    (bad.body.rooms[0] as Record<string, unknown>).presence = 7;
    expect(restoreDetector({ graceMs: 1000 }, bad)).toMatchObject({
      ok: false,
      reason: "corrupt",
      message: expect.stringContaining("state.body.rooms.0.presence"),
    });
    const far = structuredClone(state);
    (far.body.rooms[0] as Record<string, unknown>).presenceTime = 9e15;
    expect(restoreDetector({ graceMs: 1000 }, far)).toMatchObject({
      ok: false,
      reason: "corrupt",
      message: expect.stringContaining(
        "state.body.rooms.0.presenceTime: must be a time within the Date range",
      ),
    });
    expect(restoreDetector({ graceMs: 1000 }, [])).toMatchObject({ ok: false, reason: "corrupt" });
    expect(restoreDetector({ graceMs: 1000 }, { ...state, kind: "homestream.window-engine" })).toMatchObject({
      ok: false,
      reason: "kind",
    });
  });
});

// ---- split runs equal one run ----

const ROOMS = ["kitchen", "hall", "bath"];
const opsArb = fc
  .array(
    fc.record({
      kind: fc.constantFrom("light", "light", "presence", "presence", "temperature", "advance"),
      room: fc.constantFrom(...ROOMS),
      likely: fc.integer({ min: 0, max: 3 }),
      device: fc.constantFrom("001", "002"),
      step: fc.integer({ min: -400, max: 500 }),
    }),
    { maxLength: 60 },
  )
  .map((raw) => {
    let t = 0;
    return raw.map(({ kind, room, likely, device, step }): Op => {
      t = Math.max(0, t + step);
      if (kind === "advance") return { advanceTo: T0 + t };
      const value = kind === "presence" ? Number(likely === 0) : Number(likely > 0);
      return {
        reading: {
          reading: {
            room,
            sensor_type: kind,
            value,
            timestamp: at(t),
            device_id: `${room}_${kind}_${device}`,
          },
          time: T0 + t,
        },
      };
    });
  });

const optionsArb = fc.record({
  graceMs: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 800 })),
  presenceMaxAgeMs: fc.option(fc.integer({ min: 1, max: 1500 }), { nil: undefined }),
  reminderMs: fc.option(fc.integer({ min: 25, max: 600 }), { nil: undefined }),
});

function feed(d: LightPresenceDetector, ops: readonly Op[]): AnomalyEvent[] {
  return ops.flatMap((op) => [...("reading" in op ? d.observe(op.reading) : d.advanceTo(op.advanceTo))]);
}

describe("light-presence detector state: properties", () => {
  it("a stream cut anywhere, any number of times, with the state carried through JSON, gives exactly one run's events", () => {
    fc.assert(
      fc.property(optionsArb, opsArb, fc.array(fc.nat(), { maxLength: 4 }), (options, ops, rawCuts) => {
        const one = new LightPresenceDetector(options);
        const expected = feed(one, ops);
        const cuts = [...new Set(rawCuts.map((c) => c % (ops.length + 1)))].sort((a, b) => a - b);
        let d = new LightPresenceDetector(options);
        const got: AnomalyEvent[] = [];
        let from = 0;
        for (const cut of [...cuts, ops.length]) {
          got.push(...feed(d, ops.slice(from, cut)));
          from = cut;
          d = restored(options, viaJson(snapshotDetector(d)));
        }
        expect(got).toEqual(expected);
        expect(d.openAnomalies()).toEqual(one.openAnomalies());
        expect(d.now).toEqual(one.now);
      }),
      { numRuns: 500 },
    );
  });
});
