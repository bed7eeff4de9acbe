// Two consumers in one group split the partitions between them, and rebalances (one joining, one
// leaving, in the middle of a stream) lose no record.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TimedReading } from "../../core/reading.js";
import { createKafkaClient, type KafkaClient } from "../../kafka/client.js";
import type { KafkaConsumer } from "../../kafka/consumer.js";
import { collectingLogger, kafka, noBroker, reading, uniqueTopic, until } from "./helpers.js";

const partitionsOf = (c: KafkaConsumer<TimedReading>) => c.assignment.flatMap((a) => a.partitions);

describe.skipIf(noBroker)("a consumer group", () => {
  let client: KafkaClient;
  const consumers: KafkaConsumer<TimedReading>[] = [];

  beforeAll(() => {
    client = createKafkaClient(
      { brokers: kafka.brokers, clientId: "group-test" },
      { logger: collectingLogger() },
    );
  });

  afterAll(async () => {
    await Promise.all(consumers.map((c) => c.stop()));
  });

  it("splits partitions between two members and loses nothing across rebalances", async () => {
    const topic = uniqueTopic("group");
    await client.ensureTopic({ topic, partitions: 4 });
    const groupId = uniqueTopic("g");
    const received = { a: new Set<number>(), b: new Set<number>() };
    const member = (name: "a" | "b") => {
      const consumer = client.consumer(
        {
          groupId,
          topics: topic,
          startPosition: "earliest",
          heartbeatIntervalMs: 500,
          sessionTimeoutMs: 10_000,
        },
        (v) => void received[name].add(v.reading.value),
      );
      consumers.push(consumer);
      return consumer;
    };

    const a = member("a");
    await a.start();
    await until(() => partitionsOf(a).length === 4, 30_000, "the first member to own all 4 partitions");

    const producer = client.producer({ topic, lingerMs: 5 });
    const acked = new Set<number>();
    let seq = 0;
    let streaming = true;
    const outcomes: Promise<void>[] = [];
    const stream = (async () => {
      while (streaming) {
        const n = seq++;
        outcomes.push(
          producer
            .send({ key: `device-${n % 16}`, value: JSON.stringify(reading(n)) })
            .then(() => void acked.add(n)),
        );
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
    })();
    await until(() => acked.size >= 200, 30_000, "200 records before the second member joins");

    const b = member("b");
    await b.start();
    await until(
      () => partitionsOf(a).length === 2 && partitionsOf(b).length === 2,
      60_000,
      "the partitions to be split 2 + 2",
    );
    expect([...partitionsOf(a), ...partitionsOf(b)].sort()).toEqual([0, 1, 2, 3]);
    const joinedAt = acked.size;
    await until(() => received.b.size > 0 && acked.size >= joinedAt + 200, 30_000, "both members consuming");

    // The first member leaves: the second takes over all partitions.
    await a.stop();
    await until(() => partitionsOf(b).length === 4, 60_000, "the remaining member to own all 4 partitions");
    const leftAt = acked.size;
    await until(() => acked.size >= leftAt + 200, 30_000, "200 records after the first member left");
    streaming = false;
    await stream;
    await producer.close();
    await Promise.all(outcomes);

    expect(acked.size).toBe(seq);
    await until(
      () => [...acked].every((n) => received.a.has(n) || received.b.has(n)),
      60_000,
      "every acknowledged record to be consumed by one of the members",
    );
    expect(received.a.size).toBeGreaterThan(0);
    expect(received.b.size).toBeGreaterThan(0);
    expect(b.stats().rebalances).toBeGreaterThanOrEqual(2);
  });
});
