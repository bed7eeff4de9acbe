// The availability payload format: the online/offline messages devices send (Tasmota's LWT, zigbee2mqtt's
// availability in both its forms, wills) become one availability reading, 1 online and 0 offline.
import { describe, expect, it } from "vitest";
import { adaptPayload } from "../../core/payload-adapters.js";

const ctx = { room: "kitchen", deviceId: "plug1", receivedAt: Date.parse("2026-11-27T21:00:00.000Z") };
const read = (text: string) => adaptPayload(Buffer.from(text), "availability", ctx);

describe("availability payloads", () => {
  it.each([
    ["Online", 1],
    ["Offline", 0],
    ["ONLINE", 1],
    [" offline\n", 0],
    ['{"state":"online"}', 1],
    ['{"state":"offline"}', 0],
    ['"offline"', 0],
    ["true", 1],
    ["false", 0],
    ["1", 1],
    ["0", 0],
  ])("%j -> value %i", (text, value) => {
    const r = read(text);
    expect(r.rejections).toEqual([]);
    expect(r.readings.map((t) => t.reading)).toEqual([
      {
        room: "kitchen",
        sensor_type: "availability",
        value,
        timestamp: "2026-11-27T21:00:00.000Z",
        device_id: "plug1",
      },
    ]);
  });

  it.each([
    ["Rebooting", "unsupported_payload", /not an availability message/],
    ['{"state":"ON"}', "unsupported_payload", /not an availability message/],
    ["", "empty_payload", /empty/],
    ['{"state":', "invalid_json", /invalid JSON/],
  ])("%j is rejected (%s)", (text, reason, detail) => {
    const r = read(text);
    expect(r.readings).toEqual([]);
    expect(r.rejections).toEqual([{ reason, detail: expect.stringMatching(detail) }]);
  });

  it("without a room (no +room, no room: template) the rejection names the field", () => {
    const r = adaptPayload(Buffer.from("Offline"), "availability", { deviceId: "plug1", receivedAt: 0 });
    expect(r.rejections).toEqual([{ reason: "invalid_reading", detail: expect.stringMatching(/room/) }]);
  });

  it("a rule's sensor_type names the reading's type", () => {
    const r = adaptPayload(Buffer.from("online"), "availability", { ...ctx, sensorType: "online" });
    expect(r.readings[0]?.reading.sensor_type).toBe("online");
  });
});
