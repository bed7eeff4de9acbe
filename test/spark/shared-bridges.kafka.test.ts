// Beyond one house (README, "Scale"): two bridges behind an external Mosquitto share one MQTT
// subscription ($share) and feed one topic of three partitions; the Spark job reads it and gives
// what `homestream stats`/`detect` give on the same records, in the same arrival order.
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Kafka, logLevel } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SparkEnv } from "../../cli/spark-env.js";
import { freePort } from "../../scripts/kafka/broker.mjs";
import { connect, startTestBridge, type TestBridge, topicSize } from "../bridge/helpers.js";
import { MOSQUITTO, type Mosquitto, startMosquitto } from "../bridge/mosquitto.js";
import { kafka, noBroker, uniqueTopic } from "../kafka/helpers.js";
import { requirePrerequisite } from "../setup/prerequisite.js";
import { makeFixture } from "./fixture.js";
import { expectEqualToCli, runJob, sparkEnvOrSkip } from "./spark-run.js";

const runs =
  !noBroker &&
  requirePrerequisite(
    "mosquitto",
    MOSQUITTO !== undefined,
    "mosquitto, the MQTT broker, on PATH or in /usr/sbin (apt-get install mosquitto)",
  );

describe.runIf(runs)("two bridges on a shared subscription, one Spark job", () => {
  let env: SparkEnv | undefined;
  let skip: string | undefined;
  let work: string;
  let mosquitto: Mosquitto;
  beforeAll(async () => {
    ({ env, skip } = await sparkEnvOrSkip());
    work = mkdtempSync(path.join(tmpdir(), "hs-spark-share-"));
    mosquitto = await startMosquitto(await freePort());
  }, 30 * 60_000);
  afterAll(async () => {
    await mosquitto?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it(
    "splits the readings between the bridges and still equals the CLI",
    async (ctx) => {
      if (!env) return ctx.skip(skip);
      const fixture = makeFixture(23, 1500, "");
      const topic = uniqueTopic("spark-share");
      const admin = new Kafka({ brokers: [...kafka.brokers], logLevel: logLevel.NOTHING }).admin();
      await admin.connect();
      await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true });
      await admin.disconnect();

      const external = () => ({
        mqtt: { enabled: false },
        external: { url: mosquitto.url, clientId: `bridge-${randomUUID().slice(0, 6)}`, shareGroup: "hs" },
        kafka: { topic },
      });
      const bridges: TestBridge[] = [];
      try {
        bridges.push(await startTestBridge(kafka.brokers, external()));
        bridges.push(await startTestBridge(kafka.brokers, external()));
        const pub = await connect(mosquitto.url, { clientId: "spark-share-pub" });
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
        const forwarded = await Promise.all(bridges.map(async (b) => (await b.bridge.summary()).forwarded));
        expect(forwarded[0]).toBeGreaterThan(0);
        expect(forwarded[1]).toBeGreaterThan(0);
      } finally {
        for (const b of bridges) await b.bridge.stop();
      }

      const out = path.join(work, "out");
      const run = await runJob(env, [
        "--brokers",
        kafka.brokers.join(","),
        "--topic",
        topic,
        "--output",
        out,
        "--watermark",
        "30s",
        "--grace",
        "30s",
        "--presence-max-age",
        "2m",
        "--only",
        "windows,anomalies",
      ]);
      expect(run.code, run.stderr.slice(-5000)).toBe(0);
      console.log(`spark: job run took ${run.seconds.toFixed(1)} s`);
      const { records } = await expectEqualToCli(kafka.brokers, topic, out, work, {
        deadLetters: false,
        late: false,
        minWindows: 100,
        minEvents: 5,
      });
      // Four rooms over three partitions: the arrival order spans partitions.
      expect(new Set(records.map((r) => r.partition)).size).toBeGreaterThan(1);
    },
    40 * 60_000,
  );
});
