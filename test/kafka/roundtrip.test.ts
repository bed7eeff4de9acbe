// Round trips through the real broker: delivery reports match what a consumer reads, keys keep their
// partition, invalid records go to the dead-letter topic with their reason, offsets are committed only
// after the handler finished, and close() waits for everything sent.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TimedReading } from "../../core/reading.js";
import { createKafkaClient, type KafkaClient } from "../../kafka/client.js";
import { type ConsumedRecord, DLQ_HEADERS, jsonDecoder, type KafkaConsumer } from "../../kafka/consumer.js";
import type { DeliveryReport } from "../../kafka/producer.js";
import { collectingLogger, kafka, noBroker, ROOMS, reading, uniqueTopic, until } from "./helpers.js";

describe.skipIf(noBroker)("Kafka layer against a real broker", () => {
  const log = collectingLogger();
  let client: KafkaClient;
  const consumers: KafkaConsumer<unknown>[] = [];

  beforeAll(() => {
    client = createKafkaClient({ brokers: kafka.brokers, clientId: "roundtrip-test" }, { logger: log });
  });

  afterAll(async () => {
    await Promise.all(consumers.map((c) => c.stop()));
  });

  function track<T>(consumer: KafkaConsumer<T>): KafkaConsumer<T> {
    consumers.push(consumer as KafkaConsumer<unknown>);
    return consumer;
  }

  it("delivers readings with key and headers; reports match the offsets a consumer reads", async () => {
    const topic = uniqueTopic("roundtrip");
    expect(await client.ensureTopic({ topic, partitions: 3 })).toMatchObject({
      created: true,
      partitions: 3,
    });
    const producer = client.producer({ topic });
    const count = 300;
    const reports = await Promise.all(
      Array.from({ length: count }, (_, i) =>
        producer.send({
          key: reading(i).room,
          value: JSON.stringify(reading(i)),
          headers: { mqtt_topic: `home/${reading(i).room}/temperature`, seq: String(i) },
        }),
      ),
    );
    await producer.close();
    expect(producer.stats()).toMatchObject({ acked: count, failed: 0, buffered: 0, inFlight: 0 });
    // Offsets within a partition are distinct and dense from 0.
    const byPartition = new Map<number, number[]>();
    for (const r of reports)
      byPartition.set(r.partition, [...(byPartition.get(r.partition) ?? []), Number(r.offset)]);
    for (const offsets of byPartition.values()) {
      expect([...offsets].sort((a, b) => a - b)).toEqual(offsets.map((_, i) => i));
    }

    const received: { value: TimedReading; record: ConsumedRecord }[] = [];
    const consumer = track(
      client.consumer(
        { groupId: uniqueTopic("g"), topics: topic, startPosition: "earliest" },
        (value, record) => {
          received.push({ value, record });
        },
      ),
    );
    await consumer.start();
    await until(() => received.length >= count, 30_000, `${count} records`);
    expect(received).toHaveLength(count);
    for (const { value, record } of received) {
      const seq = Number(record.headers.seq);
      expect(value.reading).toEqual(reading(seq));
      expect(record.key?.toString()).toBe(reading(seq).room);
      expect(record.headers.mqtt_topic).toBe(`home/${reading(seq).room}/temperature`);
      const report = reports[seq] as DeliveryReport;
      expect({ topic: record.topic, partition: record.partition, offset: record.offset }).toEqual(report);
    }
  });

  it("sends records with the same key to the same partition, from any producer", async () => {
    const topic = uniqueTopic("keys");
    await client.ensureTopic({ topic, partitions: 6 });
    const first = client.producer({ topic, lingerMs: 0 });
    const second = client.producer({ topic, lingerMs: 20, batchSize: 7 });
    const partitionOf = new Map<string, Set<number>>();
    for (const producer of [first, second]) {
      const reports = await Promise.all(
        Array.from({ length: 120 }, (_, i) => {
          const key = ROOMS[i % ROOMS.length] as string;
          return producer.send({ key, value: JSON.stringify(reading(i, key)) }).then((r) => ({ key, r }));
        }),
      );
      for (const { key, r } of reports)
        partitionOf.set(key, (partitionOf.get(key) ?? new Set()).add(r.partition));
      await producer.close();
    }
    for (const [key, partitions] of partitionOf) expect([key, partitions.size]).toEqual([key, 1]);
    // Six rooms over six partitions: a hash that put them all in one would be a broken partitioner.
    const used = new Set([...partitionOf.values()].map((s) => [...s][0]));
    expect(used.size).toBeGreaterThan(1);
  });

  it("routes invalid records to the dead-letter topic with the reason and source, and commits past them", async () => {
    const topic = uniqueTopic("dlq");
    await client.ensureTopic({ topic, partitions: 1 });
    const producer = client.producer({ topic });
    const sent = [
      JSON.stringify(reading(1)),
      "{not json",
      JSON.stringify({ ...reading(2), value: "warm" }),
      JSON.stringify(reading(3)),
      JSON.stringify({ ...reading(4), room: undefined }),
      JSON.stringify(reading(5)),
    ];
    for (const value of sent) await producer.send({ key: "k", value, headers: { origin: "test" } });
    await producer.close();

    const groupId = uniqueTopic("g");
    const valid: number[] = [];
    const consumer = track(
      client.consumer({ groupId, topics: [topic], startPosition: "earliest" }, (v) => {
        valid.push(v.reading.value);
      }),
    );
    await consumer.start();
    await until(
      () => valid.length === 3 && consumer.stats().deadLettered === 3,
      30_000,
      "3 valid + 3 dead letters",
    );
    expect(valid).toEqual([1, 3, 5]);

    const dead: ConsumedRecord[] = [];
    const dlqReader = track(
      client.consumer(
        {
          groupId: uniqueTopic("g"),
          topics: [`${topic}.dlq`],
          startPosition: "earliest",
          deadLetterTopic: false,
        },
        (_v, record) => {
          dead.push(record);
        },
        (record) => ({ ok: true, value: record }),
      ),
    );
    await dlqReader.start();
    await until(() => dead.length === 3, 30_000, "3 dead-letter records");
    expect(dead.map((r) => r.value?.toString())).toEqual([sent[1], sent[2], sent[4]]);
    expect(dead.map((r) => r.headers[DLQ_HEADERS.offset])).toEqual(["1", "2", "4"]);
    for (const r of dead) {
      expect(r.headers).toMatchObject({
        origin: "test",
        [DLQ_HEADERS.topic]: topic,
        [DLQ_HEADERS.partition]: "0",
        [DLQ_HEADERS.group]: groupId,
      });
      expect(r.key?.toString()).toBe("k");
    }
    expect(dead[0]?.headers[DLQ_HEADERS.reason]).toMatch(/invalid JSON/);
    expect(dead[1]?.headers[DLQ_HEADERS.reason]).toMatch(/^value: must be a finite number/);
    expect(dead[2]?.headers[DLQ_HEADERS.reason]).toMatch(/^room: is required/);

    // Everything, dead letters included, is committed: a new member of the group starts after record 5.
    await consumer.stop();
    const again: number[] = [];
    const next = track(
      client.consumer(
        { groupId, topics: [topic], startPosition: "earliest" },
        (v) => void again.push(v.reading.value),
      ),
    );
    await next.start();
    const producer2 = client.producer({ topic });
    await producer2.send({ key: "k", value: JSON.stringify(reading(6)) });
    await producer2.close();
    await until(() => again.length > 0, 30_000, "the record after the committed ones");
    expect(again).toEqual([6]);
  });

  it("delivers a record again when the handler threw, and loses none after it (at-least-once)", async () => {
    const topic = uniqueTopic("redeliver");
    await client.ensureTopic({ topic, partitions: 1 });
    const producer = client.producer({ topic });
    await Promise.all(
      Array.from({ length: 20 }, (_, i) => producer.send({ value: JSON.stringify(reading(i)) })),
    );
    await producer.close();
    const seen: number[] = [];
    let failed = false;
    const consumer = track(
      client.consumer(
        { groupId: uniqueTopic("g"), topics: [topic], startPosition: "earliest", retryBackoffMs: 50 },
        (v) => {
          if (v.reading.value === 7 && !failed) {
            failed = true;
            throw new Error("handler failed once");
          }
          seen.push(v.reading.value);
        },
      ),
    );
    await consumer.start();
    await until(() => new Set(seen).size === 20, 60_000, "all 20 records handled");
    expect(failed).toBe(true);
    expect(consumer.stats().handlerErrors).toBe(1);
    // In order, 7 handled after its failure; records before it may be seen twice, none is missing.
    expect([...new Set(seen)].sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(seen.indexOf(7)).toBeGreaterThan(seen.indexOf(6));
  });

  it("close() waits for every buffered and in-flight record", async () => {
    const topic = uniqueTopic("close");
    await client.ensureTopic({ topic, partitions: 2 });
    const producer = client.producer({ topic, lingerMs: 50, batchSize: 500 });
    const outcomes: Promise<DeliveryReport>[] = [];
    for (let i = 0; i < 5000; i++)
      outcomes.push(producer.send({ key: String(i % 10), value: JSON.stringify(reading(i)) }));
    expect(producer.stats().acked).toBe(0);
    await producer.close();
    // Nothing is still pending once close() returned: every promise has already settled.
    const settled = await Promise.race([
      Promise.allSettled(outcomes),
      new Promise<"pending">((resolve) => setImmediate(() => resolve("pending"))),
    ]);
    expect(settled).not.toBe("pending");
    expect((settled as PromiseSettledResult<DeliveryReport>[]).every((s) => s.status === "fulfilled")).toBe(
      true,
    );
    expect(producer.stats()).toMatchObject({ acked: 5000, failed: 0 });
    await expect(producer.send({ value: "late" })).rejects.toThrow(/closed/);

    const json: unknown[] = [];
    const consumer = track(
      client.consumer(
        { groupId: uniqueTopic("g"), topics: [topic], startPosition: "earliest" },
        (v) => void json.push(v),
        jsonDecoder,
      ),
    );
    await consumer.start();
    await until(() => json.length >= 5000, 60_000, "5000 records");
    expect(json).toHaveLength(5000);
  });

  it("flush() sends what is buffered without waiting out the linger, and the producer stays usable", async () => {
    const topic = uniqueTopic("flush");
    await client.ensureTopic({ topic });
    const producer = client.producer({ topic, lingerMs: 60_000 });
    const first = Array.from({ length: 100 }, (_, i) => producer.send({ value: JSON.stringify(reading(i)) }));
    const started = Date.now();
    await producer.flush();
    expect(Date.now() - started).toBeLessThan(30_000); // far below the linger
    expect(producer.stats()).toMatchObject({ acked: 100, buffered: 0, inFlight: 0 });
    await Promise.all(first);
    const later = producer.send({ value: JSON.stringify(reading(100)) });
    await producer.close(); // does not wait out the linger either
    expect((await later).offset).toBe("100");
  });

  it("grows a topic to the partition count asked for and never shrinks it", async () => {
    const topic = uniqueTopic("admin");
    expect(await client.ensureTopic({ topic, partitions: 2 })).toMatchObject({
      created: true,
      partitions: 2,
    });
    expect(await client.ensureTopic({ topic, partitions: 2 })).toMatchObject({
      created: false,
      grown: false,
    });
    expect(await client.ensureTopic({ topic, partitions: 4 })).toMatchObject({ grown: true, partitions: 4 });
    expect(await client.ensureTopic({ topic, partitions: 1 })).toMatchObject({ grown: false, partitions: 4 });
  });

  it("reports status transitions and keeps kafkajs's logs off the console", async () => {
    const topic = uniqueTopic("status");
    await client.ensureTopic({ topic }); // not auto-created by the send, which could take a retry
    const producer = client.producer({ topic });
    const states: string[] = [];
    producer.on("status", (s) => states.push(s.state));
    await producer.connect();
    await producer.send({ value: JSON.stringify(reading(1)) });
    await producer.close();
    expect(states).toEqual(["connecting", "connected", "closed"]);
    // kafkajs's transient protocol errors (retried) are not errors of ours: only debug lines.
    expect(log.lines.filter((l) => l.startsWith("error") && l.includes('"component":"kafkajs"'))).toEqual([]);
  });
});
