// The detector and device availability: presence from a sensor that went offline is unknown presence,
// which never raises an anomaly and ends one that is open.
import { describe, expect, it } from "vitest";
import { LightPresenceDetector } from "../../core/light-presence.js";
import type { TimedReading } from "../../core/reading.js";

const T0 = Date.parse("2026-11-27T21:00:00.000Z");
const at = (ms: number) => new Date(T0 + ms).toISOString();

function rd(type: string, value: number, ms: number, device: string, room = "kitchen"): TimedReading {
  return { reading: { room, sensor_type: type, value, timestamp: at(ms), device_id: device }, time: T0 + ms };
}

function run(d: LightPresenceDetector, readings: TimedReading[]) {
  return readings.flatMap((r) => d.observe(r));
}

describe("light-presence and availability", () => {
  it("the presence sensor going offline ends an open anomaly: presence is unknown", () => {
    const d = new LightPresenceDetector();
    const events = run(d, [
      rd("light", 1, 0, "lamp"),
      rd("presence", 0, 1000, "pir"),
      rd("availability", 0, 5000, "pir"),
    ]);
    expect(events.map((e) => e.event)).toEqual(["anomaly_start", "anomaly_end"]);
    expect(events[1]).toMatchObject({ ended_at: at(5000), duration_s: 4 });
    expect(d.openAnomalies()).toEqual([]);
  });

  it("presence from an offline sensor counts as unknown until it is back online", () => {
    const d = new LightPresenceDetector();
    const offline = run(d, [
      rd("availability", 0, 0, "pir"),
      rd("light", 1, 1000, "lamp"),
      rd("presence", 0, 2000, "pir"), // e.g. a retained state delivered after the offline message
    ]);
    expect(offline).toEqual([]);
    const back = run(d, [rd("availability", 1, 3000, "pir"), rd("presence", 0, 4000, "pir")]);
    expect(back.map((e) => e.event)).toEqual(["anomaly_start"]);
  });

  it("another device going offline leaves the room's presence alone", () => {
    const d = new LightPresenceDetector();
    const events = run(d, [
      rd("light", 1, 0, "lamp"),
      rd("presence", 0, 1000, "pir"),
      rd("availability", 0, 2000, "plug"),
      rd("availability", 0, 2500, "pir", "hall"), // same device id, another room's report: not this presence
    ]);
    expect(events.map((e) => e.event)).toEqual(["anomaly_start"]);
    expect(d.openAnomalies()).toHaveLength(1);
  });
});
