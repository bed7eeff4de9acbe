import { describe, expect, it } from "vitest";
import { formatIssues, parseReading, parseReadingJson, readingSchema } from "../../core/reading.js";

const base = {
  room: "living_room",
  sensor_type: "temperature",
  value: 22.5,
  timestamp: "2026-11-27T21:00:00.000Z",
  device_id: "living_room_temperature_001",
};

function reasons(input: unknown, timeZone?: string): string {
  const r = parseReading(input, { timeZone });
  if (r.ok) throw new Error(`expected a rejection, got ${JSON.stringify(r.value)}`);
  return formatIssues(r.issues);
}

describe("reading schema", () => {
  it("accepts the design's example as is", () => {
    const r = parseReading(base);
    expect(r).toEqual({ ok: true, value: { reading: base, time: Date.parse(base.timestamp) } });
  });

  it("accepts the original producer's naive isoformat() with microseconds, read as UTC by default", () => {
    const r = parseReading({ ...base, timestamp: "2025-12-19T14:03:12.123456" });
    expect(r.ok && r.value.reading.timestamp).toBe("2025-12-19T14:03:12.123Z");
  });

  it("reads naive timestamps in the configured zone, like Python's fold=0", () => {
    const at = (t: string) => {
      const r = parseReading({ ...base, timestamp: t }, { timeZone: "Europe/Paris" });
      return r.ok ? r.value.reading.timestamp : "rejected";
    };
    expect(at("2026-07-01T12:00:00")).toBe("2026-07-01T10:00:00.000Z");
    expect(at("2026-01-01T12:00:00")).toBe("2026-01-01T11:00:00.000Z");
    expect(at("2026-03-29T02:30:00")).toBe("2026-03-29T01:30:00.000Z"); // in the spring gap
    expect(at("2026-10-25T02:30:00")).toBe("2026-10-25T00:30:00.000Z"); // in the autumn overlap
  });

  it("honours offsets and Z regardless of the zone, and accepts epoch milliseconds", () => {
    const iso = (timestamp: unknown) => {
      const r = parseReading({ ...base, timestamp }, { timeZone: "America/New_York" });
      return r.ok ? r.value.reading.timestamp : "rejected";
    };
    expect(iso("2026-11-27T22:00:00+01:00")).toBe("2026-11-27T21:00:00.000Z");
    expect(iso("2026-11-27T16:00:00-0500")).toBe("2026-11-27T21:00:00.000Z");
    expect(iso("2026-11-27 21:00:00Z")).toBe("2026-11-27T21:00:00.000Z");
    expect(iso(1764277200000)).toBe("2025-11-27T21:00:00.000Z");
  });

  it("normalises ON/OFF and booleans for light and presence only", () => {
    const v = (sensor_type: string, value: unknown) => {
      const r = parseReading({ ...base, sensor_type, value });
      return r.ok ? r.value.reading.value : formatIssues(r.issues);
    };
    expect(v("light", "ON")).toBe(1);
    expect(v("light", "off")).toBe(0);
    expect(v("presence", true)).toBe(1);
    expect(v("presence", false)).toBe(0);
    expect(v("presence", 1)).toBe(1);
    expect(v("presence", 0.5)).toMatch(/^value: must be 0 or 1 for presence/);
    expect(v("light", "maybe")).toMatch(/^value: must be 0, 1, true, false/);
    expect(v("temperature", "ON")).toBe("value: must be a finite number, got string");
    expect(v("co2", 415)).toBe(415); // other numeric sensor types pass through
  });

  it("names the field and the reason for each rejection", () => {
    expect(reasons({ ...base, value: Number.NaN })).toBe("value: must be a finite number, got NaN");
    expect(reasons({ ...base, value: undefined })).toBe("value: is required");
    expect(reasons({ ...base, room: "" })).toBe("room: must not be empty");
    expect(reasons({ ...base, room: 3 })).toBe("room: must be a string, got number");
    expect(reasons({ ...base, device_id: "a\nb" })).toBe("device_id: must not contain control characters");
    expect(reasons({ ...base, sensor_type: "x".repeat(129) })).toBe(
      "sensor_type: must be at most 128 characters",
    );
    expect(reasons({ ...base, timestamp: "yesterday" })).toMatch(
      /^timestamp: "yesterday" is not an ISO 8601/,
    );
    expect(reasons({ ...base, timestamp: "2026-02-30T00:00:00Z" })).toMatch(/not a valid calendar date-time/);
    expect(reasons({ ...base, timestamp: "2026-01-01T24:00:00Z" })).toMatch(/not a valid calendar date-time/);
    expect(reasons({ ...base, timestamp: 1e20 })).toBe(
      "timestamp: epoch milliseconds out of range (years 0001 to 9999)",
    );
    expect(reasons({ ...base, timestamp: 8.6e15 })).toMatch(/out of range/);
    expect(reasons(null)).toBe("a reading must be a JSON object, got null");
    expect(reasons([base])).toBe("a reading must be a JSON object, got array");
  });

  it("drops unknown fields and never lets __proto__ through", () => {
    const r = parseReadingJson(`{"__proto__":{"polluted":1},"extra":1,${JSON.stringify(base).slice(1)}`);
    expect(r.ok && r.value.reading).toEqual(base);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("reports JSON syntax errors as issues", () => {
    const r = parseReadingJson("{oops");
    expect(r.ok).toBe(false);
    expect(!r.ok && formatIssues(r.issues)).toMatch(/^invalid JSON: /);
  });

  it("refuses an unknown time zone at configuration time", () => {
    expect(() => readingSchema({ timeZone: "Mars/Olympus" })).toThrow(/unknown time zone "Mars\/Olympus"/);
  });
});
