// windowed-stats in *any message* mode on the real Node-RED runtime: bare values from
// msg.payload, JSONata values, event time from a property, non-numeric values, and a flow fed by
// Node-RED's own `mqtt in` node from an embedded aedes broker with bare-number payloads.
import { createRequire } from "node:module";
import { connectAsync } from "mqtt";
import { afterEach, describe, expect, it } from "vitest";
import windowedStats from "../../../nodes/windowed-stats/windowed-stats.js";
import { type AedesServer, startAedes } from "../aedes-server.js";
import { collector, flowWithCatch, helper, message, messages, statusOf } from "../runtime.js";

const mqttNodes = createRequire(import.meta.url)("@node-red/nodes/core/network/10-mqtt.js");

afterEach(async () => {
  await helper.unload();
});

function flow(config: Record<string, unknown> = {}) {
  return flowWithCatch([
    {
      id: "ws",
      type: "hs-windowed-stats",
      wires: [["results"], ["rejected"]],
      window: "1h",
      inputMode: "message",
      ...config,
    },
    { id: "results", type: "helper" },
    { id: "rejected", type: "helper" },
  ]);
}

const T0 = Date.UTC(2026, 10, 27, 21, 0, 0);

describe("hs-windowed-stats, any message", () => {
  it("takes bare numbers from msg.payload, one series per msg.topic, with sum and sample stddev", async () => {
    await helper.load(windowedStats, flow());
    const ws = helper.getNode("ws");
    const out = messages("results", 2);
    for (const v of [1, 2, 3]) ws.receive({ topic: "kitchen/temperature", payload: v });
    ws.receive({ topic: "hall", payload: "10.5" }); // numeric text counts as its number
    ws.receive({ flush: true });
    const msgs = await out;
    const bySeries = new Map(msgs.map((m) => [m.topic, m.payload as Record<string, unknown>]));
    expect(bySeries.get("kitchen/temperature")).toMatchObject({
      series: "kitchen/temperature",
      avg_value: 2,
      min_value: 1,
      max_value: 3,
      count: 3,
      sum_value: 6,
      stddev_value: 1,
    });
    expect(bySeries.get("hall")).toMatchObject({
      series: "hall",
      count: 1,
      sum_value: 10.5,
      stddev_value: null,
    });
    expect(Object.keys(bySeries.get("hall") as object)).toEqual([
      "window_start",
      "window_end",
      "series",
      "avg_value",
      "min_value",
      "max_value",
      "count",
      "sum_value",
      "stddev_value",
    ]);
  });

  it("JSONata value and series, event time from a property: windows follow that time", async () => {
    await helper.load(
      windowedStats,
      flow({
        window: "60s",
        valueProp: "payload.temp",
        valuePropType: "jsonata",
        seriesProp: "payload.sensor",
        seriesPropType: "jsonata",
        timeProp: "ts",
        timePropType: "msg",
      }),
    );
    const ws = helper.getNode("ws");
    const out = messages("results", 1);
    ws.receive({ ts: T0 + 1000, payload: { sensor: "s1", temp: 20 } });
    ws.receive({ ts: new Date(T0 + 30_000).toISOString(), payload: { sensor: "s1", temp: 22 } });
    ws.receive({ ts: T0 + 61_000, payload: { sensor: "s1", temp: 99 } }); // next window: closes the first
    const [first] = await out;
    expect(first?.payload).toMatchObject({
      window_start: "2026-11-27T21:00:00.000Z",
      window_end: "2026-11-27T21:01:00.000Z",
      series: "s1",
      avg_value: 21,
      count: 2,
      sum_value: 42,
      stddev_value: Math.SQRT2,
    });
  });

  it("a value that is not a number goes to output 2, is counted in the status and logged once", async () => {
    await helper.load(windowedStats, flow());
    const ws = helper.getNode("ws");
    const warnings: unknown[] = [];
    ws.on("call:warn", ((call: { args: unknown[] }) => warnings.push(call.args[0])) as (
      ...a: never[]
    ) => void);
    const rejected = messages("rejected", 2);
    ws.receive({ topic: "a", payload: "warm" });
    ws.receive({ topic: "a", payload: { temp: 1 } });
    const results = message("results");
    ws.receive({ topic: "a", payload: 4 });
    ws.receive({ flush: true });
    const bad = await rejected;
    expect(bad.map((m) => (m.invalid as { reason: string }).reason)).toEqual([
      'value: not a number: "warm"',
      "value: not a number: object",
    ]);
    expect((await results).payload).toMatchObject({ series: "a", count: 1 }); // good data beside it kept
    // (the test helper shows catalog keys, not their English text)
    await statusOf("ws", (s) => s.shape === "ring" && s.text === "hs-windowed-stats.status.countsInvalid");
    expect(warnings).toHaveLength(1);
  });

  it("a bad event time is an error to Catch nodes naming the field", async () => {
    await helper.load(windowedStats, flow({ timeProp: "ts", timePropType: "msg" }));
    const caught = message("caught");
    helper.getNode("ws").receive({ topic: "a", payload: 1, ts: "yesterday" });
    expect((await caught).error?.message).toMatch(/event time: "yesterday" is not an ISO 8601 date-time/);
  });

  it("refuses a configuration naming an unknown property type", async () => {
    await helper.load(windowedStats, flow({ valuePropType: "flow" }));
    const caught = message("caught");
    helper.getNode("ws").receive({ payload: 1 });
    expect((await caught).error?.message).toMatch(
      /valueProp: value: the property type must be one of msg, jsonata/,
    );
  });
});

