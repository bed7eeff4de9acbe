// kafka-out and kafka-in beyond readings, on the real Node-RED runtime against the real broker:
// a non-reading JSON record round trip with the metadata other Node-RED Kafka nodes give, text
// and Buffer formats, and a kafka-in paused, resumed and moved back by messages.
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { createKafkaClient, type KafkaClient } from "../../kafka/client.js";
import kafkaBroker from "../../nodes/kafka-broker/kafka-broker.js";
import kafkaIn from "../../nodes/kafka-in/kafka-in.js";
import kafkaOut from "../../nodes/kafka-out/kafka-out.js";
import { kafka, noBroker, reading, uniqueTopic } from "../kafka/helpers.js";
import { collector, flowWithCatch, helper, type Msg, message, messages, statusOf } from "./runtime.js";

const nodes = [kafkaBroker, kafkaOut, kafkaIn];
const broker = {
  id: "broker",
  type: "hs-kafka-broker",
  config: true,
  brokers: kafka.brokers.join(","),
  clientId: "input-modes-test",
};

function kafkaInNode(id: string, topic: string, extra: Record<string, unknown> = {}) {
  return {
    id,
    type: "hs-kafka-in",
    broker: "broker",
    topics: topic,
    group: uniqueTopic(`g-${id}`),
    start: "earliest",
    wires: [[`${id}-valid`], [`${id}-invalid`]],
    ...extra,
  };
}

afterEach(async () => {
  await helper.unload();
});

