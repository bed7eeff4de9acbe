// The embedded broker's wills and availability messages into the real Kafka broker (with the ingest
// worker, as `homestream bridge` and `homestream start --kafka-brokers` run): a will that is a valid
// reading is a reading in Kafka, an availability message an availability reading, while subscribers
// get both as MQTT messages.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { kafka, noBroker } from "../kafka/helpers.js";
import { connect, readTopic, startTestBridge, type TestBridge } from "./helpers.js";

describe.skipIf(noBroker)("wills and availability -> Kafka", () => {
  let t: TestBridge;
  beforeAll(async () => {
    t = await startTestBridge(kafka.brokers, {
      unmatched: "ignore",
      rules: [
        { match: "tele/+room/+device/LWT", payload: "availability" },
        { match: "home/+room/+sensor_type" },
      ],
    });
  });
  afterAll(async () => {
    await t?.bridge.stop();
  });

  it("a will that is a reading and an LWT reach Kafka; subscribers get the will when its connection drops", async () => {
    const sub = await connect(t.url);
    await sub.subscribeAsync("#", { qos: 1 });
    const got: string[] = [];
    const allArrived = new Promise<void>((resolve) =>
      sub.on("message", (topic, payload) => {
        got.push(`${topic} ${payload}`);
        if (got.length === 3) resolve(); // the LWT, its announcement, the will
      }),
    );
    const dev = await connect(t.url, {
      clientId: "hall-motion",
      will: { topic: "home/hall/presence", payload: "0", qos: 1, retain: false },
    });
    const lwt = await connect(t.url, { clientId: "plug-7" });
    await lwt.publishAsync("tele/kitchen/plug7/LWT", "Offline", { qos: 1, retain: true });
    await lwt.endAsync();
    dev.stream.destroy();
    await allArrived;
    await sub.endAsync();

    const records = await readTopic(kafka.brokers, t.topic, 2);
    const values = records.map((r) => JSON.parse(String(r.value)) as Record<string, unknown>);
    expect(values).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          room: "kitchen",
          sensor_type: "availability",
          value: 0,
          device_id: "plug7",
        }),
        expect.objectContaining({
          room: "hall",
          sensor_type: "presence",
          value: 0,
          device_id: "hall-motion",
        }),
      ]),
    );
    expect(records).toHaveLength(2);
    // The LWT, the broker's announcement of it as an availability reading (on another topic, so in no
    // particular order with it), and the will.
    expect(got.map((m) => m.replace(/"timestamp":"[^"]+",/, "")).sort()).toEqual([
      "home/hall/presence 0",
      'home/kitchen/availability {"room":"kitchen","sensor_type":"availability","value":0,"device_id":"plug7"}',
      "tele/kitchen/plug7/LWT Offline",
    ]);
  });
});
