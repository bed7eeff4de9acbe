import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type AnomalyEvent,
  LightPresenceDetector,
  type LightPresenceOptions,
  parseLightPresenceOptions,
} from "../../core/light-presence.js";
import type { TimedReading } from "../../core/reading.js";
import { type Op, oracleDetect } from "./light-presence-oracle.js";

const T0 = Date.parse("2026-11-27T21:00:00.000Z");
const at = (ms: number) => new Date(T0 + ms).toISOString();

/** A reading `ms` after T0; device ids default to `<room>_<type>_001`. */
function rd(room: string, type: string, value: number, ms: number, device?: string): TimedReading {
  return {
    reading: {
      room,
      sensor_type: type,
      value,
      timestamp: at(ms),
      device_id: device ?? `${room}_${type}_001`,
    },
    time: T0 + ms,
  };
}

/** Feeds readings in order; returns every event, flattened. */
function run(d: LightPresenceDetector, readings: TimedReading[]): AnomalyEvent[] {
  return readings.flatMap((r) => [...d.observe(r)]);
}

const start = (room: string, since: number, detected = since) => ({
  event: "anomaly_start",
  room,
  since: at(since),
  detected_at: at(detected),
  light_device_id: `${room}_light_001`,
  presence_device_id: `${room}_presence_001`,
});
const end = (room: string, since: number, endedAt: number) => ({
  event: "anomaly_end",
  room,
  since: at(since),
  ended_at: at(endedAt),
  duration_s: (endedAt - since) / 1000,
});

describe("LightPresenceDetector, the original rule (grace 0)", () => {
  it("starts when light is on and presence is 0, at the reading that made it true", () => {
    const d = new LightPresenceDetector();
    expect(d.observe(rd("kitchen", "light", 1, 0))).toEqual([]);
    expect(d.observe(rd("kitchen", "presence", 0, 2000))).toEqual([start("kitchen", 2000)]);
    expect(d.observe(rd("kitchen", "light", 1, 3000))).toEqual([]); // still the same anomaly
  });

  it("never raises an anomaly while presence is unknown", () => {
    const d = new LightPresenceDetector();
    expect(run(d, [rd("hall", "light", 1, 0), rd("hall", "light", 1, 60_000)])).toEqual([]);
    expect(d.openAnomalies()).toEqual([]);
  });

  it("ends when the light goes off or someone is present, with the duration in seconds", () => {
    const d = new LightPresenceDetector();
    const events = run(d, [
      rd("k", "presence", 0, 0),
      rd("k", "light", 1, 1000),
      rd("k", "light", 0, 313_500),
      rd("k", "light", 1, 400_000),
      rd("k", "presence", 1, 400_001),
    ]);
    expect(events).toEqual([
      start("k", 1000),
      end("k", 1000, 313_500),
      start("k", 400_000),
      end("k", 400_000, 400_001),
    ]);
    expect(events[1]).toMatchObject({ duration_s: 312.5 });
    expect(events[3]).toMatchObject({ duration_s: 0.001 });
  });

  it("uses the latest value in arrival order, not in event-time order", () => {
    const d = new LightPresenceDetector();
    // presence 1 at t=5000 arrives first; presence 0 stamped t=4000 arrives later and wins.
    const events = run(d, [
      rd("k", "light", 1, 0),
      rd("k", "presence", 1, 5000),
      rd("k", "presence", 0, 4000),
    ]);
    expect(events).toEqual([start("k", 4000)]);
  });

  it("keeps rooms apart and ignores other sensor types", () => {
    const d = new LightPresenceDetector();
    const events = run(d, [
      rd("a", "light", 1, 0),
      rd("b", "presence", 0, 1),
      rd("a", "temperature", 0, 2),
      rd("a", "humidity", 1, 3),
    ]);
    expect(events).toEqual([]);
  });

  it("treats a light value other than 1 as off and a presence other than 0 as present", () => {
    expect(run(new LightPresenceDetector(), [rd("k", "light", 0.5, 0), rd("k", "presence", 0, 1)])).toEqual(
      [],
    );
    expect(run(new LightPresenceDetector(), [rd("k", "light", 1, 2), rd("k", "presence", 0.5, 3)])).toEqual(
      [],
    );
  });

  it("reports the device ids of the latest light and presence readings", () => {
    const d = new LightPresenceDetector();
    const events = run(d, [rd("k", "light", 1, 0, "lamp-2"), rd("k", "presence", 0, 10, "pir-7")]);
    expect(events[0]).toMatchObject({ light_device_id: "lamp-2", presence_device_id: "pir-7" });
  });
});

