import { describe, expect, it } from "vitest";
import { parseDuration } from "../../core/duration.js";

describe("parseDuration", () => {
  it("reads short units, Spark's words and bare seconds", () => {
    expect(parseDuration("60s")).toBe(60_000);
    expect(parseDuration("500ms")).toBe(500);
    expect(parseDuration("1m")).toBe(60_000);
    expect(parseDuration("2 hours")).toBe(7_200_000);
    expect(parseDuration("10 seconds")).toBe(10_000);
    expect(parseDuration("1.5s")).toBe(1500);
    expect(parseDuration("30")).toBe(30_000);
    expect(parseDuration(0)).toBe(0);
  });
  it("rejects what it cannot read, saying how to write it", () => {
    expect(() => parseDuration("soon")).toThrow(/invalid duration "soon": use a number and a unit/);
    expect(() => parseDuration("5 fortnights")).toThrow(/invalid duration/);
    expect(() => parseDuration("-5s")).toThrow(/invalid duration/);
  });
});
