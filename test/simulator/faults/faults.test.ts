import { describe, expect, it } from "vitest";
import { parseReading, parseReadingJson } from "../../../core/reading.js";
import type { ReadingEvent, SimEvent } from "../../../simulator/events.js";
import { createFaultInjector, withFaults, withFaultsAsync } from "../../../simulator/faults/inject.js";
import { MALFORMED_VARIANTS } from "../../../simulator/faults/malformed.js";
import type { FaultSpec } from "../../../simulator/options.js";
import { realisticScenario } from "../../../simulator/realistic/realistic.js";
import { collect, START } from "../helpers.js";

const N = 20_000;
const base: ReadingEvent[] = collect(
  realisticScenario({
    seed: 7,
    start: START,
    people: 2,
    reportEveryMs: 30_000,
    lightLeftOnChance: 0.1,
    timeZone: "UTC",
  }),
  N,
);
const faulty = (specs: FaultSpec[], seed = 7): SimEvent[] => [
  ...withFaults(base, createFaultInjector(specs, seed)),
];
const key = (e: SimEvent) =>
  e.kind === "reading" ? `${e.reading.device_id}@${e.time}` : `malformed@${e.time}`;
const readings = (events: SimEvent[]) => events.filter((e): e is ReadingEvent => e.kind === "reading");