describe("grace period (event time)", () => {
  it("emits nothing when the condition ends before the grace expires", () => {
    const d = new LightPresenceDetector({ graceMs: 30_000 });
    const events = run(d, [
      rd("k", "presence", 0, 0),
      rd("k", "light", 1, 1000),
      rd("k", "light", 0, 30_999),
    ]);
    expect(events).toEqual([]);
  });

  it("starts at since + grace when a later reading from another room moves the clock past it", () => {
    const d = new LightPresenceDetector({ graceMs: 30_000 });
    run(d, [rd("k", "presence", 0, 0), rd("k", "light", 1, 1000)]);
    expect(d.observe(rd("hall", "temperature", 20, 30_999))).toEqual([]);
    expect(d.observe(rd("hall", "temperature", 20, 45_000))).toEqual([start("k", 1000, 31_000)]);
  });

  it("starts exactly when the clock reaches since + grace", () => {
    const d = new LightPresenceDetector({ graceMs: 30_000 });
    run(d, [rd("k", "presence", 0, 0), rd("k", "light", 1, 1000)]);
    expect(d.observe(rd("x", "light", 0, 31_000))).toEqual([start("k", 1000, 31_000)]);
  });

  it("starts, then ends, when the reading that ends the condition comes after the grace expired", () => {
    const d = new LightPresenceDetector({ graceMs: 30_000 });
    run(d, [rd("k", "presence", 0, 0), rd("k", "light", 1, 1000)]);
    expect(d.observe(rd("k", "presence", 1, 50_000))).toEqual([
      start("k", 1000, 31_000),
      end("k", 1000, 50_000),
    ]);
  });

  it("counts a condition ended exactly at since + grace as having held for the grace", () => {
    const d = new LightPresenceDetector({ graceMs: 30_000 });
    run(d, [rd("k", "presence", 0, 0), rd("k", "light", 1, 1000)]);
    expect(d.observe(rd("k", "light", 0, 31_000))).toEqual([
      start("k", 1000, 31_000),
      end("k", 1000, 31_000),
    ]);
  });

  it("keeps since when the condition is confirmed again during the grace", () => {
    const d = new LightPresenceDetector({ graceMs: 10_000 });
    const events = run(d, [
      rd("k", "presence", 0, 0),
      rd("k", "light", 1, 1000),
      rd("k", "presence", 0, 5000),
      rd("k", "light", 1, 9000),
      rd("k", "humidity", 40, 11_000),
    ]);
    expect(events).toEqual([start("k", 1000, 11_000)]);
  });

  it("restarts the grace when the condition breaks and comes back", () => {
    const d = new LightPresenceDetector({ graceMs: 10_000 });
    const events = run(d, [
      rd("k", "presence", 0, 0),
      rd("k", "light", 1, 1000),
      rd("k", "presence", 1, 5000),
      rd("k", "presence", 0, 6000),
      rd("k", "temperature", 20, 15_999),
      rd("k", "temperature", 20, 16_000),
    ]);
    expect(events).toEqual([start("k", 6000, 16_000)]);
  });

  it("expires graces with advanceTo (the wall-clock timer), in event-time order across rooms", () => {
    const d = new LightPresenceDetector({ graceMs: 10_000 });
    run(d, [
      rd("a", "presence", 0, 0),
      rd("a", "light", 1, 3000),
      rd("b", "presence", 0, 0),
      rd("b", "light", 1, 1000),
    ]);
    expect(d.advanceTo(T0 + 10_999)).toEqual([]);
    expect(d.advanceTo(T0 + 60_000)).toEqual([start("b", 1000, 11_000), start("a", 3000, 13_000)]);
    expect(d.now).toBe(T0 + 60_000);
  });

  it("never moves the clock back", () => {
    const d = new LightPresenceDetector({ graceMs: 10_000 });
    run(d, [rd("k", "presence", 0, 0), rd("k", "light", 1, 1000), rd("x", "temperature", 1, 5000)]);
    expect(d.advanceTo(T0)).toEqual([]);
    expect(d.now).toBe(T0 + 5000);
    // A reading stamped before the clock does not rewind it either.
    expect(d.observe(rd("x", "temperature", 1, 0))).toEqual([]);
    expect(d.now).toBe(T0 + 5000);
  });

  it("starts at once, with detected_at = since + grace, when a late reading's grace is already over", () => {
    const d = new LightPresenceDetector({ graceMs: 10_000 });
    run(d, [rd("k", "presence", 0, 20_000), rd("x", "temperature", 1, 60_000)]);
    expect(d.observe(rd("k", "light", 1, 5000))).toEqual([start("k", 5000, 15_000)]);
  });

  it("breaks ties between rooms by first-seen order, and starts before an end at the same instant", () => {
    const d = new LightPresenceDetector({ graceMs: 1000, presenceMaxAgeMs: 2000 });
    run(d, [
      rd("z", "presence", 0, 0),
      rd("z", "light", 1, 0),
      rd("a", "presence", 0, 0),
      rd("a", "light", 1, 0),
    ]);
    expect(d.advanceTo(T0 + 1000)).toEqual([start("z", 0, 1000), start("a", 0, 1000)]);
    expect(d.advanceTo(T0 + 5000)).toEqual([end("z", 0, 2000), end("a", 0, 2000)]);
  });
});

