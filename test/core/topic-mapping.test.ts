import { describe, expect, it } from "vitest";
import {
  compileMapping,
  DEFAULT_RULE,
  readingDefaults,
  recordAddress,
  sourceVars,
} from "../../core/topic-mapping.js";

const reading = {
  room: "kitchen",
  sensor_type: "temperature",
  value: 20,
  timestamp: "2026-11-27T21:00:00.000Z",
  device_id: "t1",
};

describe("compileMapping", () => {
  it("routes by the first matching rule, defaulting to the bridge topic keyed by room", () => {
    const m = compileMapping(
      [{ match: "home/+room/alarm", topic: "alarms", key: "{room}-{client_id}" }, DEFAULT_RULE],
      "home_sensors",
    );
    const alarm = m.match("home/hall/alarm");
    expect(alarm?.rule.index).toBe(0);
    const plain = m.match("home/kitchen/temperature");
    expect(plain?.rule.index).toBe(1);
    if (!plain) throw new Error("no match");
    const vars = sourceVars(plain, { topic: "home/kitchen/temperature", clientId: "c1" });
    expect(recordAddress(plain, vars, reading)).toEqual({
      ok: true,
      value: { topic: "home_sensors", key: "kitchen" },
    });
    if (!alarm) throw new Error("no match");
    const aVars = sourceVars(alarm, { topic: "home/hall/alarm", clientId: "c9" });
    expect(recordAddress(alarm, aVars, { ...reading, room: "hall" })).toEqual({
      ok: true,
      value: { topic: "alarms", key: "hall-c9" },
    });
    expect(m.match("garage/x")).toBeUndefined();
  });

  it("keys by the reading's room, not the topic's, when they differ", () => {
    const m = compileMapping([DEFAULT_RULE], "t");
    const hit = m.match("home/kitchen/temperature");
    if (!hit) throw new Error("no match");
    const r = recordAddress(hit, sourceVars(hit, { topic: "home/kitchen/temperature" }), {
      ...reading,
      room: "attic",
    });
    expect(r).toEqual({ ok: true, value: { topic: "t", key: "attic" } });
  });

  it("gives reading defaults from placeholders, rule templates, or the client id", () => {
    const m = compileMapping(
      [
        { match: "zigbee2mqtt/+room/+device", payload: "zigbee2mqtt" },
        { match: "sensors/+id", room: "garage", sensor_type: "temperature", device_id: "garage-{id}" },
        DEFAULT_RULE,
      ],
      "t",
    );
    const z = m.match("zigbee2mqtt/bedroom/aqara1");
    if (!z) throw new Error("no match");
    expect(readingDefaults(z, sourceVars(z, { topic: "", clientId: "c" }))).toEqual({
      ok: true,
      value: { room: "bedroom", sensorType: undefined, deviceId: "aqara1" },
    });
    const s = m.match("sensors/7");
    if (!s) throw new Error("no match");
    expect(readingDefaults(s, sourceVars(s, { topic: "sensors/7" }))).toEqual({
      ok: true,
      value: { room: "garage", sensorType: "temperature", deviceId: "garage-7" },
    });
    const h = m.match("home/kitchen/light");
    if (!h) throw new Error("no match");
    expect(readingDefaults(h, sourceVars(h, { topic: "home/kitchen/light", clientId: "lamp-3" }))).toEqual({
      ok: true,
      value: { room: "kitchen", sensorType: "light", deviceId: "lamp-3" },
    });
  });

  it("names the rule and field of a bad pattern or template", () => {
    expect(() => compileMapping([DEFAULT_RULE, { match: "a/#/b" }], "t")).toThrow(
      /rules\[1\]\.match: .*last level/,
    );
    expect(() => compileMapping([{ match: "a/+x", key: "{y}" }], "t")).toThrow(
      /rules\[0\]\.key: "\{y\}" is neither/,
    );
    expect(() => compileMapping([{ match: "a/+x", room: "{sensor_type}" }], "t")).toThrow(/rules\[0\]\.room/);
  });
});
