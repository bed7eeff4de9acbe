import { describe, expect, it } from "vitest";
import { parseReading } from "../../../core/reading.js";
import type { ReadingEvent } from "../../../simulator/events.js";
import { type RealisticScenarioOptions, realisticScenario } from "../../../simulator/realistic/realistic.js";
import { collect, lightWithoutPresence, START } from "../helpers.js";

const HOUR = 3_600_000;
const defaults: RealisticScenarioOptions = {
  seed: 1,
  start: START,
  people: 2,
  reportEveryMs: 30_000,
  lightLeftOnChance: 0.1,
  timeZone: "UTC",
};

function day(options: Partial<RealisticScenarioOptions> = {}, hours = 24): ReadingEvent[] {
  const o = { ...defaults, ...options };
  const out: ReadingEvent[] = [];
  for (const e of realisticScenario(o)) {
    if (e.time >= o.start + hours * HOUR) break;
    out.push(e);
  }
  return out;
}

const byDevice = (events: readonly ReadingEvent[]) => {
  const m = new Map<string, ReadingEvent[]>();
  for (const e of events) {
    const list = m.get(e.reading.device_id) ?? [];
    list.push(e);
    m.set(e.reading.device_id, list);
  }
  return m;
};

const oneDay = day();

describe("realisticScenario", () => {
  it("is deterministic for a seed and start, and differs for another seed", () => {
    const a = collect(realisticScenario(defaults), 3000);
    expect(collect(realisticScenario(defaults), 3000)).toEqual(a);
    const b = collect(realisticScenario({ ...defaults, seed: 2 }), 3000);
    expect(b.map((e) => e.reading)).not.toEqual(a.map((e) => e.reading));
  });

  it("emits valid readings in event-time order", () => {
    let last = Number.NEGATIVE_INFINITY;
    const problems: string[] = [];
    for (const e of oneDay) {
      const parsed = parseReading(JSON.parse(JSON.stringify(e.reading)));
      if (
        !parsed.ok ||
        parsed.value.time !== e.time ||
        JSON.stringify(parsed.value.reading) !== JSON.stringify(e.reading)
      )
        problems.push(JSON.stringify(e.reading));
      if (e.time < last) problems.push(`out of order: ${e.reading.timestamp}`);
      last = e.time;
    }
    expect(problems).toEqual([]);
  });

  it("keeps temperature and humidity plausible and drifting smoothly", () => {
    for (const [id, events] of byDevice(oneDay)) {
      const type = events[0]?.reading.sensor_type;
      if (type !== "temperature" && type !== "humidity") continue;
      const [lo, hi, maxStep] = type === "temperature" ? [15, 30, 1] : [25, 90, 6];
      const problems: string[] = [];
      for (let i = 0; i < events.length; i++) {
        const v = (events[i] as ReadingEvent).reading.value;
        if (v < lo || v > hi) problems.push(`${v} out of [${lo}, ${hi}]`);
        if (Math.abs(v * 10 - Math.round(v * 10)) > 1e-9) problems.push(`${v} not at one decimal`);
        const step = i > 0 ? Math.abs(v - (events[i - 1] as ReadingEvent).reading.value) : 0;
        if (step >= maxStep) problems.push(`jump of ${step}`);
      }
      expect(problems, id).toEqual([]);
      const values = events.map((e) => e.reading.value);
      // It moves: not a constant, not noise over the whole range.
      expect(Math.max(...values) - Math.min(...values), id).toBeGreaterThan(0.5);
    }
  });

  it("has every device report periodically (and presence and light also on change)", () => {
    const devices = byDevice(oneDay);
    expect(devices.size).toBe(16);
    for (const [id, events] of devices) {
      const periodic = 24 * 120;
      expect(events.length, id).toBeGreaterThanOrEqual(periodic);
      let maxGap = 0;
      for (let i = 1; i < events.length; i++) {
        maxGap = Math.max(maxGap, (events[i] as ReadingEvent).time - (events[i - 1] as ReadingEvent).time);
      }
      // A 30 s grid with up to ±1 s of jitter.
      expect(maxGap, id).toBeLessThanOrEqual(32_000);
      const type = events[0]?.reading.sensor_type;
      if (type === "temperature" || type === "humidity") expect(events.length, id).toBe(periodic);
    }
  });

  it("leaves lights on in empty rooms now and then: the anomaly the pipeline detects", () => {
    for (const seed of [1, 2, 3]) {
      const spans = lightWithoutPresence(day({ seed }));
      const long = spans.filter((s) => s.to - s.from > 5 * 60_000);
      expect(long.length, `seed ${seed}`).toBeGreaterThan(0);
    }
  });

  it("with lightLeftOnChance 0 only the radio race between presence and light shows, for seconds", () => {
    for (const seed of [1, 2, 3]) {
      const spans = lightWithoutPresence(day({ seed, lightLeftOnChance: 0 }));
      for (const s of spans) expect(s.to - s.from).toBeLessThan(5000);
    }
  });

  it("follows the daily routine: at night people sleep in the bedroom with the lights off", () => {
    const night = oneDay.filter((e) => {
      const h = new Date(e.time).getUTCHours();
      return h >= 1 && h < 5;
    });
    const share = (room: string, type: string) => {
      const xs = night.filter((e) => e.reading.room === room && e.reading.sensor_type === type);
      return xs.reduce((a, e) => a + e.reading.value, 0) / xs.length;
    };
    expect(share("bedroom", "presence")).toBeGreaterThan(0.9);
    expect(share("kitchen", "presence")).toBeLessThan(0.2);
    expect(share("living_room", "presence")).toBeLessThan(0.2);
    for (const room of ["living_room", "kitchen", "bedroom", "bathroom"]) {
      expect(share(room, "light"), room).toBeLessThan(0.2);
    }
    // In the evening the living room is lived in.
    const evening = oneDay.filter(
      (e) =>
        e.reading.room === "living_room" &&
        e.reading.sensor_type === "presence" &&
        new Date(e.time).getUTCHours() >= 18 &&
        new Date(e.time).getUTCHours() < 23,
    );
    expect(evening.reduce((a, e) => a + e.reading.value, 0) / evening.length).toBeGreaterThan(0.3);
  });

  it("reads the routine's hours on the clock of the configured zone", () => {
    // 01:00–05:00 in Tokyo (UTC+9) is 16:00–20:00 UTC.
    const tokyo = day({ timeZone: "Asia/Tokyo" }).filter((e) => {
      const h = new Date(e.time).getUTCHours();
      return h >= 16 && h < 20 && e.reading.room === "bedroom" && e.reading.sensor_type === "presence";
    });
    expect(tokyo.reduce((a, e) => a + e.reading.value, 0) / tokyo.length).toBeGreaterThan(0.9);
  });

  it("keeps the same people's movements when only the report interval changes", () => {
    const presenceChanges = (events: ReadingEvent[]) => {
      const last = new Map<string, number>();
      const changes: string[] = [];
      for (const e of events) {
        if (e.reading.sensor_type !== "presence") continue;
        if (last.has(e.reading.room) && last.get(e.reading.room) !== e.reading.value) {
          // The change happened at the routine step before it was reported.
          changes.push(`${e.reading.room}@${Math.floor((e.time - START) / 60_000)}:${e.reading.value}`);
        }
        last.set(e.reading.room, e.reading.value);
      }
      return changes;
    };
    expect(presenceChanges(day({ reportEveryMs: 60_000 }, 6))).toEqual(presenceChanges(day({}, 6)));
  });
});
