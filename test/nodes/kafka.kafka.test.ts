// The kafka-broker, kafka-out and kafka-in nodes on the real Node-RED runtime against the real
// broker of the "kafka" vitest project (test/setup/kafka.global.ts).
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createKafkaClient, type KafkaClient } from "../../kafka/client.js";
import { DLQ_HEADERS } from "../../kafka/consumer.js";
import kafkaBroker from "../../nodes/kafka-broker/kafka-broker.js";
import kafkaIn from "../../nodes/kafka-in/kafka-in.js";
import kafkaOut from "../../nodes/kafka-out/kafka-out.js";
import { kafka, noBroker, reading, uniqueTopic } from "../kafka/helpers.js";
import { flowWithCatch, helper, message, messages, statusOf } from "./runtime.js";

const nodes = [kafkaBroker, kafkaOut, kafkaIn];

function broker(extra: Record<string, unknown> = {}) {
  return {
    id: "broker",
    type: "hs-kafka-broker",
    config: true,
    brokers: kafka.brokers.join(","),
    clientId: "node-test",
    ...extra,
  };
}

afterEach(async () => {
  await helper.unload();
});

describe.skipIf(noBroker)("hs-kafka-out and hs-kafka-in against a real broker", () => {
  let client: KafkaClient;

  beforeAll(() => {
    client = createKafkaClient({ brokers: kafka.brokers, clientId: "node-test-admin" });
  });

  afterAll(async () => {
    await helper.unload().catch(() => undefined);
  });

  it("round-trips readings: key = room, metadata in msg.kafka, each message completed on ack", async () => {
    const topic = uniqueTopic("nodes");
    await client.ensureTopic({ topic, partitions: 3 });
    await helper.load(
      nodes,
      flowWithCatch([
        broker(),
        { id: "out", type: "hs-kafka-out", broker: "broker", topic, reports: true, wires: [["reports"]] },
        { id: "reports", type: "helper" },
        {
          id: "in",
          type: "hs-kafka-in",
          broker: "broker",
          topics: topic,
          group: uniqueTopic("g"),
          start: "earliest",
          wires: [["valid"], ["invalid"]],
        },
        { id: "valid", type: "helper" },
        { id: "invalid", type: "helper" },
      ]),
    );
    const reports = messages("reports", 12, 60_000);
    const received = messages("valid", 12, 60_000);
    const out = helper.getNode("out");
    for (let i = 0; i < 12; i++) out.receive({ payload: reading(i) });
    const r = await reports;
    for (const m of r)
      expect(m.kafka).toMatchObject({ topic, partition: expect.any(Number), offset: expect.any(String) });
    const got = await received;
    expect(got.map((m) => (m.payload as { value: number }).value).sort((a, b) => a - b)).toEqual([
      ...Array(12).keys(),
    ]);
    for (const m of got) {
      const p = m.payload as { room: string; sensor_type: string };
      expect(m.topic).toBe(`${p.room}/${p.sensor_type}`);
      expect(m.kafka).toMatchObject({ topic, key: p.room });
    }
    await statusOf("out", (s) => s.fill === "green", 30_000);
    await statusOf("in", (s) => s.fill === "green", 30_000);
  });

  it("sends a batch of readings as one record each, and names the items that were not readings", async () => {
    const topic = uniqueTopic("nodes-batch");
    await client.ensureTopic({ topic, partitions: 3 });
    await helper.load(
      nodes,
      flowWithCatch([
        broker(),
        { id: "out", type: "hs-kafka-out", broker: "broker", topic, reports: true, wires: [["reports"]] },
        { id: "reports", type: "helper" },
        {
          id: "in",
          type: "hs-kafka-in",
          broker: "broker",
          topics: topic,
          group: uniqueTopic("g"),
          start: "earliest",
          wires: [["valid"], ["invalid"]],
        },
        { id: "valid", type: "helper" },
        { id: "invalid", type: "helper" },
      ]),
    );
    const report = message("reports", 60_000);
    const caught = message("caught", 60_000);
    const received = messages("valid", 40, 60_000);
    // 42 items: two are not readings (at 7 and 30); the 40 others go to Kafka
    const batch: unknown[] = Array.from({ length: 40 }, (_, i) => reading(i));
    batch.splice(7, 0, { room: "k" });
    batch.splice(30, 0, "not a reading");
    helper.getNode("out").receive({ payload: batch });
    const r = await report;
    const records = (r.kafka as { records: { topic: string; partition: number; offset: string }[] }).records;
    expect(records).toHaveLength(40);
    for (const rec of records)
      expect(rec).toMatchObject({ topic, partition: expect.any(Number), offset: expect.any(String) });
    const error = (await caught).error?.message ?? "";
    expect(error).toMatch(
      /^Error: 2 of 42 readings in msg\.payload rejected \(the others were processed\): /,
    );
    expect(error).toMatch(/msg\.payload\[7\]: invalid reading: sensor_type: is required/);
    expect(error).toMatch(/msg\.payload\[30\]: invalid reading/);
    const got = await received;
    expect(got.map((m) => (m.payload as { value: number }).value).sort((a, b) => a - b)).toEqual([
      ...Array(40).keys(),
    ]);
    for (const m of got) expect(m.kafka).toMatchObject({ key: (m.payload as { room: string }).room });
  });

  it("sends invalid records out of output 2 with the reason", async () => {
    const topic = uniqueTopic("nodes-invalid");
    await client.ensureTopic({ topic, partitions: 1 });
    await helper.load(
      nodes,
      flowWithCatch([
        broker(),
        { id: "out", type: "hs-kafka-out", broker: "broker", topic, validate: false, key: "none" },
        {
          id: "in",
          type: "hs-kafka-in",
          broker: "broker",
          topics: topic,
          group: uniqueTopic("g"),
          start: "earliest",
          wires: [["valid"], ["invalid"]],
        },
        { id: "valid", type: "helper" },
        { id: "invalid", type: "helper" },
      ]),
    );
    const invalid = message("invalid", 60_000);
    helper.getNode("out").receive({
      payload: { room: "kitchen", sensor_type: "light", value: 7, timestamp: "now", device_id: "x" },
    });
    const m = await invalid;
    expect(m.reason).toMatch(/value: must be 0 or 1 for light, got 7/);
    expect(m.reason).toMatch(/timestamp:/);
    expect(JSON.parse(m.payload as string)).toMatchObject({ value: 7 });
  });

  it("dead-letters invalid records with the reason in a header", async () => {
    const topic = uniqueTopic("nodes-dlq");
    const dlq = `${topic}.dlq`;
    await client.ensureTopic({ topic, partitions: 1 });
    await client.ensureTopic({ topic: dlq, partitions: 1 });
    await helper.load(
      nodes,
      flowWithCatch([
        broker(),
        { id: "out", type: "hs-kafka-out", broker: "broker", topic, validate: false },
        {
          id: "in",
          type: "hs-kafka-in",
          broker: "broker",
          topics: topic,
          group: uniqueTopic("g"),
          start: "earliest",
          invalid: "dlq",
          wires: [["valid"], []],
        },
        { id: "valid", type: "helper" },
        // reads the dead-letter topic back, everything on it being invalid as a reading
        {
          id: "dlqIn",
          type: "hs-kafka-in",
          broker: "broker",
          topics: dlq,
          group: uniqueTopic("g"),
          start: "earliest",
          wires: [[], ["dead"]],
        },
        { id: "dead", type: "helper" },
      ]),
    );
    const dead = message("dead", 60_000);
    const valid = message("valid", 60_000);
    const out = helper.getNode("out");
    out.receive({ payload: "not json at all" });
    out.receive({ payload: reading(1) });
    const d = await dead;
    expect(d.payload).toBe("not json at all");
    const headers = (d.kafka as { headers: Record<string, string> }).headers;
    expect(headers[DLQ_HEADERS.reason]).toMatch(/invalid JSON/);
    expect(headers[DLQ_HEADERS.topic]).toBe(topic);
    expect(((await valid).payload as { value: number }).value).toBe(1);
  });

  it("shares one producer between kafka-out nodes with the same settings", async () => {
    const topic = uniqueTopic("nodes-shared");
    await helper.load(
      nodes,
      flowWithCatch([
        broker(),
        { id: "a", type: "hs-kafka-out", broker: "broker", topic },
        { id: "b", type: "hs-kafka-out", broker: "broker", topic },
        { id: "c", type: "hs-kafka-out", broker: "broker", topic, compression: "none" },
      ]),
    );
    const connection = (helper.getNode("broker") as unknown as { connection: { users: number } }).connection;
    expect(connection.users).toBe(3);
    const producers = (connection as unknown as { producers: Map<string, unknown> }).producers;
    expect(producers.size).toBe(2);
  });

  it("takes topic, key and headers from msg.kafka", async () => {
    const topic = uniqueTopic("nodes-override");
    const other = uniqueTopic("nodes-other");
    await client.ensureTopic({ topic: other, partitions: 1 });
    await helper.load(
      nodes,
      flowWithCatch([
        broker(),
        { id: "out", type: "hs-kafka-out", broker: "broker", topic, headers: '{"source":"node-red"}' },
        {
          id: "in",
          type: "hs-kafka-in",
          broker: "broker",
          topics: other,
          group: uniqueTopic("g"),
          start: "earliest",
          wires: [["valid"], []],
        },
        { id: "valid", type: "helper" },
      ]),
    );
    const got = message("valid", 60_000);
    helper
      .getNode("out")
      .receive({ payload: reading(5), kafka: { topic: other, key: "k1", headers: { trace: "abc" } } });
    const m = await got;
    expect(m.kafka).toMatchObject({ topic: other, key: "k1", headers: { source: "node-red", trace: "abc" } });
  });
});

