// `homestream start` with KAFKA_BROKERS set: the embedded broker's readings are forwarded to Kafka by
// the bridge, and the first start deploys the Kafka flow, which reads them back from Kafka.
import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createKafkaClient } from "../../kafka/index.js";
import { mosquittoPub } from "../bridge/mosquitto.js";
import { kafka, noBroker } from "../kafka/helpers.js";
import { csvLines, eventually, type StartedHomestream, startHomestream } from "../start/run-start.js";

describe.skipIf(noBroker)("homestream start with KAFKA_BROKERS", () => {
  let dir: string | undefined;
  let run: StartedHomestream | undefined;
  afterAll(async () => {
    await run?.stop("SIGKILL");
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("forwards MQTT readings to Kafka and runs the Kafka flow on them", async () => {
    dir = await mkdtemp(path.join(tmpdir(), "hs-start-kafka-"));
    const topic = `start.${randomUUID().slice(0, 8)}`;
    const client = createKafkaClient({ brokers: kafka.brokers, clientId: "start-test" });
    for (let attempt = 1; ; attempt++) {
      try {
        await client.ensureTopic({ topic, partitions: 3 });
        break;
      } catch (err) {
        // a fresh broker sometimes answers the first creation with "does not host this topic-partition"
        if (attempt >= 5) throw err;
      }
    }
    run = await startHomestream(
      ["--port", "0", "--mqtt-port", "0", "--data-dir", dir, "--kafka-topic", topic],
      {
        env: { KAFKA_BROKERS: kafka.brokers.join(",") },
      },
    );
    const started = run;
    expect(started.deployed).toBe("kafka");
    expect(started.stdout()).toContain(`Kafka:      ${kafka.brokers.join(",")}`);
    const mqtt = started.mqtt;
    if (!mqtt) throw new Error("no MQTT address printed");

    const room = `shed_${randomUUID().slice(0, 6)}`;
    let last = 0;
    await eventually(
      () => {
        const row = csvLines(started.anomaliesDir).find((l) => l.startsWith(`anomaly_start,${room},kafka,`));
        // kafka-in starts at the latest offset once its group has joined: publish until it sees them.
        if (!row && Date.now() - last > 3000) {
          last = Date.now();
          for (const [sensor, value] of [
            ["light", "ON"],
            ["presence", "0"],
          ] as const) {
            mosquittoPub(mqtt, `home/${room}/${sensor}`, value);
          }
        }
        return row;
      },
      90_000,
      `an anomaly row for ${room}`,
    );
    expect(await started.stop("SIGINT")).toBe(0);
    run = undefined;
  }, 150_000);
});
