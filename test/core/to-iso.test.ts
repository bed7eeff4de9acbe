import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { toIso } from "../../core/time.js";

/** What toIso stands for: Date#toISOString, or the error it throws. */
function reference(t: number): string {
  try {
    return new Date(t).toISOString();
  } catch (err) {
    return `throws ${(err as Error).name}`;
  }
}
function actual(t: number): string {
  try {
    return toIso(t);
  } catch (err) {
    return `throws ${(err as Error).name}`;
  }
}

describe("toIso", () => {
  it("equals Date#toISOString over the whole Date range, in any order of calls", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: -8.64e15, max: 8.64e15 }), { minLength: 1, maxLength: 20 }),
        (times) => times.every((t) => toIso(t) === new Date(t).toISOString()),
      ),
      { numRuns: 500 },
    );
  });

  it("handles day boundaries and the epoch", () => {
    for (const t of [0, -1, 86_399_999, 86_400_000, Date.UTC(2026, 0, 1) - 1, Date.UTC(2026, 0, 1)]) {
      expect(toIso(t)).toBe(new Date(t).toISOString());
    }
  });

  it("agrees with Date#toISOString on fractions, the Date range's edges and beyond, and what throws", () => {
    const edges = [
      1.5,
      -1.5,
      1e3 + 0.999,
      8.64e15,
      -8.64e15,
      8.64e15 + 1,
      -8.64e15 - 1,
      Number.NaN,
      Infinity,
    ];
    for (const t of edges) expect(actual(t)).toBe(reference(t));
    expect(actual(Number.NaN)).toBe("throws RangeError");
    fc.assert(
      fc.property(fc.double({ min: -9e15, max: 9e15, noNaN: true }), (t) => actual(t) === reference(t)),
      { numRuns: 2000 },
    );
  });
});
