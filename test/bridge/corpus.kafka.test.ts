// A corpus of bad payloads interleaved with good ones, all at QoS 1 from one device: every bad one lands
// in the dead-letter topic with its original bytes, MQTT topic and reason; every good one is delivered;
// the bridge neither crashes nor holds the good ones back.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { kafka, noBroker } from "../kafka/helpers.js";
import { connect, reading, readTopic, startTestBridge, type TestBridge } from "./helpers.js";

const MAX_PAYLOAD = 64 * 1024;

const deep = (n: number) => `${"[".repeat(n)}${"]".repeat(n)}`;

/** [name, topic, payload, expected reason]. */
const BAD: Array<[string, string, Buffer, string]> = [
  ["invalid JSON", "home/kitchen/temperature", Buffer.from('{"value": 21,'), "invalid_json"],
  ["wrong value type", "home/kitchen/temperature", Buffer.from('{"value":"warm"}'), "invalid_reading"],
  [
    // Not the topic's room (the topic decides; a number is no room name either).
    "wrong room type",
    "home/kitchen/temperature",
    Buffer.from(JSON.stringify({ ...reading(1, "kitchen"), room: 7 })),
    "room_mismatch",
  ],
  ["NaN", "home/kitchen/temperature", Buffer.from("NaN"), "invalid_reading"],
  ["Infinity", "home/kitchen/temperature", Buffer.from('{"value":1e400}'), "invalid_reading"],
  ["huge", "home/kitchen/temperature", Buffer.alloc(MAX_PAYLOAD + 10, 0x31), "payload_too_large"],
  ["deeply nested", "home/kitchen/temperature", Buffer.from(`{"value":${deep(20_000)}}`), "invalid_reading"],
  ["deeply nested array", "home/kitchen/temperature", Buffer.from(deep(30_000)), "unsupported_payload"],
  [
    "__proto__ keys",
    "home/kitchen/temperature",
    Buffer.from('{"__proto__":{"value":1,"room":"x"}}'),
    "unsupported_payload",
  ],
  ["invalid UTF-8", "home/kitchen/temperature", Buffer.from([0x32, 0x31, 0xc3, 0x28]), "invalid_utf8"],
  ["empty", "home/kitchen/temperature", Buffer.alloc(0), "empty_payload"],
  ["unknown topic", "garage/door", Buffer.from("open"), "unmatched_topic"],
  [
    "bad timestamp",
    "home/kitchen/temperature",
    Buffer.from(JSON.stringify({ ...reading(2, "kitchen"), timestamp: "yesterday" })),
    "invalid_reading",
  ],
  ["ON for temperature", "home/kitchen/temperature", Buffer.from("ON"), "invalid_reading"],
  ["presence 5", "home/kitchen/presence", Buffer.from("5"), "invalid_reading"],
];

describe.skipIf(noBroker)("bad payload corpus", () => {
  let t: TestBridge;
  beforeAll(async () => {
    t = await startTestBridge(kafka.brokers, { mqtt: { maxPayloadBytes: MAX_PAYLOAD } });
  });
  afterAll(async () => {
    await t?.bridge.stop();
  });

  it("dead-letters every bad payload and delivers every good one", async () => {
    const client = await connect(t.url, { clientId: "corpus-device" });
    const rounds = 3;
    const good: number[] = [];
    let seq = 0;
    const sends: Promise<unknown>[] = [];
    for (let round = 0; round < rounds; round++) {
      for (const [, topic, payload] of BAD) {
        const value = seq++;
        good.push(value);
        sends.push(
          client.publishAsync("home/kitchen/temperature", JSON.stringify(reading(value, "kitchen")), {
            qos: 1,
          }),
        );
        sends.push(client.publishAsync(topic, payload, { qos: 1 }));
      }
    }
    // Every publish is acknowledged: a bad payload is handled (dead-lettered), not refused.
    await Promise.all(sends);
    await client.endAsync();

    const delivered = await readTopic(kafka.brokers, t.topic, good.length);
    expect(delivered.map((r) => JSON.parse(r.value.toString()).value)).toEqual(good);

    const dead = await readTopic(kafka.brokers, t.dlq, BAD.length * rounds);
    expect(dead).toHaveLength(BAD.length * rounds);
    for (let i = 0; i < dead.length; i++) {
      const [name, topic, payload, reason] = BAD[i % BAD.length] as (typeof BAD)[number];
      const d = dead[i];
      expect({ name, reason: d?.headers.dlq_reason_code }).toEqual({ name, reason });
      expect(d?.headers.mqtt_topic).toBe(topic);
      expect(d?.headers.mqtt_client_id).toBe("corpus-device");
      expect(d?.headers.dlq_reason?.length).toBeGreaterThan(0);
      if (reason === "payload_too_large") {
        expect(d?.value.length).toBe(MAX_PAYLOAD);
        expect(d?.headers.dlq_original_size).toBe(String(payload.length));
      } else {
        // The original bytes, exactly (invalid UTF-8 included).
        expect(Buffer.compare(d?.value ?? Buffer.alloc(1), payload)).toBe(0);
      }
    }
    // The bridge's metrics with its ingest worker's (where the rejections are counted).
    const metrics = await (await t.bridge.metricsRegistry())
      .getSingleMetric("homestream_bridge_rejected_total")
      ?.get();
    const byReason = Object.fromEntries((metrics?.values ?? []).map((v) => [v.labels.reason, v.value]));
    expect(byReason.invalid_reading).toBe(BAD.filter((b) => b[3] === "invalid_reading").length * rounds);
    expect(byReason.payload_too_large).toBe(rounds);
    expect(byReason.invalid_utf8).toBe(rounds);
  });

  it("splits a zigbee2mqtt object into readings and dead-letters its bad field", async () => {
    const z = await startTestBridge(kafka.brokers, {
      rules: [
        { match: "zigbee2mqtt/+room/+device", payload: "zigbee2mqtt" },
        { match: "home/+room/+sensor_type" },
      ],
    });
    try {
      const client = await connect(z.url, { clientId: "z2m" });
      await client.publishAsync(
        "zigbee2mqtt/bedroom/aqara_1",
        JSON.stringify({
          temperature: 19.5,
          humidity: 48,
          occupancy: true,
          illuminance: 30,
          state: "ON",
          battery: 90,
        }),
        { qos: 1 },
      );
      await client.publishAsync(
        "zigbee2mqtt/bedroom/aqara_2",
        JSON.stringify({ temperature: "n/a", humidity: 50 }),
        { qos: 1 },
      );
      await client.endAsync();
      const records = await readTopic(kafka.brokers, z.topic, 6);
      expect(
        records.map((r) => [
          r.key,
          JSON.parse(r.value.toString()).sensor_type,
          JSON.parse(r.value.toString()).device_id,
        ]),
      ).toEqual([
        ["bedroom", "temperature", "aqara_1"],
        ["bedroom", "humidity", "aqara_1"],
        ["bedroom", "presence", "aqara_1"],
        ["bedroom", "illuminance", "aqara_1"],
        ["bedroom", "light", "aqara_1"],
        ["bedroom", "humidity", "aqara_2"],
      ]);
      const dead = await readTopic(kafka.brokers, z.dlq, 1);
      expect(dead.map((d) => d.headers.dlq_reason)).toEqual([
        "temperature: value: must be a finite number, got string",
      ]);
    } finally {
      await z.bridge.stop();
    }
  });
});
