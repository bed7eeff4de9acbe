import { describe, expect, it } from "vitest";
import { parseWindowOptions, WindowOptionsError, windowConfig } from "../../core/window-options.js";

function issues(input: unknown): string[] {
  const r = parseWindowOptions(input);
  if (r.ok) throw new Error("expected invalid options");
  return r.issues.map((i) => `${i.field}: ${i.message}`);
}

describe("window options", () => {
  it("fills in Spark-like defaults: tumbling, no delay, append, room and sensor type, every type", () => {
    const c = windowConfig({ windowMs: 60_000 });
    expect(c).toEqual({
      windowMs: 60_000,
      slideMs: 60_000,
      offsetMs: 0,
      watermarkDelayMs: 0,
      mode: "append",
      groupBy: ["room", "sensor_type"],
      sensorTypes: undefined,
    });
  });

  it("treats groupBy as a set in result-column order and an empty sensor list as all", () => {
    const c = windowConfig({
      windowMs: 10,
      groupBy: ["device_id", "sensor_type", "room"],
      sensorTypes: [],
    });
    expect(c.groupBy).toEqual(["room", "sensor_type", "device_id"]);
    expect(c.sensorTypes).toBeUndefined();
    expect([...(windowConfig({ windowMs: 10, sensorTypes: ["light"] }).sensorTypes ?? [])]).toEqual([
      "light",
    ]);
  });

  it("names the field and the problem", () => {
    expect(issues({})).toEqual(["windowMs: is required"]);
    expect(issues({ windowMs: "60s" })).toEqual([
      "windowMs: must be a whole number of milliseconds greater than 0, got string",
    ]);
    expect(issues({ windowMs: 0 })).toEqual([
      "windowMs: must be a whole number of milliseconds greater than 0, got 0",
    ]);
    expect(issues({ windowMs: 1.5 })[0]).toMatch(/^windowMs: .*got 1\.5$/);
    expect(issues({ windowMs: 10, slideMs: 20 })).toEqual(["slideMs: must be at most windowMs (10), got 20"]);
    expect(issues({ windowMs: 10, slideMs: 5, offsetMs: -5 })).toEqual([
      "offsetMs: must be smaller in magnitude than the slide (5), got -5",
    ]);
    expect(issues({ windowMs: 10, watermarkDelayMs: -1 })[0]).toMatch(/^watermarkDelayMs: .*at least 0/);
    expect(issues({ windowMs: 10, mode: "complete" })).toEqual([
      'mode: must be "append" or "update", got "complete"',
    ]);
    expect(issues({ windowMs: 10, groupBy: ["room", "floor"] })).toEqual([
      'groupBy.1: must be one of room, sensor_type, device_id, got "floor"',
    ]);
    expect(issues({ windowMs: 10, groupBy: ["room", "room"] })).toEqual(['groupBy.1: repeats "room"']);
    expect(issues({ windowMs: 10, groupBy: "room" })).toEqual([
      "groupBy: must be a list of columns, got string",
    ]);
    expect(issues({ windowMs: 10, sensorTypes: [""] })).toEqual(["sensorTypes.0: must not be empty"]);
    expect(issues({ windowMs: 10, window: 5 })).toEqual([": unknown option(s): window"]);
    expect(issues(null)).toEqual([": window options must be an object, got null"]);
  });

  it("throws one error listing every bad field", () => {
    let err: unknown;
    try {
      windowConfig({ windowMs: -1, mode: "x" as "append" });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(WindowOptionsError);
    expect(err).toBeInstanceOf(RangeError);
    const e = err as WindowOptionsError;
    expect(e.issues.map((i) => i.field)).toEqual(["windowMs", "mode"]);
    expect(e.message).toMatch(/^invalid window options: windowMs: .*; mode: /);
  });
});
