// The embedded broker into the real Kafka broker: QoS 1 acknowledged only after Kafka has the record,
// keys by room, provenance headers, and a third-party client (Mosquitto's mosquitto_pub) checked with kcat.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createLogger } from "../../bridge/logger.js";
import { kafka, kcatConsumeAll, noBroker } from "../kafka/helpers.js";
import { connect, reading, readTopic, startTestBridge, type TestBridge, topicSize } from "./helpers.js";

const execFileAsync = promisify(execFile);

describe.skipIf(noBroker)("embedded broker -> Kafka", () => {
  let t: TestBridge;
  beforeAll(async () => {
    t = await startTestBridge(kafka.brokers, { metrics: { port: 0 } });
  });
  afterAll(async () => {
    await t?.bridge.stop();
  });

  it("acknowledges QoS 1 only once Kafka has the record, keyed by room, with provenance headers", async () => {
    const rooms = ["kitchen", "bedroom", "living_room"];
    const clients = await Promise.all(rooms.map((room) => connect(t.url, { clientId: `dev-${room}` })));
    const perClient = 20;
    await Promise.all(
      clients.map(async (client, i) => {
        const room = rooms[i] as string;
        for (let seq = 0; seq < perClient; seq++) {
          await client.publishAsync(`home/${room}/temperature`, JSON.stringify(reading(seq, room)), {
            qos: 1,
          });
        }
      }),
    );
    // Every PUBACK above came after Kafka's acknowledgement, so Kafka already holds all of them.
    expect(await topicSize(kafka.brokers, t.topic)).toBe(rooms.length * perClient);
    await Promise.all(clients.map((c) => c.endAsync()));

    const records = await readTopic(kafka.brokers, t.topic, rooms.length * perClient);
    expect(records).toHaveLength(rooms.length * perClient);
    for (const r of records) {
      const value = JSON.parse(r.value.toString("utf8"));
      expect(r.key).toBe(value.room);
      expect(r.headers.mqtt_topic).toBe(`home/${value.room}/temperature`);
      expect(r.headers.mqtt_client_id).toBe(`dev-${value.room}`);
      expect(r.headers.mqtt_qos).toBe("1");
      expect(Date.parse(r.headers.received_at as string)).toBeGreaterThan(0);
      expect(value).toEqual(reading(value.value, value.room));
    }
    // Per room, order is kept: one key, one partition, in publish order.
    for (const room of rooms) {
      const values = records.filter((r) => r.key === room).map((r) => JSON.parse(r.value.toString()).value);
      expect(values).toEqual([...Array(perClient).keys()]);
    }
  });

  it("takes mosquitto_pub's bare QoS 1 values, and kcat reads them back keyed by room", async () => {
    const port = new URL(t.url).port;
    const sizeBefore = await topicSize(kafka.brokers, t.topic);
    const pub = (topic: string, message: string) =>
      execFileAsync(
        "mosquitto_pub",
        ["-h", "127.0.0.1", "-p", port, "-q", "1", "-i", "mosq-pub", "-t", topic, "-m", message],
        {
          timeout: 10_000,
        },
      );
    await pub("home/garage/temperature", "17.5");
    await pub("home/garage/light", "ON");
    await pub("home/garage/presence", "false");
    // Without -i, the client sends no id and the broker makes one up: that names no device.
    await execFileAsync(
      "mosquitto_pub",
      ["-h", "127.0.0.1", "-p", port, "-q", "1", "-t", "home/garage/humidity", "-m", "55"],
      {
        timeout: 10_000,
      },
    );
    expect(await topicSize(kafka.brokers, t.topic)).toBe(sizeBefore + 4);

    const all = await kcatConsumeAll(kafka.brokers.join(","), t.topic);
    const garage = all.filter((m) => m.key === "garage").map((m) => JSON.parse(m.payload as string));
    expect(garage.map((g) => [g.sensor_type, g.value, g.device_id])).toEqual([
      ["temperature", 17.5, "mosq-pub"],
      ["light", 1, "mosq-pub"],
      ["presence", 0, "mosq-pub"],
      ["humidity", 55, "garage_humidity"],
    ]);
    const headers = all.find((m) => m.key === "garage")?.headers ?? [];
    expect(headers).toContain("mqtt_topic");
    expect(headers[headers.indexOf("mqtt_topic") + 1]).toBe("home/garage/temperature");
  });

  it("serves /healthz and /metrics over HTTP", async () => {
    const base = `http://127.0.0.1:${t.bridge.addresses().metrics?.port}`;
    const health = await fetch(`${base}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: "ok", kafka: "reachable" });
    const metrics = await fetch(`${base}/metrics`);
    expect(metrics.headers.get("content-type")).toMatch(/text\/plain/);
    const text = await metrics.text();
    expect(text).toMatch(/^homestream_bridge_readings_forwarded_total 64$/m);
    expect(text).toMatch(/^homestream_bridge_messages_received_total\{qos="1"\} 64$/m);
    expect(text).toMatch(/^homestream_bridge_rejected_total\{reason="invalid_json"\} 0$/m);
    expect(text).toMatch(/^homestream_bridge_kafka_ack_latency_seconds_count 64$/m);
    expect(text).toMatch(/^homestream_bridge_records_in_flight 0$/m);
    expect((await fetch(`${base}/nope`)).status).toBe(404);
  });

  it("runs the Kafka side in a worker thread whose log lines reach the bridge's logger", async () => {
    const lines: string[] = [];
    const w = await startTestBridge(
      kafka.brokers,
      { kafka: { worker: true } },
      {
        logger: createLogger("info", { write: (line: string) => void lines.push(line) }),
      },
    );
    try {
      const client = await connect(w.url, { clientId: "log-device" });
      await client.publishAsync("home/attic/temperature", "{not json", { qos: 1 });
      await client.endAsync();
      await vi.waitFor(() => expect(lines.some((l) => l.includes("rejected payload"))).toBe(true), {
        timeout: 10_000,
      });
      const rejected = JSON.parse(lines.find((l) => l.includes("rejected payload")) as string);
      // Written by the worker, relayed with its fields to the logger the bridge was given.
      expect(rejected).toMatchObject({ thread: "ingest", reason: "invalid_json", clientId: "log-device" });
      expect(lines.some((l) => l.includes("Kafka reachable"))).toBe(true);
    } finally {
      await w.bridge.stop();
    }
  });
});

describe.skipIf(noBroker)(
  "embedded broker -> Kafka, the Kafka side in a worker thread (kafka.worker true)",
  () => {
    it("acknowledges QoS 1 after Kafka and counts what it forwarded", async () => {
      const t = await startTestBridge(kafka.brokers, { kafka: { worker: true } });
      try {
        const client = await connect(t.url, { clientId: "two-threads" });
        for (let seq = 0; seq < 10; seq++)
          await client.publishAsync("home/office/temperature", JSON.stringify(reading(seq, "office")), {
            qos: 1,
          });
        await client.endAsync();
        expect(await topicSize(kafka.brokers, t.topic)).toBe(10);
        expect(await t.bridge.summary()).toMatchObject({ received: 10, forwarded: 10, rejected: 0 });
      } finally {
        await t.bridge.stop();
      }
    });
  },
);
