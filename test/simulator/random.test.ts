import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseReading } from "../../core/reading.js";
import type { ReadingEvent } from "../../simulator/events.js";
import { ROOMS, SENSOR_TYPES } from "../../simulator/home.js";
import { randomScenario } from "../../simulator/random.js";
import { chiSquareUniform, collect, START } from "./helpers.js";

const run = (seed: number, count: number, rate = 1, start = START): ReadingEvent[] =>
  collect(randomScenario({ seed, start, rate }), count);

const isTenth = (v: number) => Math.abs(v * 10 - Math.round(v * 10)) < 1e-9;

describe("randomScenario (the original producer's distribution)", () => {
  it("is deterministic for a seed and start, and differs for another seed", () => {
    expect(run(42, 500)).toEqual(run(42, 500));
    expect(run(42, 500).map((e) => e.reading)).not.toEqual(run(43, 500).map((e) => e.reading));
  });

  it("emits readings that the reading schema accepts unchanged", () => {
    for (const e of run(5, 2000)) {
      const parsed = parseReading(JSON.parse(JSON.stringify(e.reading)));
      expect(parsed).toEqual({ ok: true, value: { reading: e.reading, time: e.time } });
    }
  });

  it("keeps every value in its range at one decimal, and names devices <room>_<sensor>_001", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), (seed) => {
        for (const { reading: r } of run(seed, 200)) {
          if (r.device_id !== `${r.room}_${r.sensor_type}_001`) return false;
          if (r.sensor_type === "temperature" && !(r.value >= 18 && r.value <= 28 && isTenth(r.value)))
            return false;
          if (r.sensor_type === "humidity" && !(r.value >= 30 && r.value <= 70 && isTenth(r.value)))
            return false;
          if ((r.sensor_type === "presence" || r.sensor_type === "light") && r.value !== 0 && r.value !== 1)
            return false;
        }
        return true;
      }),
      { numRuns: 50 },
    );
  });

  it("spaces event times by 1000 / rate ms from the start", () => {
    const ones = run(1, 10);
    expect(ones.map((e) => e.time - START)).toEqual([
      0, 1000, 2000, 3000, 4000, 5000, 6000, 7000, 8000, 9000,
    ]);
    expect(ones[3]?.reading.timestamp).toBe("2026-01-01T00:00:03.000Z");
    const threes = run(1, 4, 3);
    expect(threes.map((e) => e.time - START)).toEqual([0, 333, 667, 1000]);
  });

  describe("frequencies (chi-square at p = 0.001, 16 000 readings per seed)", () => {
    for (const seed of [1, 42, 2026]) {
      it(`seed ${seed}: rooms × sensor types, binary values and value deciles are uniform`, () => {
        const events = run(seed, 16_000);
        const cells = new Array<number>(16).fill(0);
        const binary = { presence: [0, 0], light: [0, 0] };
        const tempDeciles = new Array<number>(10).fill(0);
        const humidityDeciles = new Array<number>(10).fill(0);
        for (const { reading: r } of events) {
          const cell = ROOMS.indexOf(r.room as never) * 4 + SENSOR_TYPES.indexOf(r.sensor_type as never);
          cells[cell] = (cells[cell] ?? 0) + 1;
          if (r.sensor_type === "presence" || r.sensor_type === "light") {
            const b = binary[r.sensor_type];
            b[r.value] = (b[r.value] ?? 0) + 1;
          }
          // Rounding puts half a bin's worth at each end (18.0 and 28.0); deciles of the unrounded
          // range are still equal within the tolerance.
          if (r.sensor_type === "temperature") {
            const k = Math.min(9, Math.floor(r.value - 18));
            tempDeciles[k] = (tempDeciles[k] ?? 0) + 1;
          }
          if (r.sensor_type === "humidity") {
            const k = Math.min(9, Math.floor((r.value - 30) / 4));
            humidityDeciles[k] = (humidityDeciles[k] ?? 0) + 1;
          }
        }
        expect(cells.every((c) => c > 0)).toBe(true);
        expect(chiSquareUniform(cells)).toBeLessThan(37.7); // 15 df
        expect(chiSquareUniform(binary.presence)).toBeLessThan(10.83); // 1 df
        expect(chiSquareUniform(binary.light)).toBeLessThan(10.83);
        expect(chiSquareUniform(tempDeciles)).toBeLessThan(27.88); // 9 df
        expect(chiSquareUniform(humidityDeciles)).toBeLessThan(27.88);
      });
    }
  });

  it("reaches both ends of the ranges", () => {
    const temps = run(3, 40_000)
      .filter((e) => e.reading.sensor_type === "temperature")
      .map((e) => e.reading.value);
    expect(Math.min(...temps)).toBeLessThan(18.1);
    expect(Math.max(...temps)).toBeGreaterThan(27.9);
  });
});
