import { afterEach, describe, expect, it } from "vitest";
import lightPresence from "../../nodes/light-presence/light-presence.js";
import { flowWithCatch, helper, message, messages, statusOf } from "./runtime.js";

afterEach(async () => {
  await helper.unload();
});

function flow(config: Record<string, unknown> = {}) {
  return flowWithCatch([
    { id: "lp", type: "hs-light-presence", wires: [["events"]], ...config },
    { id: "events", type: "helper" },
  ]);
}

const reading = (room: string, sensor: "light" | "presence", value: number, time: number) => ({
  room,
  sensor_type: sensor,
  value,
  timestamp: new Date(time).toISOString(),
  device_id: `${room}_${sensor}_001`,
});
const feed = (...payloads: unknown[]) => {
  const lp = helper.getNode("lp");
  for (const payload of payloads) lp.receive({ payload });
};
const T0 = Date.UTC(2026, 10, 27, 21, 0, 0);

describe("hs-light-presence", () => {
  it("starts an anomaly when the light is on in an empty room, and ends it", async () => {
    await helper.load(lightPresence, flow());
    const out = messages("events", 2);
    feed(reading("kitchen", "presence", 0, T0), reading("kitchen", "light", 1, T0 + 1000));
    await statusOf("lp", (s) => s.fill === "yellow" && s.text === "hs-light-presence.status.active");
    feed(reading("kitchen", "presence", 1, T0 + 313_000));
    const msgs = await out;
    await statusOf("lp", (s) => s.fill === "green");
    expect(msgs.map((m) => [m.topic, m.payload])).toEqual([
      [
        "kitchen/anomaly_start",
        {
          event: "anomaly_start",
          room: "kitchen",
          since: "2026-11-27T21:00:01.000Z",
          detected_at: "2026-11-27T21:00:01.000Z",
          light_device_id: "kitchen_light_001",
          presence_device_id: "kitchen_presence_001",
        },
      ],
      [
        "kitchen/anomaly_end",
        {
          event: "anomaly_end",
          room: "kitchen",
          since: "2026-11-27T21:00:01.000Z",
          ended_at: "2026-11-27T21:05:13.000Z",
          duration_s: 312,
        },
      ],
    ]);
  });

  it("lets a grace period run out on the wall clock while no readings arrive", async () => {
    await helper.load(lightPresence, flow({ grace: "300ms" }));
    const out = message("events", 5000);
    const now = Date.now();
    feed(reading("hall", "presence", 0, now), reading("hall", "light", 1, now));
    const msg = await out;
    expect(msg.payload).toMatchObject({
      event: "anomaly_start",
      room: "hall",
      since: new Date(now).toISOString(),
      detected_at: new Date(now + 300).toISOString(),
    });
  });

  it("reminds while an anomaly lasts", async () => {
    await helper.load(lightPresence, flow({ reminder: "60s" }));
    const out = messages("events", 3);
    feed(
      reading("bath", "presence", 0, T0),
      reading("bath", "light", 1, T0),
      reading("bath", "presence", 0, T0 + 125_000),
    );
    const msgs = await out;
    expect(msgs.map((m) => (m.payload as { event: string }).event)).toEqual([
      "anomaly_start",
      "anomaly_reminder",
      "anomaly_reminder",
    ]);
  });

  it("forgets everything on msg.reset", async () => {
    await helper.load(lightPresence, flow());
    const lp = helper.getNode("lp");
    const out = messages("events", 2);
    feed(reading("k", "presence", 0, T0), reading("k", "light", 1, T0));
    const cleared = statusOf("lp", (s) => s.fill === "green");
    lp.receive({ reset: true, payload: 1 });
    await cleared;
    // presence is unknown again after the reset: the light alone raises nothing
    feed(reading("k", "light", 1, T0 + 1000), reading("k", "presence", 0, T0 + 2000));
    const msgs = await out;
    expect(msgs.map((m) => (m.payload as { since: string }).since)).toEqual([
      "2026-11-27T21:00:00.000Z",
      "2026-11-27T21:00:02.000Z",
    ]);
  });

  it("reports an invalid reading to a Catch node", async () => {
    await helper.load(lightPresence, flow());
    const caught = message("caught");
    feed({ room: "k", sensor_type: "light", value: 2, timestamp: T0, device_id: "x" });
    expect((await caught).error?.message).toBe(
      "Error: invalid reading: value: must be 0 or 1 for light, got 2",
    );
  });

  it("reports an invalid configuration", async () => {
    await helper.load(lightPresence, flow({ grace: "soon", timeZone: "Mars/Olympus" }));
    const caught = message("caught");
    feed(reading("k", "light", 1, T0));
    const text = (await caught).error?.message;
    expect(text).toMatch(/grace: invalid duration "soon"/);
    expect(text).toMatch(/timeZone: unknown time zone "Mars\/Olympus"/);
  });
});