describe("faults", () => {
  it("with no faults passes every event through unchanged", () => {
    expect(faulty([])).toEqual(base);
  });

  it("stuck: a device repeats one value for the episode, everything else is as measured", () => {
    const out = faulty([{ kind: "stuck", probability: 0.01, durationMs: 10 * 60_000 }]);
    expect(out.map(key)).toEqual(base.map(key));
    const stuck = readings(out).filter((e) => e.fault === "stuck");
    expect(stuck.length).toBeGreaterThan(100);
    // Each stuck reading repeats the device's previous reading; untouched ones equal the base.
    const previous = new Map<string, number>();
    out.forEach((e, i) => {
      if (e.kind !== "reading") throw new Error("stuck never makes malformed events");
      if (e.fault === "stuck") expect(e.reading.value).toBe(previous.get(e.reading.device_id));
      else expect(e).toEqual(base[i]);
      previous.set(e.reading.device_id, e.reading.value);
    });
    // And it is visible: some stuck temperature differs from what was measured.
    const differs = out.some(
      (e, i) => e.kind === "reading" && e.fault === "stuck" && e.reading.value !== base[i]?.reading.value,
    );
    expect(differs).toBe(true);
  });

  it("dropout: a device falls silent for whole episodes; nothing else changes", () => {
    const durationMs = 5 * 60_000;
    const out = faulty([{ kind: "dropout", probability: 0.005, durationMs }]);
    const kept = new Set(out.map(key));
    const dropped = base.filter((e) => !kept.has(key(e)));
    expect(dropped.length).toBeGreaterThan(50);
    expect(out).toEqual(base.filter((e) => kept.has(key(e))));
    // An episode starts at a dropped reading whose predecessor was kept; the device then stays
    // silent for the whole episode.
    const lastKept = new Map<string, boolean>();
    const keptTimes = new Map<string, number[]>();
    for (const e of readings(out))
      keptTimes.set(e.reading.device_id, [...(keptTimes.get(e.reading.device_id) ?? []), e.time]);
    let episodes = 0;
    for (const e of base) {
      const id = e.reading.device_id;
      const isKept = kept.has(key(e));
      if (!isKept && lastKept.get(id) !== false) {
        episodes++;
        const inEpisode = (keptTimes.get(id) ?? []).filter((t) => t >= e.time && t < e.time + durationMs);
        expect(inEpisode).toEqual([]);
      }
      lastKept.set(id, isKept);
    }
    expect(episodes).toBeGreaterThan(10);
  });

  it("spike: single outliers on temperature and humidity only, still valid readings", () => {
    const out = faulty([{ kind: "spike", probability: 0.05 }]);
    expect(out.map(key)).toEqual(base.map(key));
    const spikes = out.flatMap((e, i) =>
      e.kind === "reading" && e.fault === "spike" ? [{ e, was: base[i] }] : [],
    );
    expect(spikes.length).toBeGreaterThan(200);
    for (const { e, was } of spikes) {
      expect(["temperature", "humidity"]).toContain(e.reading.sensor_type);
      const jump = Math.abs(e.reading.value - (was?.reading.value ?? Number.NaN));
      expect(jump).toBeGreaterThanOrEqual(e.reading.sensor_type === "temperature" ? 14.9 : 39.9);
      expect(parseReading(e.reading).ok).toBe(true);
    }
  });

  it("malformed: replaced readings fail the reading schema, in every variant", () => {
    const out = faulty([{ kind: "malformed", probability: 0.05 }]);
    expect(out.length).toBe(base.length);
    const bad = out.filter((e) => e.kind === "malformed");
    expect(bad.length).toBeGreaterThan(800);
    expect(bad.length).toBeLessThan(1200);
    expect(new Set(bad.map((e) => e.reason))).toEqual(new Set(MALFORMED_VARIANTS.map((v) => v.reason)));
    for (const e of bad) {
      expect(e.text).not.toContain("\n");
      const parsed = parseReadingJson(e.text);
      expect(parsed.ok, `${e.reason}: ${e.text}`).toBe(false);
    }
    // The event keeps its place and time.
    out.forEach((e, i) => {
      expect(e.time).toBe(base[i]?.time);
    });
  });

  it("late: held-back readings arrive out of order, within the configured delay, none lost", () => {
    const durationMs = 120_000;
    const out = faulty([{ kind: "late", probability: 0.05, durationMs }]);
    expect(out.map(key).sort()).toEqual(base.map(key).sort());
    let maxSeen = Number.NEGATIVE_INFINITY;
    let outOfOrder = 0;
    for (const e of out) {
      if (e.time < maxSeen) {
        outOfOrder++;
        expect(e.kind === "reading" && e.fault).toBe("late");
        expect(maxSeen - e.time).toBeLessThanOrEqual(durationMs);
      }
      maxSeen = Math.max(maxSeen, e.time);
    }
    expect(outOfOrder).toBeGreaterThan(500);
  });

  it("applies in a fixed order, whatever order the faults are listed in", () => {
    const a = faulty([
      { kind: "late", probability: 0.02 },
      { kind: "spike", probability: 0.02 },
      { kind: "malformed", probability: 0.02 },
    ]);
    const b = faulty([
      { kind: "malformed", probability: 0.02 },
      { kind: "spike", probability: 0.02 },
      { kind: "late", probability: 0.02 },
    ]);
    expect(a).toEqual(b);
  });

  it("gives each fault its own random stream: adding one leaves another's choices alone", () => {
    const spikesAlone = faulty([{ kind: "spike", probability: 0.05 }]);
    const withDropout = faulty([
      { kind: "spike", probability: 0.05 },
      { kind: "dropout", probability: 0.002 },
    ]);
    const spiked = new Map(
      spikesAlone.flatMap((e) =>
        e.kind === "reading" && e.fault === "spike" ? [[key(e), e.reading.value]] : [],
      ),
    );
    let checked = 0;
    for (const e of withDropout) {
      if (e.kind === "reading" && spiked.has(key(e))) {
        expect(e.fault).toBe("spike");
        expect(e.reading.value).toBe(spiked.get(key(e)));
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(100);
  });

  it("is deterministic for a seed and differs for another", () => {
    const specs: FaultSpec[] = [{ kind: "malformed", probability: 0.05 }];
    expect(faulty(specs, 1)).toEqual(faulty(specs, 1));
    expect(faulty(specs, 1)).not.toEqual(faulty(specs, 2));
  });

  it("flushes held-back events at the end of an async stream", async () => {
    async function* source() {
      yield* base.slice(0, 2000);
    }
    const injector = createFaultInjector([{ kind: "late", probability: 0.5 }], 3);
    const out: SimEvent[] = [];
    for await (const e of withFaultsAsync(source(), injector)) out.push(e);
    expect(out.length).toBe(2000);
    expect(out.map(key).sort()).toEqual(base.slice(0, 2000).map(key).sort());
  });
});
