// windowed-stats and light-presence keep their state across a redeploy, on the real Node-RED
// runtime (node-red-node-test-helper): a full deploy closes and recreates every node, as the
// editor's Deploy button does. Each scenario is compared with the same readings run without the
// redeploy. (A killed and restarted process, with the file store, is test/start/state.e2e.test.ts.)
import { afterEach, describe, expect, it } from "vitest";
import { WindowEngine } from "../../core/window-engine.js";
import { snapshotWindowEngine } from "../../core/window-state.js";
import lightPresence from "../../nodes/light-presence/light-presence.js";
import windowedStats from "../../nodes/windowed-stats/windowed-stats.js";
import { collector, flowWithCatch, globalContext, helper, statusOf } from "./runtime.js";

afterEach(async () => {
  await helper.unload();
});

const T0 = Date.UTC(2026, 10, 27, 21, 0, 0);
const iso = (ms: number) => new Date(T0 + ms).toISOString();
const reading = (room: string, sensor_type: string, value: number, ms: number) => ({
  room,
  sensor_type,
  value,
  timestamp: iso(ms),
  device_id: `${room}_${sensor_type}_001`,
});

function flow(stats: Record<string, unknown> = {}, lp: Record<string, unknown> = {}, name = "") {
  return flowWithCatch([
    {
      id: "stats",
      type: "hs-windowed-stats",
      name,
      window: "60s",
      watermark: "0s",
      sensors: "temperature",
      wires: [["results"], []],
      ...stats,
    },
    { id: "lp", type: "hs-light-presence", name, wires: [["events"]], ...lp },
    { id: "results", type: "helper" },
    { id: "events", type: "helper" },
  ]);
}
const nodes = [windowedStats, lightPresence];

/** Readings before and after the cut: a window and an anomaly are open across it. */
const before = [
  reading("kitchen", "temperature", 20, 1_000),
  reading("kitchen", "presence", 0, 2_000),
  reading("kitchen", "light", 1, 3_000),
  reading("kitchen", "temperature", 22, 10_000),
];
const after = [
  reading("kitchen", "light", 1, 20_000), // the light reports again: no second anomaly_start
  reading("kitchen", "temperature", 24, 30_000),
  reading("kitchen", "light", 0, 45_000),
  reading("kitchen", "temperature", 30, 61_000), // closes the first window
];

function feed(payloads: readonly Record<string, unknown>[]) {
  for (const payload of payloads) {
    helper.getNode("stats").receive({ payload });
    helper.getNode("lp").receive({ payload });
  }
}

