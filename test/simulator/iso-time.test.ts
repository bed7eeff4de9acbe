import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isoTimestamp } from "../../simulator/iso-time.js";

describe("isoTimestamp", () => {
  it("equals Date#toISOString over the whole Date range, in any order of calls", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: -8.64e15, max: 8.64e15 }), { minLength: 1, maxLength: 20 }),
        (times) => times.every((t) => isoTimestamp(t) === new Date(t).toISOString()),
      ),
      { numRuns: 500 },
    );
  });

  it("handles day boundaries and the epoch", () => {
    for (const t of [0, -1, 86_399_999, 86_400_000, Date.UTC(2026, 0, 1) - 1, Date.UTC(2026, 0, 1)]) {
      expect(isoTimestamp(t)).toBe(new Date(t).toISOString());
    }
  });
});
