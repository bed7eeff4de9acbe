import { afterEach, describe, expect, it } from "vitest";
import windowedStats from "../../nodes/windowed-stats/windowed-stats.js";
import { flowWithCatch, helper, message, messages } from "./runtime.js";

afterEach(async () => {
  await helper.unload();
});

function flow(config: Record<string, unknown> = {}) {
  return flowWithCatch([
    { id: "ws", type: "hs-windowed-stats", wires: [["results"], ["late"]], ...config },
    { id: "results", type: "helper" },
    { id: "late", type: "helper" },
  ]);
}

const T0 = Date.UTC(2026, 10, 27, 21, 0, 0);
const reading = (room: string, sensor: string, value: number, offsetMs: number) => ({
  room,
  sensor_type: sensor,
  value,
  timestamp: new Date(T0 + offsetMs).toISOString(),
  device_id: `${room}_${sensor}_001`,
});
const feed = (...payloads: unknown[]) => {
  const ws = helper.getNode("ws");
  for (const payload of payloads) ws.receive({ payload });
};

describe("hs-windowed-stats", () => {
  it("emits each tumbling window once, final, when the watermark passes its end", async () => {
    await helper.load(
      windowedStats,
      flow({ window: "60s", watermark: "10s", sensors: "temperature, humidity" }),
    );
    const out = messages("results", 2);
    feed(
      reading("kitchen", "temperature", 20, 1000),
      reading("kitchen", "temperature", 24, 30_000),
      reading("kitchen", "humidity", 50, 59_000),
      reading("kitchen", "light", 1, 5000), // not a selected sensor type
      JSON.stringify(reading("kitchen", "temperature", 22, 65_000)), // JSON text works too
      reading("kitchen", "temperature", 30, 70_000), // watermark 60 s: the first window closes
    );
    const msgs = await out;
    expect(msgs.map((m) => [m.topic, m.payload])).toEqual([
      [
        "kitchen/humidity",
        {
          window_start: "2026-11-27T21:00:00.000Z",
          window_end: "2026-11-27T21:01:00.000Z",
          room: "kitchen",
          sensor_type: "humidity",
          avg_value: 50,
          min_value: 50,
          max_value: 50,
          count: 1,
          sum_value: 50,
          stddev_value: null,
        },
      ],
      [
        "kitchen/temperature",
        {
          window_start: "2026-11-27T21:00:00.000Z",
          window_end: "2026-11-27T21:01:00.000Z",
          room: "kitchen",
          sensor_type: "temperature",
          avg_value: 22,
          min_value: 20,
          max_value: 24,
          count: 2,
          sum_value: 44,
          stddev_value: 2 * Math.SQRT2, // sample stddev of 20 and 24: sqrt(8 / 1)
        },
      ],
    ]);
  });

  it("sends a reading for a closed window to the second output", async () => {
    await helper.load(windowedStats, flow({ window: "60s" }));
    const late = message("late");
    feed(reading("hall", "temperature", 20, 61_000), reading("hall", "temperature", 19, 1000));
    const msg = await late;
    expect((msg.payload as { value: number }).value).toBe(19);
    expect(msg.late).toEqual({ watermark: "2026-11-27T21:01:01.000Z" });
  });

  it("groups by the chosen columns and keeps every sensor type when none is chosen", async () => {
    await helper.load(
      windowedStats,
      flow({ window: "10s", groupRoom: false, groupSensor: true, sensors: "" }),
    );
    const out = messages("results", 2);
    feed(
      reading("a", "light", 1, 0),
      reading("b", "light", 0, 1000),
      reading("a", "presence", 1, 2000),
      reading("b", "presence", 1, 20_000),
    );
    const msgs = await out;
    expect(msgs.map((m) => [m.topic, (m.payload as { count: number }).count])).toEqual([
      ["light", 2],
      ["presence", 1],
    ]);
    expect(msgs[0]?.payload).not.toHaveProperty("room");
  });

  it("emits sliding windows", async () => {
    await helper.load(windowedStats, flow({ window: "20s", slide: "10s" }));
    const out = messages("results", 2);
    feed(reading("k", "temperature", 10, 15_000), reading("k", "temperature", 10, 40_000));
    const msgs = await out;
    // 15 s lies in [0 s, 20 s) and [10 s, 30 s); the watermark at 40 s closes both
    expect(msgs.map((m) => (m.payload as { window_start: string }).window_start)).toEqual([
      "2026-11-27T21:00:00.000Z",
      "2026-11-27T21:00:10.000Z",
    ]);
  });

  it("in update mode, emits changed windows on its wall-clock trigger", async () => {
    await helper.load(windowedStats, flow({ window: "60s", mode: "update", trigger: "50ms" }));
    const out = message("results");
    feed(reading("k", "temperature", 21, 0), reading("k", "temperature", 23, 1000));
    const msg = await out;
    expect(msg.payload).toMatchObject({ avg_value: 22, count: 2 });
  });

  it("closes every window after the idle timeout", async () => {
    await helper.load(windowedStats, flow({ window: "60s", idle: "100ms" }));
    const out = message("results");
    feed(reading("k", "humidity", 40, 0));
    expect((await out).payload).toMatchObject({ avg_value: 40, count: 1 });
  });

  it("flushes on msg.flush and forgets everything on msg.reset", async () => {
    await helper.load(windowedStats, flow({ window: "60s" }));
    const ws = helper.getNode("ws");
    const first = message("results");
    feed(reading("k", "temperature", 20, 0));
    ws.receive({ flush: true, payload: 1_700_000_000_000 }); // an inject node's timestamp payload
    expect((await first).payload).toMatchObject({ count: 1 });
    // after a reset the same window opens again (a flushed one would make it late)
    const second = message("results");
    ws.receive({ reset: true });
    feed(reading("k", "temperature", 30, 0));
    ws.receive({ flush: true });
    expect((await second).payload).toMatchObject({ avg_value: 30, count: 1 });
  });

  it("reports an invalid reading, naming the field, to a Catch node", async () => {
    await helper.load(windowedStats, flow());
    const caught = message("caught");
    feed({ ...reading("k", "temperature", 20, 0), value: "hot" });
    expect((await caught).error?.message).toBe(
      "Error: invalid reading: value: must be a finite number, got string",
    );
  });

  it("reports an invalid configuration", async () => {
    await helper.load(windowedStats, flow({ window: "10s", slide: "20s", mode: "sometimes" }));
    let caught = message("caught");
    feed(reading("k", "temperature", 20, 0));
    expect((await caught).error?.message).toMatch(/mode: must be one of append, update/);
    await helper.unload();
    await helper.load(windowedStats, flow({ window: "10s", slide: "20s" }));
    caught = message("caught");
    feed(reading("k", "temperature", 20, 0));
    expect((await caught).error?.message).toMatch(/slide: must be at most/);
  });
});