describe("stale presence", () => {
  it("counts a presence reading up to exactly presenceMaxAge, not after", () => {
    const d = new LightPresenceDetector({ presenceMaxAgeMs: 60_000 });
    expect(run(d, [rd("k", "presence", 0, 0), rd("k", "light", 1, 60_001)])).toEqual([]);
    const e = new LightPresenceDetector({ presenceMaxAgeMs: 60_000 });
    expect(run(e, [rd("k", "presence", 0, 0), rd("k", "light", 1, 60_000)])).toEqual([start("k", 60_000)]);
  });

  it("measures age against the clock, so a late presence reading may arrive already stale", () => {
    const d = new LightPresenceDetector({ presenceMaxAgeMs: 60_000 });
    const events = run(d, [rd("k", "light", 1, 100_000), rd("k", "presence", 0, 39_999)]);
    expect(events).toEqual([]);
  });

  it("ends an anomaly when its presence reading goes stale, at the reading's last valid instant", () => {
    const d = new LightPresenceDetector({ presenceMaxAgeMs: 60_000 });
    expect(run(d, [rd("k", "presence", 0, 0), rd("k", "light", 1, 10_000)])).toEqual([start("k", 10_000)]);
    expect(d.advanceTo(T0 + 60_000)).toEqual([]); // still valid at exactly its age limit
    expect(d.advanceTo(T0 + 60_001)).toEqual([end("k", 10_000, 60_000)]);
    expect(d.openAnomalies()).toEqual([]);
  });

  it("keeps the anomaly open while fresh presence readings confirm the room is empty", () => {
    const d = new LightPresenceDetector({ presenceMaxAgeMs: 60_000 });
    run(d, [rd("k", "presence", 0, 0), rd("k", "light", 1, 10_000), rd("k", "presence", 0, 50_000)]);
    expect(d.advanceTo(T0 + 110_000)).toEqual([]);
    expect(d.advanceTo(T0 + 110_001)).toEqual([end("k", 10_000, 110_000)]);
  });

  it("emits nothing when presence goes stale before the grace expires", () => {
    const d = new LightPresenceDetector({ graceMs: 30_000, presenceMaxAgeMs: 20_000 });
    run(d, [rd("k", "presence", 0, 0), rd("k", "light", 1, 1000)]);
    expect(d.advanceTo(T0 + 100_000)).toEqual([]);
  });

  it("starts a new anomaly, with a new since, when fresh presence comes back", () => {
    const d = new LightPresenceDetector({ presenceMaxAgeMs: 1000 });
    const events = run(d, [rd("k", "presence", 0, 0), rd("k", "light", 1, 0), rd("k", "presence", 0, 5000)]);
    expect(events).toEqual([start("k", 0), end("k", 0, 1000), start("k", 5000)]);
  });
});

