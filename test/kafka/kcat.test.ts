// Interoperability with kcat (librdkafka), an independent client: what we write, kcat reads back
// exactly (value, key, headers, partition, offset); what kcat writes, we read and validate; and keys
// land in the partitions librdkafka's Java-compatible murmur2 partitioner picks.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TimedReading } from "../../core/reading.js";
import { createKafkaClient, type KafkaClient } from "../../kafka/client.js";
import { type ConsumedRecord, DLQ_HEADERS, type KafkaConsumer } from "../../kafka/consumer.js";
import { requirePrerequisite } from "../setup/prerequisite.js";
import {
  collectingLogger,
  kafka,
  kcat,
  kcatAvailable,
  kcatConsumeAll,
  noBroker,
  ROOMS,
  reading,
  uniqueTopic,
  until,
} from "./helpers.js";

const runs =
  !noBroker &&
  requirePrerequisite("kcat", await kcatAvailable(), "kcat is not installed (apt-get install -y kcat)");

describe.runIf(runs)("kcat interoperability", () => {
  describe("with kcat", () => {
    const bootstrap = kafka.brokers.join(",");
    let client: KafkaClient;
    const consumers: KafkaConsumer<unknown>[] = [];

    beforeAll(() => {
      client = createKafkaClient(
        { brokers: kafka.brokers, clientId: "kcat-test" },
        { logger: collectingLogger() },
      );
    });

    afterAll(async () => {
      await Promise.all(consumers.map((c) => c.stop()));
    });

    it("kcat reads back exactly what our producer wrote", async () => {
      const topic = uniqueTopic("to-kcat");
      await client.ensureTopic({ topic, partitions: 3 });
      const producer = client.producer({ topic });
      const sent = Array.from({ length: 60 }, (_, i) => ({
        key: reading(i).room,
        value: JSON.stringify(reading(i)),
        headers: { source: "homestream", seq: String(i) },
      }));
      const reports = await Promise.all(sent.map((r) => producer.send(r)));
      await producer.close();

      const seen = await kcatConsumeAll(bootstrap, topic);
      expect(seen).toHaveLength(sent.length);
      const byPosition = new Map(seen.map((m) => [`${m.partition}/${m.offset}`, m]));
      sent.forEach((record, i) => {
        const report = reports[i];
        const m = byPosition.get(`${report?.partition}/${report?.offset}`);
        expect(m?.payload).toBe(record.value);
        expect(m?.key).toBe(record.key);
        expect(m?.headers).toEqual(["source", "homestream", "seq", String(i)]);
      });
    });

    it("we read and validate what kcat wrote, dead-lettering its malformed line", async () => {
      const topic = uniqueTopic("from-kcat");
      await client.ensureTopic({ topic, partitions: 2 });
      const lines = Array.from({ length: 30 }, (_, i) => `${reading(i).room}|${JSON.stringify(reading(i))}`);
      lines.splice(10, 0, 'kitchen|{"room":"kitchen"}');
      await kcat(
        ["-P", "-b", bootstrap, "-t", topic, "-K", "|", "-H", "origin=kcat", "-X", "acks=all"],
        `${lines.join("\n")}\n`,
      );

      const got: { value: TimedReading; record: ConsumedRecord }[] = [];
      const consumer = client.consumer(
        { groupId: uniqueTopic("g"), topics: topic, startPosition: "earliest" },
        (value, record) => void got.push({ value, record }),
      );
      consumers.push(consumer as KafkaConsumer<unknown>);
      await consumer.start();
      await until(
        () => got.length === 30 && consumer.stats().deadLettered === 1,
        30_000,
        "30 readings and 1 dead letter",
      );
      expect(got.map((g) => g.value.reading.value).sort((x, y) => x - y)).toEqual(
        Array.from({ length: 30 }, (_, i) => i),
      );
      for (const { value, record } of got) {
        expect(value.reading).toEqual(reading(value.reading.value));
        expect(record.key?.toString()).toBe(value.reading.room);
        expect(record.headers.origin).toBe("kcat");
      }
      const dead = await kcatConsumeAll(bootstrap, `${topic}.dlq`);
      expect(dead).toHaveLength(1);
      expect(dead[0]?.payload).toBe('{"room":"kitchen"}');
      const headers = dead[0]?.headers ?? [];
      const reason = headers[headers.indexOf(DLQ_HEADERS.reason) + 1];
      expect(reason).toMatch(/sensor_type: is required/);
    });

    it("puts each key in the partition librdkafka's murmur2 partitioner (Java's) picks", async () => {
      const topic = uniqueTopic("partitions");
      await client.ensureTopic({ topic, partitions: 7 });
      const keys = [...ROOMS, ...Array.from({ length: 20 }, (_, i) => `device-${i}`)];
      await kcat(
        ["-P", "-b", bootstrap, "-t", topic, "-K", "|", "-X", "topic.partitioner=murmur2_random"],
        `${keys.map((k) => `${k}|from-kcat`).join("\n")}\n`,
      );
      const kcatPartition = new Map(
        (await kcatConsumeAll(bootstrap, topic)).map((m) => [m.key, m.partition]),
      );
      const producer = client.producer({ topic });
      const ours = await Promise.all(keys.map((key) => producer.send({ key, value: "from-us" })));
      await producer.close();
      keys.forEach((key, i) => {
        expect([key, ours[i]?.partition]).toEqual([key, kcatPartition.get(key)]);
      });
    });
  });
});
