// External broker mode against a real Mosquitto on a loopback port: the bridge subscribes (MQTT 5,
// shared subscriptions), forwards into the real Kafka broker, acknowledges after Kafka, and picks up
// what was published while it was away (kept session).
import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../../scripts/kafka/broker.mjs";
import { kafka, noBroker } from "../kafka/helpers.js";
import { requirePrerequisite } from "../setup/prerequisite.js";
import { connect, reading, readTopic, startTestBridge, type TestBridge } from "./helpers.js";
import { MemorySink } from "./memory-sink.js";
import { MOSQUITTO, type Mosquitto, startMosquitto } from "./mosquitto.js";

const execFileAsync = promisify(execFile);

const runs =
  !noBroker &&
  requirePrerequisite(
    "mosquitto",
    MOSQUITTO !== undefined,
    "mosquitto, the MQTT broker, on PATH or in /usr/sbin (apt-get install mosquitto)",
  );

describe.runIf(runs)("external broker mode (Mosquitto)", () => {
  let mosquitto: Mosquitto;
  beforeAll(async () => {
    mosquitto = await startMosquitto(await freePort());
  });
  afterAll(async () => {
    await mosquitto?.stop();
  });

  const external = (over: Record<string, unknown> = {}) => ({
    mqtt: { enabled: false },
    external: { url: mosquitto.url, clientId: `bridge-${randomUUID().slice(0, 6)}`, ...over },
  });

  it("forwards QoS 1 readings from mqtt.js and mosquitto_pub, and dead-letters junk", async () => {
    const t = await startTestBridge(kafka.brokers, external());
    try {
      const pub = await connect(mosquitto.url, { clientId: "ext-pub" });
      for (let seq = 0; seq < 50; seq++)
        await pub.publishAsync("home/kitchen/temperature", JSON.stringify(reading(seq, "kitchen")), {
          qos: 1,
        });
      await pub.publishAsync("home/kitchen/temperature", "{broken", { qos: 1 });
      await pub.endAsync();
      await execFileAsync("mosquitto_pub", [
        "-p",
        String(mosquitto.port),
        "-h",
        "127.0.0.1",
        "-q",
        "1",
        "-t",
        "home/attic/humidity",
        "-m",
        "64",
      ]);
      const records = await readTopic(kafka.brokers, t.topic, 51);
      expect(
        records.filter((r) => r.key === "kitchen").map((r) => JSON.parse(r.value.toString()).value),
      ).toEqual([...Array(50).keys()]);
      expect(
        records.filter((r) => r.key === "attic").map((r) => JSON.parse(r.value.toString()).value),
      ).toEqual([64]);
      // From an external broker the publisher's client id is unknown: the record says so by omission.
      expect(records[0]?.headers.mqtt_client_id).toBeUndefined();
      const dead = await readTopic(kafka.brokers, t.dlq, 1);
      expect(dead.map((d) => [d.headers.dlq_reason_code, d.value.toString()])).toEqual([
        ["invalid_json", "{broken"],
      ]);
    } finally {
      await t.bridge.stop();
    }
  });

  it("splits the stream between two bridges in one shared-subscription group", async () => {
    const topic = `test.bridge.shared.${randomUUID().slice(0, 8)}`;
    const a = await startTestBridge(kafka.brokers, { ...external({ shareGroup: "hs" }), kafka: { topic } });
    const b = await startTestBridge(kafka.brokers, { ...external({ shareGroup: "hs" }), kafka: { topic } });
    try {
      const pub = await connect(mosquitto.url, { clientId: "shared-pub" });
      const n = 200;
      await Promise.all(
        Array.from({ length: n }, (_, seq) =>
          pub.publishAsync(
            `home/room${seq % 4}/temperature`,
            JSON.stringify(reading(seq, `room${seq % 4}`)),
            { qos: 1 },
          ),
        ),
      );
      await pub.endAsync();
      const records = await readTopic(kafka.brokers, topic, n);
      expect(new Set(records.map((r) => JSON.parse(r.value.toString()).value)).size).toBe(n);
      const forwardedBy = async (t: TestBridge) => (await t.bridge.summary()).forwarded;
      const [fa, fb] = [await forwardedBy(a), await forwardedBy(b)];
      expect(fa + fb).toBe(n);
      expect(fa).toBeGreaterThan(0);
      expect(fb).toBeGreaterThan(0);
    } finally {
      await a.bridge.stop();
      await b.bridge.stop();
    }
  });

  it("gets what was published while it was stopped (the broker kept its session)", async () => {
    const clientId = `bridge-kept-${randomUUID().slice(0, 6)}`;
    const topic = `test.bridge.kept.${randomUUID().slice(0, 8)}`;
    const config = { ...external({ clientId }), kafka: { topic } };
    const first = await startTestBridge(kafka.brokers, config);
    await first.bridge.stop();
    const pub = await connect(mosquitto.url, { clientId: "kept-pub" });
    for (let seq = 0; seq < 20; seq++)
      await pub.publishAsync("home/hall/temperature", JSON.stringify(reading(seq, "hall")), { qos: 1 });
    await pub.endAsync();
    const second = await startTestBridge(kafka.brokers, config);
    try {
      const records = await readTopic(kafka.brokers, topic, 20);
      expect(records.map((r) => JSON.parse(r.value.toString()).value)).toEqual([...Array(20).keys()]);
    } finally {
      await second.bridge.stop();
    }
  });

  it("leaves what Kafka had not acknowledged unacknowledged at the broker, which sends it again", async () => {
    const clientId = `bridge-redeliver-${randomUUID().slice(0, 6)}`;
    const stuck = new MemorySink();
    stuck.autoAck = false;
    const first = await startTestBridge(
      [],
      { ...external({ clientId }), shutdownTimeoutMs: 200 },
      { sink: stuck },
    );
    const pub = await connect(mosquitto.url, { clientId: "redeliver-pub" });
    for (let seq = 0; seq < 5; seq++)
      await pub.publishAsync("home/hall/temperature", String(seq), { qos: 1 });
    await pub.endAsync();
    while (stuck.pending.length < 5) await new Promise((resolve) => setTimeout(resolve, 20));
    await first.bridge.stop();
    const sink = new MemorySink();
    const second = await startTestBridge([], external({ clientId }), { sink });
    try {
      while (sink.acked.length < 5) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(sink.values().map((v) => (v as { value: number }).value)).toEqual([0, 1, 2, 3, 4]);
    } finally {
      await second.bridge.stop();
    }
  });
});