describe.skipIf(noBroker)("Kafka nodes with any payload", () => {
  let client: KafkaClient;

  beforeAll(() => {
    client = createKafkaClient({ brokers: kafka.brokers, clientId: "input-modes-admin" });
  });

  it("a non-reading JSON record: kafka-out (msg.topic, msg.key, lz4) -> Kafka -> kafka-in (JSON)", async () => {
    const topic = uniqueTopic("any-json");
    await client.ensureTopic({ topic, partitions: 2 });
    await helper.load(
      nodes,
      flowWithCatch([
        broker,
        {
          id: "out",
          type: "hs-kafka-out",
          broker: "broker",
          topic: "", // from msg.topic
          format: "json",
          key: "msg",
          compression: "lz4",
          headers: '{"source":"test"}',
          reports: true,
          wires: [["reports"]],
        },
        { id: "reports", type: "helper" },
        kafkaInNode("in", topic, { format: "json" }),
        { id: "in-valid", type: "helper" },
        { id: "in-invalid", type: "helper" },
      ]),
    );
    const order = { order_id: 42, items: [{ sku: "lamp", qty: 2 }], paid: true, note: null };
    const reported = message("reports", 60_000);
    const got = message("in-valid", 60_000);
    helper.getNode("out").receive({ topic, key: "customer-7", payload: order });
    const report = (await reported).kafka as { topic: string; partition: number; offset: string };
    expect(report).toMatchObject({ topic, partition: expect.any(Number), offset: expect.any(String) });
    const m = await got;
    expect(m.payload).toEqual(order);
    expect(m.topic).toBe(topic);
    expect(m.key).toBe("customer-7");
    expect(m.partition).toBe(report.partition);
    expect(m.offset).toBe(report.offset);
    expect(typeof m.timestamp).toBe("number");
    expect(m.headers).toEqual({ source: "test" });
    expect(m.kafka).toMatchObject({ topic, key: "customer-7", headers: { source: "test" } }); // kept for compatibility
  });

  it("readings keep their message as before: no new top-level fields (msg.headers would reach an http request node)", async () => {
    const topic = uniqueTopic("readings-shape");
    await client.ensureTopic({ topic, partitions: 1 });
    await helper.load(
      nodes,
      flowWithCatch([
        broker,
        { id: "out", type: "hs-kafka-out", broker: "broker", topic },
        kafkaInNode("in", topic),
        { id: "in-valid", type: "helper" },
        { id: "in-invalid", type: "helper" },
      ]),
    );
    const got = message("in-valid", 60_000);
    helper.getNode("out").receive({ payload: reading(1) });
    const m = await got;
    expect(Object.keys(m).sort()).toEqual(["_msgid", "kafka", "payload", "topic"]);
    expect(m.topic).toBe(`${reading(1).room}/${reading(1).sensor_type}`);
  });

  it("text in, Buffer out; a record that is not JSON goes to output 2 of a JSON kafka-in", async () => {
    const topic = uniqueTopic("any-text");
    await client.ensureTopic({ topic, partitions: 1 });
    await helper.load(
      nodes,
      flowWithCatch([
        broker,
        {
          id: "out",
          type: "hs-kafka-out",
          broker: "broker",
          topic,
          format: "string",
          key: "property",
          keyProperty: "payload.id",
        },
        kafkaInNode("bytes", topic, { format: "buffer" }),
        { id: "bytes-valid", type: "helper" },
        { id: "bytes-invalid", type: "helper" },
        kafkaInNode("json", topic, { format: "json" }),
        { id: "json-valid", type: "helper" },
        { id: "json-invalid", type: "helper" },
      ]),
    );
    const bytes = messages("bytes-valid", 2, 60_000);
    const invalid = message("json-invalid", 60_000);
    const valid = message("json-valid", 60_000);
    const out = helper.getNode("out");
    out.receive({ payload: "plain text, not JSON" });
    out.receive({ payload: { id: "k1", v: 1 } }); // an object as text: its JSON; key from payload.id
    const [first, second] = (await bytes) as [Msg, Msg];
    expect(Buffer.isBuffer(first.payload)).toBe(true);
    expect((first.payload as Buffer).toString("utf8")).toBe("plain text, not JSON");
    expect(first.key).toBeNull();
    expect((second.payload as Buffer).toString("utf8")).toBe('{"id":"k1","v":1}');
    expect(second.key).toBe("k1");
    expect((await invalid).reason).toMatch(/^invalid JSON: /);
    expect((await valid).payload).toEqual({ id: "k1", v: 1 });
  });

  it("kafka-out: with no topic on the node, a message without a usable msg.topic is an error naming it", async () => {
    await helper.load(
      nodes,
      flowWithCatch([
        broker,
        { id: "out", type: "hs-kafka-out", broker: "broker", topic: "", format: "json" },
      ]),
    );
    const caught = message("caught");
    helper.getNode("out").receive({ topic: "kitchen/temperature", payload: { a: 1 } });
    expect((await caught).error?.message).toMatch(
      /msg\.topic: the node has no topic, so msg\.topic must name one/,
    );
  });

  it("kafka-in: msg.action pauses, resumes and seeks", async () => {
    const topic = uniqueTopic("any-control");
    await client.ensureTopic({ topic, partitions: 1 });
    await helper.load(
      nodes,
      flowWithCatch([
        broker,
        { id: "out", type: "hs-kafka-out", broker: "broker", topic, format: "string", key: "none" },
        kafkaInNode("a", topic, { format: "string" }),
        { id: "a-valid", type: "helper" },
        { id: "a-invalid", type: "helper" },
        kafkaInNode("b", topic, { format: "string" }),
        { id: "b-valid", type: "helper" },
        { id: "b-invalid", type: "helper" },
      ]),
    );
    await statusOf("a", (s) => s.fill === "green", 60_000); // joined its group: it can be paused
    await statusOf("b", (s) => s.fill === "green", 60_000);
    const a = collector("a-valid");
    const b = collector("b-valid");
    const out = helper.getNode("out");
    out.receive({ payload: "r0" });
    await a.waitFor(1, 60_000);
    await b.waitFor(1, 60_000);

    helper.getNode("a").receive({ action: "pause" });
    await statusOf("a", (s) => s.fill === "yellow" && s.text === "hs-kafka-in.status.paused");
    out.receive({ payload: "r1" });
    out.receive({ payload: "r2" });
    await b.waitFor(3, 60_000); // the unpaused member of another group has both by now ...
    expect(a.msgs.map((m) => m.payload)).toEqual(["r0"]); // ... the paused one has neither
    helper.getNode("a").receive({ action: "resume" });
    await a.waitFor(3, 60_000);
    expect(a.msgs.map((m) => m.payload)).toEqual(["r0", "r1", "r2"]);

    helper.getNode("a").receive({ action: "seek", partition: 0, offset: 1 });
    await a.waitFor(5, 60_000);
    expect(a.msgs.map((m) => [m.payload, m.offset])).toEqual([
      ["r0", "0"],
      ["r1", "1"],
      ["r2", "2"],
      ["r1", "1"],
      ["r2", "2"],
    ]);

    const caught = message("caught");
    helper.getNode("a").receive({ action: "rewind" });
    expect((await caught).error?.message).toMatch(/msg\.action must be "pause", "resume" or "seek"/);
  });
});