describe("hs-kafka-out and hs-kafka-in errors", () => {
  it("reports a record that cannot be delivered to a Catch node", async () => {
    await helper.load(
      nodes,
      flowWithCatch([
        { id: "broker", type: "hs-kafka-broker", config: true, brokers: "127.0.0.1:1" },
        { id: "out", type: "hs-kafka-out", broker: "broker", topic: "t", deliveryTimeout: "1s" },
      ]),
    );
    const caught = message("caught", 20_000);
    helper.getNode("out").receive({ payload: reading(1) });
    expect((await caught).error?.message).toMatch(/DeliveryTimeoutError|not acknowledged|timed out/i);
    await statusOf("out", (s) => s.fill === "yellow" || s.fill === "red", 20_000);
  });

  it("stops within a second or so while Kafka is unreachable, with one warning for what it held", async () => {
    await helper.load(
      nodes,
      flowWithCatch([
        { id: "broker", type: "hs-kafka-broker", config: true, brokers: "127.0.0.1:1" },
        { id: "out", type: "hs-kafka-out", broker: "broker", topic: "t", deliveryTimeout: "60s" },
      ]),
    );
    const out = helper.getNode("out");
    const warnings: string[] = [];
    out.warn = (m: unknown) => void warnings.push(String(m));
    for (let i = 0; i < 3; i++) out.receive({ payload: reading(i) });
    const started = performance.now();
    await helper.unload();
    // Before: the full 10 s close timeout, then one error per buffered message.
    expect(performance.now() - started).toBeLessThan(5000);
    // One warning for the three (this test runtime has no message catalogs: RED._ gives the key; the
    // en-US text is "__count__ messages were not delivered to Kafka before the node stopped").
    expect(warnings).toEqual(["hs-kafka-out.warn.undelivered"]);
  });

  it("reports an invalid reading and bad overrides to a Catch node", async () => {
    await helper.load(
      nodes,
      flowWithCatch([
        { id: "broker", type: "hs-kafka-broker", config: true, brokers: "127.0.0.1:1" },
        { id: "out", type: "hs-kafka-out", broker: "broker", topic: "t" },
      ]),
    );
    const out = helper.getNode("out");
    for (const [msg, pattern] of [
      [{ payload: { room: "k" } }, /invalid reading: sensor_type: is required/],
      [{ payload: reading(1), kafka: { key: 5 } }, /msg.kafka.key must be/],
      [{ payload: reading(1), kafka: { topic: "bad topic!" } }, /topic "bad topic!"/],
    ] as const) {
      const caught = message("caught");
      out.receive(msg);
      expect((await caught).error?.message).toMatch(pattern);
    }
  });

  it("reports a missing or invalid broker configuration", async () => {
    await helper.load(
      nodes,
      flowWithCatch([
        { id: "broker", type: "hs-kafka-broker", config: true, brokers: "localhost:9092", sasl: "plain" },
        { id: "out", type: "hs-kafka-out", broker: "broker", topic: "t" },
        { id: "none", type: "hs-kafka-out", topic: "t" },
        { id: "in", type: "hs-kafka-in", broker: "broker", topics: "bad topic!" },
      ]),
    );
    let caught = message("caught");
    helper.getNode("out").receive({ payload: reading(1) });
    expect((await caught).error?.message).toMatch(/username: is required for SASL/);
    caught = message("caught");
    helper.getNode("none").receive({ payload: reading(1) });
    expect((await caught).error?.message).toMatch(/no Kafka broker configured/);
    caught = message("caught");
    helper.getNode("in").receive({ payload: "x" });
    expect((await caught).error?.message).toMatch(/topics: each topic must be/);
  });

  it("keeps SASL secrets in credentials", async () => {
    await helper.load(
      nodes,
      flowWithCatch([
        {
          id: "broker",
          type: "hs-kafka-broker",
          config: true,
          brokers: "127.0.0.1:1",
          sasl: "scram-sha-256",
        },
        { id: "out", type: "hs-kafka-out", broker: "broker", topic: "t" },
      ]),
      { broker: { username: "alice", password: "s3cret" } },
    );
    const connection = (helper.getNode("broker") as unknown as { connection: unknown }).connection;
    expect(connection).not.toBeInstanceOf(Error);
    const config = (connection as { config: { sasl: unknown } }).config;
    expect(config.sasl).toEqual({ mechanism: "scram-sha-256", username: "alice", password: "s3cret" });
  });
});
