// Snappy and LZ4 (pure-JavaScript codecs, kafka/codecs.ts) against the real broker: what our
// producer writes compressed, kcat (librdkafka, an independent client) reads back exactly, and
// what kcat writes compressed, our consumer reads.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createKafkaClient, type KafkaClient } from "../../kafka/client.js";
import type { KafkaConsumer } from "../../kafka/consumer.js";
import { jsonDecoder } from "../../kafka/consumer.js";
import { requirePrerequisite } from "../setup/prerequisite.js";
import {
  collectingLogger,
  kafka,
  kcat,
  kcatAvailable,
  kcatConsumeAll,
  noBroker,
  uniqueTopic,
  until,
} from "./helpers.js";

const runs =
  !noBroker &&
  requirePrerequisite("kcat", await kcatAvailable(), "kcat is not installed (apt-get install -y kcat)");

describe.runIf(runs)("compression codecs", () => {
  const bootstrap = kafka.brokers.join(",");
  let client: KafkaClient;
  const consumers: KafkaConsumer<unknown>[] = [];

  beforeAll(() => {
    client = createKafkaClient(
      { brokers: kafka.brokers, clientId: "codec-test" },
      { logger: collectingLogger() },
    );
  });

  afterAll(async () => {
    await Promise.all(consumers.map((c) => c.stop()));
  });

  for (const compression of ["snappy", "lz4"] as const) {
    it(`${compression}: kcat reads back what we wrote, we read what kcat wrote`, async () => {
      const topic = uniqueTopic(`codec-${compression}`);
      await client.ensureTopic({ topic, partitions: 1 });
      // Repetitive values so the codec really compresses (and a batch of several records).
      const values = Array.from({ length: 50 }, (_, i) => JSON.stringify({ seq: i, text: "abc".repeat(40) }));
      const producer = client.producer({ topic, compression, lingerMs: 20 });
      await Promise.all(values.map((value) => producer.send({ value })));
      await producer.close();
      const seen = await kcatConsumeAll(bootstrap, topic);
      expect(seen.map((m) => m.payload)).toEqual(values);

      const fromKcat = Array.from({ length: 20 }, (_, i) =>
        JSON.stringify({ kcat: i, pad: "xyz".repeat(30) }),
      );
      await kcat(
        ["-P", "-b", bootstrap, "-t", topic, "-z", compression, "-X", "acks=all"],
        `${fromKcat.join("\n")}\n`,
      );
      const got: unknown[] = [];
      const consumer = client.consumer(
        { groupId: `${topic}-g`, topics: [topic], startPosition: "earliest", deadLetterTopic: false },
        (v) => {
          got.push(v);
        },
        jsonDecoder,
      );
      consumers.push(consumer as KafkaConsumer<unknown>);
      await consumer.start();
      await until(() => got.length >= values.length + fromKcat.length, 30_000, "every record consumed");
      expect(got.slice(values.length)).toEqual(fromKcat.map((t) => JSON.parse(t)));
    });
  }
});
