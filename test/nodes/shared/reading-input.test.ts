import { describe, expect, it } from "vitest";
import { readingFromPayload } from "../../../nodes/shared/reading-input.js";

describe("readingFromPayload", () => {
  it("leaves the rest to the schema, reasons and all", () => {
    expect(
      readingFromPayload(
        { room: "k", sensor_type: "light", value: "ON", timestamp: 0, device_id: "d" },
        "UTC",
      ),
    ).toEqual({
      ok: true,
      value: {
        reading: {
          room: "k",
          sensor_type: "light",
          value: 1,
          timestamp: "1970-01-01T00:00:00.000Z",
          device_id: "d",
        },
        time: 0,
      },
    });
    expect(readingFromPayload({ room: "k", sensor_type: "light", value: 2 }, "UTC")).toEqual({
      ok: false,
      reason: "invalid reading: timestamp: is required; device_id: is required",
    });
  });
});