describe("out-of-order event times", () => {
  it("uses the ending reading's own time, clamped so an anomaly never ends before it began", () => {
    const d = new LightPresenceDetector();
    run(d, [rd("k", "presence", 0, 0), rd("k", "light", 1, 10_000)]);
    expect(d.observe(rd("k", "light", 0, 7000))).toEqual([end("k", 10_000, 10_000)]);
    run(d, [rd("k", "light", 1, 20_000)]);
    expect(d.observe(rd("k", "light", 0, 15_000))).toEqual([end("k", 20_000, 20_000)]);
    run(d, [rd("k", "light", 1, 30_000)]);
    expect(d.observe(rd("k", "light", 0, 25_000 + 10_000))).toEqual([end("k", 30_000, 35_000)]);
  });
});

describe("reminders", () => {
  it("reminds every reminderMs after detection while the anomaly lasts, every interval included", () => {
    const d = new LightPresenceDetector({ graceMs: 1000, reminderMs: 60_000 });
    run(d, [rd("k", "presence", 0, 0), rd("k", "light", 1, 0)]);
    expect(d.advanceTo(T0 + 1000)).toEqual([start("k", 0, 1000)]);
    expect(d.advanceTo(T0 + 60_999)).toEqual([]);
    const events = d.advanceTo(T0 + 121_000);
    expect(events).toEqual([
      {
        event: "anomaly_reminder",
        room: "k",
        since: at(0),
        at: at(61_000),
        duration_s: 61,
        light_device_id: "k_light_001",
        presence_device_id: "k_presence_001",
      },
      expect.objectContaining({ event: "anomaly_reminder", at: at(121_000), duration_s: 121 }),
    ]);
    expect(d.observe(rd("k", "light", 0, 150_000))).toEqual([end("k", 0, 150_000)]);
    expect(d.advanceTo(T0 + 500_000)).toEqual([]);
  });
});

describe("open anomalies and end of input", () => {
  it("lists open anomalies in first-seen order and leaves them open", () => {
    const d = new LightPresenceDetector({ graceMs: 5000 });
    run(d, [
      rd("b", "presence", 0, 0),
      rd("b", "light", 1, 0),
      rd("a", "presence", 0, 0),
      rd("a", "light", 1, 1000),
      rd("c", "presence", 0, 0),
      rd("c", "light", 1, 9000),
      rd("x", "temperature", 1, 10_000),
    ]);
    expect(d.openAnomalies()).toEqual([
      {
        room: "b",
        since: at(0),
        detected_at: at(5000),
        light_device_id: "b_light_001",
        presence_device_id: "b_presence_001",
      },
      expect.objectContaining({ room: "a", since: at(1000), detected_at: at(6000) }),
    ]);
  });

  it("has no clock before any input", () => {
    expect(new LightPresenceDetector().now).toBeUndefined();
    expect(new LightPresenceDetector().advanceTo(T0)).toEqual([]);
  });
});

describe("options and inputs", () => {
  it("defaults to the original behaviour", () => {
    expect(new LightPresenceDetector().options).toEqual({
      graceMs: 0,
      presenceMaxAgeMs: undefined,
      reminderMs: undefined,
    });
  });

  it("takes null or Infinity as 'no limit'", () => {
    expect(
      new LightPresenceDetector({ presenceMaxAgeMs: Number.POSITIVE_INFINITY, reminderMs: null }).options,
    ).toEqual({ graceMs: 0, presenceMaxAgeMs: undefined, reminderMs: undefined });
  });

  it("names the field in every rejection", () => {
    const issues = (o: unknown) => {
      const r = parseLightPresenceOptions(o);
      if (r.ok) throw new Error("expected a rejection");
      return r.issues;
    };
    expect(issues({ graceMs: -1 })).toEqual([{ field: "graceMs", message: "must be 0 or more" }]);
    expect(issues({ graceMs: 1.5 })).toEqual([
      { field: "graceMs", message: "must be a whole number of milliseconds" },
    ]);
    expect(issues({ graceMs: "30s" })).toEqual([
      { field: "graceMs", message: "must be a whole number of milliseconds, got string" },
    ]);
    expect(issues({ presenceMaxAgeMs: 0 })).toEqual([
      { field: "presenceMaxAgeMs", message: "must be more than 0" },
    ]);
    expect(issues({ reminderMs: Number.NaN })[0]?.field).toBe("reminderMs");
    expect(issues({ grace: 10 })[0]?.message).toMatch(/unknown option "grace"/);
    expect(() => new LightPresenceDetector({ graceMs: -5 })).toThrow(
      /invalid light-presence options: graceMs: must be 0 or more/,
    );
  });

  it("rejects non-finite times instead of corrupting the clock", () => {
    const d = new LightPresenceDetector();
    expect(() => d.advanceTo(Number.NaN)).toThrow(RangeError);
    expect(() => d.observe({ ...rd("k", "light", 1, 0), time: Number.POSITIVE_INFINITY })).toThrow(
      RangeError,
    );
    expect(d.now).toBeUndefined();
  });
});

