// The Spark job (spark/) against `homestream stats` and `homestream detect` on the same records: a
// held log goes through the real bridge into the real Kafka broker, then the same log's raw lines
// (mixed timestamp forms, malformed lines) straight into the topic; the job runs with local[2] and
// availableNow after each half, resuming from its checkpoint. Window rows the watermark closed,
// anomaly events and dead-letter reasons must be the CLI's.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Kafka, logLevel } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SparkEnv } from "../../cli/spark-env.js";
import { connect, startTestBridge, type TestBridge, topicSize } from "../bridge/helpers.js";
import { kafka, noBroker, uniqueTopic } from "../kafka/helpers.js";
import { makeFixture } from "./fixture.js";
import { dumpTopic, expectEqualToCli, runJob, sparkEnvOrSkip } from "./spark-run.js";

// The flags expectEqualToCli gives `homestream stats`/`detect` by default.
const WATERMARK = ["--watermark", "30s"];
const DETECT = ["--grace", "30s", "--presence-max-age", "2m"];

describe.skipIf(noBroker)("Spark job equals stats/detect (bridge -> Kafka -> Spark)", () => {
  let env: SparkEnv | undefined;
  let skip: string | undefined;
  let work: string;
  beforeAll(async () => {
    ({ env, skip } = await sparkEnvOrSkip());
    work = mkdtempSync(path.join(tmpdir(), "hs-spark-"));
  }, 30 * 60_000);
  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it(
    "gives the same windows, anomalies and dead-letter reasons, across a restart",
    async (ctx) => {
      if (!env) return ctx.skip(skip);
      const fixture = makeFixture(11, 2500);
      const topic = uniqueTopic("spark");
      const client = new Kafka({
        brokers: [...kafka.brokers],
        clientId: "spark-test",
        logLevel: logLevel.NOTHING,
      });
      const admin = client.admin();
      await admin.connect();
      // One partition: the whole topic has one arrival order, the one both engines follow.
      await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
      await admin.disconnect();

      // First half: the valid lines through the real bridge (it normalises them to the wire format).
      const bridge: TestBridge = await startTestBridge(kafka.brokers, { kafka: { topic } });
      try {
        const pub = await connect(bridge.url, { clientId: "spark-test-pub" });
        for (const v of fixture.valid)
          await pub.publishAsync(`home/${v.room}/${v.sensorType}`, v.line, { qos: 1 });
        await pub.endAsync();
        const deadline = Date.now() + 60_000;
        let size = await topicSize(kafka.brokers, topic);
        while (size < fixture.valid.length && Date.now() < deadline) {
          await new Promise((resolve) => setTimeout(resolve, 200));
          size = await topicSize(kafka.brokers, topic);
        }
        expect(size).toBe(fixture.valid.length);
      } finally {
        await bridge.bridge.stop();
      }

      const out = path.join(work, "out");
      const jobArgs = [
        "--brokers",
        kafka.brokers.join(","),
        "--topic",
        topic,
        "--output",
        out,
        ...WATERMARK,
        ...DETECT,
      ];
      const first = await runJob(env, jobArgs);
      expect(first.code, first.stderr.slice(-5000)).toBe(0);

      // Second half: every raw line straight into the topic, as a producer other than the bridge
      // would write them; the job resumes from its checkpoint.
      const producer = client.producer({ maxInFlightRequests: 1, idempotent: false });
      await producer.connect();
      for (let i = 0; i < fixture.lines.length; i += 500) {
        const chunk = fixture.lines.slice(i, i + 500).map((value) => ({ value }));
        await producer.send({ topic, acks: -1, messages: chunk });
      }
      await producer.disconnect();
      const second = await runJob(env, jobArgs);
      expect(second.code, second.stderr.slice(-5000)).toBe(0);
      console.log(`spark: job runs took ${first.seconds.toFixed(1)} s and ${second.seconds.toFixed(1)} s`);

      const { records, sparkDead } = await expectEqualToCli(kafka.brokers, topic, out, work, {
        deadLetters: true,
        late: true,
        minWindows: 200,
        minEvents: 10,
      });
      expect(records).toHaveLength(fixture.valid.length + fixture.lines.length);
      // ... and the same dead letters on the dead-letter topic, with kafka/consumer.ts's headers.
      const dlq = await dumpTopic(kafka.brokers, `${topic}.dlq`);
      expect(
        dlq.map((d) => `${d.headers.dlq_source_partition}/${d.headers.dlq_source_offset}`).sort(),
      ).toEqual(sparkDead.map((d) => `${d.partition}/${d.offset}`).sort());
      expect(dlq.every((d) => d.headers.dlq_reason && d.headers.dlq_source_topic === topic)).toBe(true);
    },
    40 * 60_000,
  );
});
