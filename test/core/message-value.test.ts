import { describe, expect, it } from "vitest";
import { compileStateTopicPattern, stateFromTopic } from "../../core/binary-topic.js";
import { binaryKind, binaryValue, numericValue } from "../../core/message-value.js";

describe("numericValue", () => {
  it("numbers, decimal text and booleans count; anything else is named", () => {
    expect(numericValue(21.5)).toEqual({ ok: true, value: 21.5 });
    expect(numericValue(" -3e2 ")).toEqual({ ok: true, value: -300 });
    expect(numericValue(true)).toEqual({ ok: true, value: 1 });
    expect(numericValue("0x10")).toEqual({ ok: false, reason: 'not a number: "0x10"' });
    expect(numericValue("")).toEqual({ ok: false, reason: 'not a number: ""' });
    expect(numericValue(Number.NaN)).toEqual({ ok: false, reason: "not a finite number: NaN" });
    expect(numericValue(null)).toEqual({ ok: false, reason: "not a number: null" });
    expect(numericValue([1])).toEqual({ ok: false, reason: "not a number: array" });
  });
});

describe("binaryValue", () => {
  it("normalises numbers, booleans, ON/OFF, on/off, occupied/clear and zigbee2mqtt fields", () => {
    const on = { ok: true, value: 1 };
    const off = { ok: true, value: 0 };
    for (const v of [1, 255, true, "ON", "on", "On", "occupied", "true", "1", "detected"])
      expect(binaryValue(v, "light")).toEqual(on);
    for (const v of [0, false, "OFF", "off", "clear", "false", "0"])
      expect(binaryValue(v, "presence")).toEqual(off);
    expect(binaryValue({ occupancy: true, battery: 90 }, "presence")).toEqual(on);
    expect(binaryValue({ state: "OFF", brightness: 0 }, "light")).toEqual(off);
    expect(binaryValue({ state: "on", attributes: {} }, "presence")).toEqual(on); // a Home Assistant state object
    expect(binaryValue("dim", "light")).toEqual({
      ok: false,
      reason: 'light: "dim" is not on/off, ON/OFF, true/false, occupied/clear or 0/1',
    });
    expect(binaryValue(-1, "light").ok).toBe(false);
    expect(binaryValue({ occupancy: "maybe" }, "presence")).toMatchObject({
      ok: false,
      reason: /^occupancy: /,
    });
    expect(binaryValue({ battery: 3 }, "light")).toEqual({
      ok: false,
      reason: "light: an object without state, light, value",
    });
  });

  it("kinds by name, any case", () => {
    expect(binaryKind("Occupancy")).toBe("presence");
    expect(binaryKind("light")).toBe("light");
    expect(binaryKind("temperature")).toBeUndefined();
    expect(binaryKind("constructor")).toBeUndefined();
  });
});

describe("stateFromTopic", () => {
  const T = Date.UTC(2026, 10, 27, 21);
  it("room and kind from the topic by the default pattern, a reading validated by the schema", () => {
    const p = compileStateTopicPattern("+room/+kind");
    expect(stateFromTopic(p, "kitchen/light", "ON", T)).toEqual({
      kind: "reading",
      value: {
        reading: {
          room: "kitchen",
          sensor_type: "light",
          value: 1,
          timestamp: "2026-11-27T21:00:00.000Z",
          device_id: "kitchen/light",
        },
        time: T,
      },
    });
    expect(stateFromTopic(p, "kitchen/temperature", 21, T)).toMatchObject({ kind: "ignored" });
    expect(stateFromTopic(p, "a/b/c", 1, T)).toEqual({
      kind: "rejected",
      reason: 'topic: "a/b/c" does not match +room/+kind',
    });
    expect(stateFromTopic(p, undefined, 1, T)).toMatchObject({ kind: "rejected", reason: /^topic: / });
    expect(stateFromTopic(p, "kitchen/light", "dim", T)).toMatchObject({
      kind: "rejected",
      reason: /^payload: light: /,
    });
  });

  it("without a kind placeholder the kind comes from zigbee2mqtt's fields", () => {
    const p = compileStateTopicPattern("zigbee2mqtt/+room/+");
    expect(stateFromTopic(p, "zigbee2mqtt/hall/motion1", { occupancy: false }, T)).toMatchObject({
      kind: "reading",
      value: { reading: { room: "hall", sensor_type: "presence", value: 0 } },
    });
    expect(stateFromTopic(p, "zigbee2mqtt/hall/bulb", { state: "ON" }, T)).toMatchObject({
      value: { reading: { sensor_type: "light", value: 1 } },
    });
    expect(stateFromTopic(p, "zigbee2mqtt/hall/th", { temperature: 20 }, T)).toMatchObject({
      kind: "ignored",
    });
  });

  it("a pattern must name the room", () => {
    expect(() => compileStateTopicPattern("+/+kind")).toThrow(/must name the room with a \+room placeholder/);
  });
});