/** Payloads node `id` sent on its first output so far (the helper records every send), once there are `n`. */
async function eventuallySent(id: string, n: number, timeoutMs = 5000): Promise<unknown[]> {
  type Sent = Array<Array<{ payload: unknown }> | null>;
  const spy = (
    helper as unknown as {
      _NodePrototype: { send: { getCalls(): { thisValue: { id: string }; args: [Sent] }[] } };
    }
  )._NodePrototype.send;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const got = spy
      .getCalls()
      .filter((c) => c.thisValue.id === id)
      .flatMap((c) => (c.args[0][0] ?? []).map((m) => m.payload));
    if (got.length >= n) return got;
    if (Date.now() > deadline)
      throw new Error(`node ${id}: ${got.length} of ${n} messages after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe("state across a redeploy", () => {
  it("a full redeploy mid-window and mid-anomaly gives what one uninterrupted run gives", async () => {
    await helper.load(nodes, flow());
    let results = collector("results");
    let events = collector("events");
    feed(before);
    feed(after);
    await results.waitFor(1);
    await events.waitFor(2);
    const uninterrupted = {
      results: results.msgs.map((m) => m.payload),
      events: events.msgs.map((m) => m.payload),
    };
    expect(uninterrupted.events.map((e) => (e as { event: string }).event)).toEqual([
      "anomaly_start",
      "anomaly_end",
    ]);
    await helper.unload();

    await helper.load(nodes, flow());
    events = collector("events");
    feed(before);
    const [started] = await events.waitFor(1);
    // A full deploy (the name changed, so every node is recreated): each closes, saving its state.
    await helper.setFlows(flow({}, {}, "renamed"), "full");
    results = collector("results");
    events = collector("events");
    feed(after);
    await results.waitFor(1);
    await events.waitFor(1);
    const resumed = {
      results: results.msgs.map((m) => m.payload),
      events: [started?.payload, ...events.msgs.map((m) => m.payload)],
    };
    expect(resumed).toEqual(uninterrupted);
    expect(resumed.events[1]).toMatchObject({ event: "anomaly_end", since: iso(3_000), duration_s: 42 });
    expect(resumed.results[0]).toMatchObject({ count: 3, avg_value: 22, window_start: iso(0) });
  });

  it("a configuration change discards the state, and the status says so", async () => {
    await helper.load(nodes, flow());
    const events = collector("events");
    feed(before);
    await events.waitFor(1);
    await helper.setFlows(flow({ window: "30s" }, { grace: "1s" }), "full");
    await statusOf(
      "stats",
      (s) => s.fill === "yellow" && s.text?.startsWith("hs-windowed-stats.status.stateConfig") === true,
    );
    await statusOf("lp", (s) => s.fill === "yellow" && s.text === "hs-light-presence.status.stateConfig");
    // Only what came after the change counts.
    const results = collector("results");
    feed([reading("kitchen", "temperature", 24, 31_000), reading("kitchen", "temperature", 30, 61_000)]);
    const [first] = await results.waitFor(1);
    expect(first?.payload).toMatchObject({ window_start: iso(30_000), count: 1, avg_value: 24 });
  });

  it("a deleted node's state goes with it; 'none' keeps no state", async () => {
    await helper.load(nodes, flow());
    const events = collector("events");
    feed(before);
    await events.waitFor(1);
    await helper.setFlows(flow({ stateStore: "none" }, { stateStore: "none" }, "x"), "full");
    // A store of "none" neither loads nor saves: the light alone, without presence, raises nothing,
    // and the temperature of the same window starts a count of 1.
    const results = collector("results");
    const lpEvents = collector("events");
    feed([reading("kitchen", "light", 1, 20_000), reading("kitchen", "temperature", 24, 30_000)]);
    feed([reading("kitchen", "temperature", 30, 61_000)]);
    const [r] = await results.waitFor(1);
    expect(r?.payload).toMatchObject({ count: 1, avg_value: 24 });
    expect(lpEvents.msgs).toEqual([]);

    // With the default store again: the state saved before the "none" deploy is still there...
    const state = globalContext().get("homestream_state") as Record<string, unknown>;
    expect(Object.keys(state).sort()).toEqual(["lp", "stats"]);
    // ...until the nodes are deleted from the flow: the next of our nodes to start removes them.
    await helper.setFlows(
      flowWithCatch([{ id: "other", type: "hs-windowed-stats", wires: [[], []] }]),
      "full",
    );
    await statusOf("other", (s) => s.text === "hs-windowed-stats.status.counts");
    expect(globalContext().get("homestream_state")).toEqual({});
  });

  it("windows whose idle close passed while it was down are emitted once on restore", async () => {
    // A state saved ten minutes ago, with one open window: longer than the idle close (1m).
    const engine = new WindowEngine({ windowMs: 60_000, sensorTypes: ["temperature"] });
    engine.add(reading("kitchen", "temperature", 21, 1_000), T0 + 1_000);
    const savedAt = Date.now() - 600_000;
    await helper.load(nodes, flowWithCatch([]));
    globalContext().set("homestream_state", {
      stats: { savedAt, body: { engine: snapshotWindowEngine(engine), lastReadingAt: savedAt } },
    });
    await helper.setFlows(flow({ idle: "1m" }), "full");
    // Sent while the flow starts, before a collector could listen: read it from the runtime's record.
    const [r] = await eventuallySent("stats", 1);
    expect(r).toMatchObject({ window_start: iso(0), count: 1, avg_value: 21 });
    // The state without that window was saved at once: a redeploy does not send it again.
    await helper.setFlows(flow({ idle: "1m" }, {}, "again"), "full");
    const results = collector("results");
    feed([reading("kitchen", "temperature", 5, 200_000), reading("kitchen", "temperature", 6, 400_000)]);
    // The next window out is the one the new readings closed, not the first one again.
    const [next] = await results.waitFor(1);
    expect(next?.payload).toMatchObject({ window_start: iso(180_000), count: 1 });
  });

  it("a corrupt saved state is reported and discarded; the node works on", async () => {
    await helper.load(nodes, flowWithCatch([]));
    globalContext().set("homestream_state", {
      stats: {
        savedAt: 1,
        body: { engine: { kind: "homestream.window-engine", version: 1, config: {}, body: {} } },
      },
      lp: "garbage",
    });
    await helper.setFlows(flow(), "full");
    await statusOf("lp", (s) => s.text === "hs-light-presence.status.stateCorrupt");
    await statusOf("stats", (s) => s.text?.startsWith("hs-windowed-stats.status.stateConfig") === true);
    const events = collector("events");
    feed(before);
    const [start] = await events.waitFor(1);
    expect(start?.payload).toMatchObject({ event: "anomaly_start", since: iso(3_000) });
  });
});