describe("hs-windowed-stats fed by Node-RED's mqtt in node", () => {
  let broker: AedesServer | undefined;

  afterEach(async () => {
    await broker?.close();
    broker = undefined;
  });

  it("bare-number payloads published to an embedded aedes broker become window results per topic", async () => {
    broker = await startAedes();
    const port = broker.port;

    await helper.load(
      [mqttNodes, windowedStats],
      flowWithCatch([
        { id: "broker", type: "mqtt-broker", config: true, broker: "127.0.0.1", port, protocolVersion: 4 },
        {
          id: "in",
          type: "mqtt in",
          broker: "broker",
          topic: "home/+/+",
          qos: "1",
          datatype: "auto-detect",
          wires: [["ws", "seen"]],
        },
        {
          id: "ws",
          type: "hs-windowed-stats",
          inputMode: "message",
          window: "24h",
          wires: [["results"], ["rejected"]],
        },
        { id: "seen", type: "helper" },
        { id: "results", type: "helper" },
        { id: "rejected", type: "helper" },
      ]),
    );
    await statusOf("in", (s) => s.fill === "green"); // subscribed
    const seen = collector("seen");
    const client = await connectAsync(`mqtt://127.0.0.1:${port}`);
    try {
      const sent: Record<string, number[]> = {
        "home/kitchen/temperature": [20.5, 21, 21.5, 22],
        "home/hall/humidity": [40, 50],
      };
      for (const [topic, values] of Object.entries(sent)) {
        for (const v of values) await client.publishAsync(topic, String(v), { qos: 1 });
      }
      const arrived = await seen.waitFor(6);
      expect(arrived.map((m) => typeof m.payload)).toEqual(Array(6).fill("number")); // bare numbers
      // The mqtt node wired ws before `seen`, so ws has every message now: close the windows.
      const out = collector("results");
      helper.getNode("ws").receive({ flush: true });
      const results = await out.waitFor(2);
      const bySeries = new Map<string, { count: number; sum: number }>();
      for (const r of results) {
        const p = r.payload as { series: string; count: number; sum_value: number };
        const acc = bySeries.get(p.series) ?? { count: 0, sum: 0 };
        bySeries.set(p.series, { count: acc.count + p.count, sum: acc.sum + p.sum_value });
      }
      expect(Object.fromEntries(bySeries)).toEqual({
        "home/kitchen/temperature": { count: 4, sum: 85 },
        "home/hall/humidity": { count: 2, sum: 90 },
      });
    } finally {
      await client.endAsync();
    }
  });
});
