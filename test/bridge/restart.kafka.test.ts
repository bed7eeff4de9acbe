// Nothing a device saw acknowledged is lost: Kafka killed and restarted during a QoS 1 stream, and the
// bridge itself stopped and started again during one. Devices are mqtt.js clients that publish without
// pause and resend what was not acknowledged when they reconnect, as MQTT asks.
import { randomUUID } from "node:crypto";
import path from "node:path";
import type { MqttClient } from "mqtt";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import {
  freePort,
  killBroker,
  type RunningBroker,
  startBroker,
  stateRoot,
  stopBroker,
} from "../../scripts/kafka/broker.mjs";
import { kafka, noBroker, until } from "../kafka/helpers.js";
import { requirePrerequisite } from "../setup/prerequisite.js";
import { connect, readTopic, startTestBridge, type TestBridge } from "./helpers.js";

interface Device {
  client: MqttClient;
  room: string;
  acked: number[];
  sent: number;
}

/** Publishes seq 0, 1, 2... with up to `window` in flight until `running()` is false; records what was acknowledged. */
async function stream(d: Device, running: () => boolean, window = 8): Promise<void> {
  const inFlight = new Set<Promise<void>>();
  while (running()) {
    const seq = d.sent++;
    const p: Promise<void> = d.client
      .publishAsync(`home/${d.room}/temperature`, JSON.stringify({ value: seq, device_id: d.room }), {
        qos: 1,
      })
      .then(
        () => {
          d.acked.push(seq);
        },
        () => {},
      )
      .finally(() => inFlight.delete(p));
    inFlight.add(p);
    if (inFlight.size >= window) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
}

async function devices(url: string, n: number): Promise<Device[]> {
  return Promise.all(
    Array.from({ length: n }, async (_, i) => ({
      // Reconnect and resend: what a real device's MQTT stack does after losing the broker.
      client: await connect(url, { clientId: `restart-dev-${i}`, reconnectPeriod: 200, clean: true }),
      room: `room${i}`,
      acked: [],
      sent: 0,
    })),
  );
}

async function expectAllAckedInKafka(brokers: string[], topic: string, devs: Device[]): Promise<void> {
  const acked = devs.reduce((n, d) => n + d.acked.length, 0);
  const records = await readTopic(brokers, topic, acked, { timeoutMs: 60_000 });
  const seen = new Set(records.map((r) => `${r.key}:${JSON.parse(r.value.toString()).value}`));
  const missing = devs.flatMap((d) =>
    d.acked.filter((seq) => !seen.has(`${d.room}:${seq}`)).map((s) => `${d.room}:${s}`),
  );
  expect(missing).toEqual([]);
  expect(acked).toBeGreaterThan(100);
}

/** A metric of the bridge (both threads), summed over its labels. */
async function bridgeMetric(t: TestBridge, name: string): Promise<number> {
  const metrics = await (await t.bridge.metricsRegistry()).getMetricsAsJSON();
  return (metrics.find((m) => m.name === name)?.values ?? []).reduce((sum, v) => sum + Number(v.value), 0);
}

/**
 * A round trip through the bridge's MQTT listener on a new connection: anything the bridge wrote to the
 * other connections before it answered this one has reached them too (one process, loopback).
 */
async function roundTrip(url: string): Promise<void> {
  const probe = await connect(url, { clientId: `restart-probe-${randomUUID().slice(0, 6)}` });
  await probe.endAsync();
}

const brokerStarts =
  !noBroker &&
  requirePrerequisite(
    "kafka-broker-starts",
    kafka.canStartBrokers,
    kafka.brokerStartsMissing ?? "java and mvn on PATH, to start a broker of its own",
  );

describe.runIf(brokerStarts)("Kafka stopped and restarted during a QoS 1 stream", () => {
  let broker: RunningBroker;
  const dir = path.join(stateRoot, `vitest-${process.pid}-bridge-restart-${randomUUID().slice(0, 6)}`);
  let t: TestBridge;

  beforeAll(async () => {
    broker = await startBroker({ dir, port: await freePort(), heap: "384m" });
    t = await startTestBridge([broker.bootstrap], { kafka: { probeIntervalMs: 300 } });
  });
  afterAll(async () => {
    await t?.bridge.stop();
    await stopBroker({ dir });
  });

  it("loses no acknowledged message, and /healthz follows Kafka", async () => {
    const devs = await devices(t.url, 4);
    let running = true;
    const streams = devs.map((d) => stream(d, () => running));
    await until(() => devs.every((d) => d.acked.length > 20), 30_000, "the stream to flow");
    expect(t.bridge.health().ok).toBe(true);

    await killBroker({ dir });
    await until(() => !t.bridge.health().ok, 20_000, "/healthz to report Kafka unreachable");
    const ackedWhileDown = devs.map((d) => d.acked.length);
    // The positive signal before "nothing acknowledged": the bridge received every publish the
    // devices made and handed each one not acknowledged to Kafka, and a round trip through its MQTT
    // listener came back after any PUBACK it could have sent for them.
    const sent = () => devs.reduce((n, d) => n + d.sent, 0);
    const unacknowledged = () => sent() - devs.reduce((n, d) => n + d.acked.length, 0);
    await vi.waitFor(
      async () => {
        expect(await bridgeMetric(t, "homestream_bridge_messages_received_total")).toBeGreaterThanOrEqual(
          sent(),
        );
        expect(await bridgeMetric(t, "homestream_bridge_records_in_flight")).toBeGreaterThanOrEqual(
          unacknowledged(),
        );
      },
      { timeout: 30_000, interval: 100 },
    );
    await roundTrip(t.url);
    // Nothing is acknowledged while Kafka is away (a few acks may have been in flight at the kill).
    const grewWhileDown = devs.reduce((n, d, i) => n + d.acked.length - (ackedWhileDown[i] as number), 0);
    expect(grewWhileDown).toBe(0);

    await startBroker({ dir, heap: "384m" });
    await until(() => t.bridge.health().ok, 60_000, "/healthz to report Kafka back");
    const ackedAtRestart = devs.map((d) => d.acked.length);
    await until(
      () => devs.every((d, i) => d.acked.length > (ackedAtRestart[i] as number) + 20),
      60_000,
      "the stream to resume",
    );
    running = false;
    await Promise.all(streams);
    await Promise.all(devs.map((d) => d.client.endAsync()));
    await expectAllAckedInKafka([broker.bootstrap], t.topic, devs);
  });
});

describe.skipIf(noBroker)("the bridge restarted during a QoS 1 stream", () => {
  it("loses no acknowledged message: devices reconnect and resend what was not acknowledged", async () => {
    const port = await freePort();
    const topic = `test.bridge.restart.${randomUUID().slice(0, 8)}`;
    const overrides = { mqtt: { port }, kafka: { topic } };
    let t = await startTestBridge(kafka.brokers, overrides);
    const devs = await devices(t.url, 4);
    let running = true;
    const streams = devs.map((d) => stream(d, () => running));
    try {
      await until(() => devs.every((d) => d.acked.length > 20), 30_000, "the stream to flow");
      await t.bridge.stop();
      t = await startTestBridge(kafka.brokers, overrides);
      const ackedAtRestart = devs.map((d) => d.acked.length);
      await until(
        () => devs.every((d, i) => d.acked.length > (ackedAtRestart[i] as number) + 20),
        30_000,
        "the stream to resume through the new bridge",
      );
    } finally {
      running = false;
      await Promise.all(streams);
      await Promise.all(devs.map((d) => d.client.endAsync()));
      await t.bridge.stop();
    }
    await expectAllAckedInKafka(kafka.brokers, topic, devs);
  });
});
