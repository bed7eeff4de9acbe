import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { canonicalReading, canonicalTime } from "../../core/canonical-reading.js";
import { readingSchema } from "../../core/reading.js";

const name = fc.oneof(
  fc.constantFrom("kitchen", "living_room", "temperature", "light", "presence", "humidity", "co2", "k_1"),
  fc.string({ maxLength: 3 }),
  fc.constantFrom("", "a\u0007b", "x".repeat(128), "x".repeat(129), "caf\u00e9", "\u0085"),
);
const value = fc.oneof(
  fc.constantFrom(0, 1, -0, 2, 0.5, Number.NaN, Number.POSITIVE_INFINITY, true, "ON", "1", null),
  fc.double(),
);
const iso = fc
  .date({ min: new Date(Date.UTC(1, 0, 1)), max: new Date(Date.UTC(9999, 11, 31)), noInvalidDate: true })
  .map((d) => d.toISOString());
const timestamp = fc.oneof(
  iso,
  iso.map((s) => s.replace("Z", "z")),
  iso.map((s) => s.replace(".000Z", "Z")),
  iso.map((s) => s.slice(0, 19)),
  fc.constantFrom(
    "2026-02-30T00:00:00.000Z",
    "2026-13-01T00:00:00.000Z",
    "2026-11-27T24:00:00.000Z",
    "2024-02-29T12:00:00.000Z",
  ),
  fc.integer(),
  fc.string({ maxLength: 30 }),
);
const record = fc.record(
  { room: name, sensor_type: name, value, timestamp, device_id: name, extra: fc.anything() },
  { requiredKeys: [] },
);

describe("the canonical fast path", () => {
  it("gives exactly the schema's result whenever it gives one", () => {
    let taken = 0;
    fc.assert(
      fc.property(record, (p) => {
        const fast = canonicalReading(p as Record<string, unknown>);
        if (fast === undefined) return;
        taken++;
        // the zod schema itself, not parseReading (which takes this fast path first)
        const slow = readingSchema().safeParse(p);
        expect(slow.success).toBe(true);
        if (slow.success) expect(fast).toEqual(slow.data);
      }),
      { numRuns: 20_000 },
    );
    // the generator reaches the fast path often enough for this to mean something
    expect(taken).toBeGreaterThan(200);
  });

  it("takes the simulator's readings", () => {
    const r = {
      room: "kitchen",
      sensor_type: "light",
      value: 1,
      timestamp: "2026-11-27T21:00:00.000Z",
      device_id: "k",
    };
    expect(canonicalReading(r)).toEqual({ reading: r, time: Date.UTC(2026, 10, 27, 21) });
  });

  it("reads every canonical timestamp from 1970 to 9999", () => {
    fc.assert(
      fc.property(
        fc.date({ min: new Date(0), max: new Date(Date.UTC(9999, 11, 31)), noInvalidDate: true }),
        (d) => {
          expect(canonicalTime(d.toISOString())).toBe(d.getTime());
        },
      ),
    );
    expect(canonicalTime("2026-02-29T00:00:00.000Z")).toBeUndefined();
    expect(canonicalTime("2024-02-29T00:00:00.000Z")).toBe(Date.UTC(2024, 1, 29));
  });
});
