import { describe, expect, it } from "vitest";
import { adaptPayload } from "../../core/payload-adapters.js";

const AT = Date.parse("2026-11-27T21:00:00.000Z");
const ctx = { room: "kitchen", sensorType: "temperature", deviceId: "dev1", receivedAt: AT };
const bytes = (s: string) => Buffer.from(s, "utf8");

describe("adaptPayload", () => {
  it("rejects a reading naming another room or sensor type than the topic's", () => {
    const other = bytes('{"room":"living_room","sensor_type":"humidity","value":41.5,"device_id":"h1"}');
    expect(adaptPayload(other, "auto", ctx)).toEqual({
      readings: [],
      rejections: [
        {
          reason: "room_mismatch",
          detail: 'room: the payload names "living_room", but the topic is for "kitchen"',
        },
        {
          reason: "sensor_type_mismatch",
          detail: 'sensor_type: the payload names "humidity", but the topic is for "temperature"',
        },
      ],
    });
    const otherSensor = bytes('{"room":"kitchen","sensor_type":"presence","value":0}');
    expect(adaptPayload(otherSensor, "reading", ctx).rejections.map((r) => r.reason)).toEqual([
      "sensor_type_mismatch",
    ]);
    // Not a string is not the topic's room either.
    expect(adaptPayload(bytes('{"room":7,"value":1}'), "auto", ctx).rejections[0]?.reason).toBe(
      "room_mismatch",
    );
    // Repeating the topic's room and sensor, or a rule that sets neither: read as usual.
    const same = bytes('{"room":"kitchen","sensor_type":"temperature","value":20}');
    expect(adaptPayload(same, "auto", ctx).readings).toHaveLength(1);
    expect(adaptPayload(other, "auto", { receivedAt: AT }).readings[0]?.reading.room).toBe("living_room");
  });

  it("reads a canonical reading, its own fields winning over the topic's when the rule trusts the payload", () => {
    const r = adaptPayload(
      bytes(
        '{"room":"living_room","sensor_type":"humidity","value":41.5,"timestamp":"2026-11-27T20:59:00Z","device_id":"h1"}',
      ),
      "auto",
      { ...ctx, trustPayload: true },
    );
    expect(r.rejections).toEqual([]);
    expect(r.readings).toEqual([
      {
        reading: {
          room: "living_room",
          sensor_type: "humidity",
          value: 41.5,
          timestamp: "2026-11-27T20:59:00.000Z",
          device_id: "h1",
        },
        time: Date.parse("2026-11-27T20:59:00Z"),
      },
    ]);
  });

  it("fills what a reading object omits from the topic and the receive time", () => {
    const r = adaptPayload(bytes('{"value":21}'), "auto", ctx);
    expect(r.readings[0]?.reading).toEqual({
      room: "kitchen",
      sensor_type: "temperature",
      value: 21,
      timestamp: "2026-11-27T21:00:00.000Z",
      device_id: "dev1",
    });
  });

  it("reads bare numbers and ON/OFF/true/false with room and sensor from the topic", () => {
    expect(adaptPayload(bytes(" 22.5\n"), "auto", ctx).readings[0]?.reading.value).toBe(22.5);
    const light = { ...ctx, sensorType: "light" };
    expect(adaptPayload(bytes("ON"), "auto", light).readings[0]?.reading.value).toBe(1);
    expect(adaptPayload(bytes("off"), "auto", light).readings[0]?.reading.value).toBe(0);
    expect(adaptPayload(bytes("true"), "value", light).readings[0]?.reading.value).toBe(1);
    expect(adaptPayload(bytes('"OFF"'), "auto", light).readings[0]?.reading.value).toBe(0);
    // Without a device id from the topic or client, one is made from room and sensor.
    const r = adaptPayload(bytes("1"), "auto", { room: "hall", sensorType: "presence", receivedAt: AT });
    expect(r.readings[0]?.reading.device_id).toBe("hall_presence");
  });

  it("turns a zigbee2mqtt object into one reading per known field", () => {
    const r = adaptPayload(
      bytes(
        '{"temperature":19.2,"humidity":55,"occupancy":true,"illuminance":120,"state":"OFF","battery":97}',
      ),
      "auto",
      { room: "bedroom", deviceId: "0x00158d0001", receivedAt: AT },
    );
    expect(r.rejections).toEqual([]);
    expect(r.readings.map((x) => [x.reading.sensor_type, x.reading.value])).toEqual([
      ["temperature", 19.2],
      ["humidity", 55],
      ["presence", 1],
      ["illuminance", 120],
      ["light", 0],
    ]);
    expect(new Set(r.readings.map((x) => x.reading.device_id))).toEqual(new Set(["0x00158d0001"]));
  });

  it("keeps the good fields of a zigbee object and rejects the bad ones by name", () => {
    const r = adaptPayload(bytes('{"temperature":"warm","humidity":50}'), "zigbee2mqtt", {
      room: "bedroom",
      receivedAt: AT,
    });
    expect(r.readings.map((x) => x.reading.sensor_type)).toEqual(["humidity"]);
    expect(r.rejections).toEqual([
      { reason: "invalid_reading", detail: "temperature: value: must be a finite number, got string" },
    ]);
  });

  it.each([
    ["", "empty_payload"],
    ["   ", "empty_payload"],
    ["{nope", "invalid_json"],
    ['{"value":"hot"}', "invalid_reading"],
    ["NaN", "invalid_reading"],
    ["-Infinity", "invalid_reading"],
    ['{"value":1e999}', "invalid_reading"],
    ["[1,2]", "unsupported_payload"],
    ["null", "unsupported_payload"],
    ['{"battery":90}', "unsupported_payload"],
    ["warm", "unsupported_payload"],
    ["0x10", "unsupported_payload"],
    ["ON", "invalid_reading"],
  ])("rejects %j as %s", (text, reason) => {
    const r = adaptPayload(bytes(text), "auto", ctx);
    expect(r.readings).toEqual([]);
    expect(r.rejections.map((x) => x.reason)).toEqual([reason]);
  });

  it("rejects invalid UTF-8", () => {
    const r = adaptPayload(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), "auto", ctx);
    expect(r.rejections[0]?.reason).toBe("invalid_utf8");
  });

  it("is not fooled by __proto__ keys", () => {
    const r = adaptPayload(bytes('{"__proto__":{"value":5,"room":"x"}}'), "auto", ctx);
    expect(r.readings).toEqual([]);
    expect(r.rejections[0]?.reason).toBe("unsupported_payload");
    const withValue = adaptPayload(bytes('{"value":5,"__proto__":{"room":"evil"}}'), "auto", ctx);
    expect(withValue.readings[0]?.reading.room).toBe("kitchen");
    expect(({} as Record<string, unknown>).room).toBeUndefined();
  });

  it("survives deep nesting", () => {
    const deep = `${"[".repeat(100_000)}${"]".repeat(100_000)}`;
    expect(adaptPayload(bytes(deep), "auto", ctx).rejections[0]?.reason).toMatch(
      /unsupported_payload|invalid_json/,
    );
    const deepValue = `{"value":${"[".repeat(50_000)}${"]".repeat(50_000)}}`;
    expect(adaptPayload(bytes(deepValue), "auto", ctx).rejections[0]?.reason).toBe("invalid_reading");
  });

  it("honours the rule's format", () => {
    expect(adaptPayload(bytes("21"), "reading", ctx).rejections[0]?.reason).toBe("unsupported_payload");
    expect(adaptPayload(bytes('{"value":21}'), "value", ctx).rejections[0]?.reason).toBe(
      "unsupported_payload",
    );
  });
});
