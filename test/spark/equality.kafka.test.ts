// The Spark job (spark/) against `homestream stats` and `homestream detect` on the same records: a
// held log goes through the real bridge into the real Kafka broker, then the same log's raw lines
// (mixed timestamp forms, malformed lines) straight into the topic; the job runs with local[2] and
// availableNow after each half, resuming from its checkpoint. Window rows the watermark closed,
// anomaly events and dead-letter reasons must be the CLI's.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Kafka, logLevel } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SparkEnv } from "../../cli/spark-env.js";
import { parseReadingJson } from "../../core/reading.js";
import { connect, startTestBridge, type TestBridge, topicSize } from "../bridge/helpers.js";
import { kafka, noBroker, uniqueTopic } from "../kafka/helpers.js";
import { makeFixture } from "./fixture.js";
import {
  dumpTopic,
  eventText,
  readCsvDir,
  runCli,
  runJob,
  sparkEnvOrSkip,
  windowDifferences,
} from "./spark-run.js";

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

      // The CLI gets the topic's records in the job's arrival order.
      const records = await dumpTopic(kafka.brokers, topic);
      expect(records).toHaveLength(fixture.valid.length + fixture.lines.length);
      const log = path.join(work, "topic.jsonl");
      writeFileSync(log, `${records.map((r) => r.value).join("\n")}\n`);

      // Windows: every window the job's final watermark closed (max event time of the aggregated
      // readings minus the delay) is in both, equal; none is written twice across the restart.
      const stats = runCli("stats", log, WATERMARK);
      expect(stats.summary).toMatch(/ [1-9]\d* late/); // the log exercises late readings
      let maxTime = Number.NEGATIVE_INFINITY;
      for (const r of records) {
        const p = parseReadingJson(r.value);
        if (p.ok && ["temperature", "humidity"].includes(p.value.reading.sensor_type))
          maxTime = Math.max(maxTime, p.value.time);
      }
      const watermark = maxTime - 30_000;
      const closed = stats.rows.filter((w) => Date.parse(w.window_end as string) <= watermark);
      expect(closed.length).toBeGreaterThan(200);
      const sparkWindows = readCsvDir(path.join(out, "windows"));
      expect(windowDifferences(closed, sparkWindows)).toEqual([]);

      // Anomalies: the same events (rooms interleave differently; each room's sequence is the same).
      const detect = runCli("detect", log, DETECT);
      const sparkEvents = readCsvDir(path.join(out, "anomalies"));
      expect(detect.rows.filter((e) => e.event === "anomaly_start").length).toBeGreaterThan(10);
      expect(detect.rows.filter((e) => e.event === "anomaly_end").length).toBeGreaterThan(10);
      expect(sparkEvents.map(eventText).sort()).toEqual(detect.rows.map(eventText).sort());
      expect(new Set(sparkEvents.map((e) => e.source))).toEqual(new Set(["spark"]));

      // Dead letters: the records the CLI rejects, with its reasons. JSON syntax errors are worded by
      // each language's parser (V8's and Python's), so for those only the "invalid JSON" part matches.
      const cliReasons = [...stats.rejected].map(([line, reason]) => {
        const r = records[line - 1];
        return `${r?.partition}/${r?.offset} ${reason.startsWith("invalid JSON:") ? "invalid JSON" : reason}`;
      });
      const sparkDead = readCsvDir(path.join(out, "dead_letters"));
      const sparkReasons = sparkDead.map(
        (d) =>
          `${d.partition}/${d.offset} ${d.reason?.startsWith("invalid JSON:") ? "invalid JSON" : d.reason}`,
      );
      expect(cliReasons.length).toBeGreaterThan(40);
      expect(sparkReasons.sort()).toEqual(cliReasons.sort());
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
