import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { WindowAggregate } from "../../core/window-aggregate.js";
import { describeValues } from "./window-oracle.js";

function aggregateOf(values: readonly number[]): WindowAggregate {
  const a = new WindowAggregate();
  for (const v of values) a.add(v);
  return a;
}

/** |a - e| within `rel` of the values' magnitude (the oracle sums in another order). */
function close(a: number | null, e: number | null, scale: number, rel = 1e-9): boolean {
  if (a === null || e === null) return a === e;
  return Math.abs(a - e) <= rel * Math.max(1, scale);
}

const values = fc.array(
  fc.oneof(fc.integer({ min: -1000, max: 1000 }), fc.double({ min: -1e6, max: 1e6, noNaN: true })),
  { minLength: 1, maxLength: 200 },
);

describe("WindowAggregate", () => {
  it("sample standard deviation, null below two values, as Spark's stddev", () => {
    expect(aggregateOf([5]).stats()).toEqual({
      avg_value: 5,
      min_value: 5,
      max_value: 5,
      count: 1,
      sum_value: 5,
      stddev_value: null,
    });
    // 2, 4, 4, 4, 5, 5, 7, 9: mean 5, squared deviations 32, sample variance 32 / 7.
    const s = aggregateOf([2, 4, 4, 4, 5, 5, 7, 9]).stats();
    expect(s).toMatchObject({ avg_value: 5, count: 8, sum_value: 40, min_value: 2, max_value: 9 });
    expect(s.stddev_value).toBeCloseTo(Math.sqrt(32 / 7), 14);
    expect(aggregateOf([3, 3, 3]).stddev).toBe(0);
  });

  it("keeps the spread of values far from zero (where sum-of-squares cancels to garbage)", () => {
    // A spread of a few units around 1e9: the naive E[x^2] - E[x]^2 loses every digit here.
    const vs = [1e9 + 4, 1e9 + 7, 1e9 + 13, 1e9 + 16];
    const naive = (() => {
      const n = vs.length;
      const s = vs.reduce((a, b) => a + b, 0);
      const q = vs.reduce((a, b) => a + b * b, 0);
      return Math.sqrt((q - (s * s) / n) / (n - 1));
    })();
    const a = aggregateOf(vs);
    expect(a.stddev).toBeCloseTo(Math.sqrt(30), 9); // deviations -6, -3, 3, 6: 90 / 3
    // The naive formula does lose it (NaN when the cancelled difference comes out negative).
    expect(Number.isNaN(naive) || Math.abs(naive - Math.sqrt(30)) > 1e-3).toBe(true);
  });

  it("property: one value at a time equals the two-pass oracle", () => {
    fc.assert(
      fc.property(values, (vs) => {
        const got = aggregateOf(vs);
        const want = describeValues(vs);
        const scale = Math.max(...vs.map(Math.abs));
        expect(got.count).toBe(want.count);
        expect(got.min).toBe(want.min);
        expect(got.max).toBe(want.max);
        expect(close(got.average, want.avg, scale)).toBe(true);
        expect(close(got.total, want.sum, scale * vs.length)).toBe(true);
        expect(close(got.stddev, want.stddev, scale)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it("property: merging aggregates of any split (Chan) equals aggregating everything at once", () => {
    fc.assert(
      fc.property(values, fc.array(fc.nat(), { maxLength: 6 }), (vs, cuts) => {
        // Split into consecutive parts (some empty), aggregate each, merge left to right.
        const points = [...new Set(cuts.map((c) => c % (vs.length + 1)))].sort((a, b) => a - b);
        const bounds = [0, ...points, vs.length];
        const merged = new WindowAggregate();
        for (let i = 0; i + 1 < bounds.length; i++) {
          merged.merge(aggregateOf(vs.slice(bounds[i], bounds[i + 1])));
        }
        const want = describeValues(vs);
        const scale = Math.max(...vs.map(Math.abs));
        expect(merged.count).toBe(want.count);
        expect(merged.min).toBe(want.min);
        expect(merged.max).toBe(want.max);
        expect(close(merged.average, want.avg, scale)).toBe(true);
        expect(close(merged.total, want.sum, scale * vs.length)).toBe(true);
        expect(close(merged.stddev, want.stddev, scale)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it("merging an empty aggregate changes nothing, and the merged side is left as it was", () => {
    const a = aggregateOf([1, 2, 3]);
    const before = a.stats();
    a.merge(new WindowAggregate());
    expect(a.stats()).toEqual(before);
    const b = aggregateOf([10]);
    const empty = new WindowAggregate();
    empty.merge(b);
    expect(empty.stats()).toEqual(b.stats());
    expect(b.stats()).toEqual({ ...b.stats(), count: 1 });
  });
});