// ---- property tests against the brute-force oracle ----

const ROOMS = ["kitchen", "hall", "bath"];
const DEVICES = ["001", "002"];

/** Random multi-room streams: readings and timer ticks, event times drifting forward with disorder. */
const opsArb = fc
  .array(
    fc.record({
      kind: fc.constantFrom("light", "light", "presence", "presence", "temperature", "advance"),
      room: fc.constantFrom(...ROOMS),
      // Biased towards the condition (light on, nobody present) so that anomalies are common.
      likely: fc.integer({ min: 0, max: 3 }),
      device: fc.constantFrom(...DEVICES),
      step: fc.integer({ min: -400, max: 500 }),
    }),
    { minLength: 1, maxLength: 60, size: "max" },
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

function detect(ops: readonly Op[], options: LightPresenceOptions): AnomalyEvent[][] {
  const d = new LightPresenceDetector(options);
  return ops.map((op) => [...("reading" in op ? d.observe(op.reading) : d.advanceTo(op.advanceTo))]);
}

describe("LightPresenceDetector against a brute-force oracle", () => {
  it("returns, for every reading and tick, exactly the oracle's events", () => {
    fc.assert(
      fc.property(opsArb, optionsArb, (ops, options) => {
        expect(detect(ops, options)).toEqual(oracleDetect(ops, options));
      }),
      { numRuns: 400 },
    );
  });

  it("gives the same events however often the clock is ticked between readings", () => {
    fc.assert(
      fc.property(opsArb, optionsArb, fc.infiniteStream(fc.boolean()), (ops, options, coin) => {
        const readingsOnly = ops.filter((op) => "reading" in op);
        // Tick at random instants up to each reading's own time (never past it, so nothing
        // the reading would have been applied before is fired early).
        const ticked: Op[] = [];
        let last: number | undefined;
        for (const op of readingsOnly) {
          const t = (op as { reading: TimedReading }).reading.time;
          if (last !== undefined) {
            for (let u = last + 97; u < t; u += 97) if (coin.next().value) ticked.push({ advanceTo: u });
          }
          ticked.push(op);
          last = Math.max(last ?? t, t);
        }
        const flat = (x: AnomalyEvent[][]) => x.flat();
        expect(flat(detect(ticked, options))).toEqual(flat(detect(readingsOnly, options)));
      }),
      { numRuns: 200 },
    );
  });

  it("keeps each room's events well formed: start, reminders, end; never overlapping", () => {
    fc.assert(
      fc.property(opsArb, optionsArb, (ops, options) => {
        const d = new LightPresenceDetector(options);
        const open = new Map<string, AnomalyEvent>();
        for (const e of detect(ops, options).flat()) {
          const s = open.get(e.room);
          if (e.event === "anomaly_start") {
            expect(s).toBeUndefined();
            expect(Date.parse(e.detected_at) - Date.parse(e.since)).toBe(options.graceMs);
            open.set(e.room, e);
          } else {
            expect(s?.since).toBe(e.since);
            expect(e.duration_s).toBeGreaterThanOrEqual(0);
            if (e.event === "anomaly_end") open.delete(e.room);
          }
        }
        for (const op of ops) {
          if ("reading" in op) d.observe(op.reading);
          else d.advanceTo(op.advanceTo);
        }
        const stillOpen = d.openAnomalies().map((a) => [a.room, a.since]);
        expect(new Set(stillOpen.map(([room]) => room))).toEqual(new Set(open.keys()));
        for (const [room, since] of stillOpen) expect(open.get(room as string)?.since).toBe(since);
      }),
      { numRuns: 200 },
    );
  });
});
