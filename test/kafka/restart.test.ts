// A broker killed and restarted in the middle of a stream: no record the producer reported as
// acknowledged may be missing afterwards, and a consumer running throughout sees all of them.
// This suite runs a broker of its own (its own port and data), so the shared one is not disturbed.
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TimedReading } from "../../core/reading.js";
import { createKafkaClient, type KafkaClient } from "../../kafka/client.js";
import type { KafkaConsumer } from "../../kafka/consumer.js";
import type { KafkaProducer } from "../../kafka/producer.js";
import type { ConnectionState } from "../../kafka/status.js";
import {
  freePort,
  killBroker,
  type RunningBroker,
  startBroker,
  stateRoot,
  stopBroker,
} from "../../scripts/kafka/broker.mjs";
import { requirePrerequisite } from "../setup/prerequisite.js";
import { collectingLogger, kafka, noBroker, reading, uniqueTopic, until } from "./helpers.js";

const runs =
  !noBroker &&
  requirePrerequisite(
    "kafka-broker-starts",
    kafka.canStartBrokers,
    kafka.brokerStartsMissing ?? "java and mvn on PATH, to start a broker of its own",
  );

describe.runIf(runs)("a broker restart during a stream", () => {
  const dir = path.join(stateRoot, `vitest-${process.pid}-restart`);
  let broker: RunningBroker;
  let client: KafkaClient;
  let producer: KafkaProducer | undefined;
  let consumer: KafkaConsumer<TimedReading> | undefined;
  const log = collectingLogger();

  beforeAll(async () => {
    broker = await startBroker({ dir, port: await freePort() });
    client = createKafkaClient({ brokers: [broker.bootstrap], clientId: "restart-test" }, { logger: log });
  });

  afterAll(async () => {
    await producer?.close({ timeoutMs: 5000 });
    await consumer?.stop();
    await stopBroker({ dir });
  });

  it("loses no acknowledged record (SIGKILL, then restart on the same data)", async () => {
    const topic = uniqueTopic("restart");
    await client.ensureTopic({ topic, partitions: 3 });
    const received = new Set<number>();
    const consumerStates: ConnectionState[] = [];
    consumer = client.consumer(
      {
        groupId: uniqueTopic("g"),
        topics: topic,
        startPosition: "earliest",
        retryBackoffMs: 200,
        // The member the broker knew before the crash blocks the group until its session expires.
        sessionTimeoutMs: 8000,
        heartbeatIntervalMs: 1000,
      },
      (v) => void received.add(v.reading.value),
    );
    consumer.on("status", (s) => consumerStates.push(s.state));
    await consumer.start();

    producer = client.producer({ topic, lingerMs: 5, retryBackoffMs: 100, retryBackoffMaxMs: 1000 });
    const producerStates: ConnectionState[] = [];
    producer.on("status", (s) => producerStates.push(s.state));
    const acked = new Set<number>();
    const failed: string[] = [];
    const outcomes: Promise<unknown>[] = [];
    let seq = 0;
    // A steady stream, one record every 2 ms, for as long as `streaming` holds.
    let streaming = true;
    const stream = (async () => {
      while (streaming) {
        const n = seq++;
        const p = producer?.send({ key: reading(n).room, value: JSON.stringify(reading(n)) });
        if (p) {
          outcomes.push(
            p.then(
              () => void acked.add(n),
              (err: Error) => void failed.push(`${n}: ${err.message}`),
            ),
          );
        }
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
    })();

    await until(() => acked.size >= 300, 30_000, "300 acknowledged records before the kill");
    await killBroker({ dir });
    const sentAtKill = seq;
    // The producer notices (status) while the broker is gone, and keeps buffering.
    await until(() => producerStates.includes("reconnecting"), 30_000, "the producer to report reconnecting");
    await until(() => seq >= sentAtKill + 300, 30_000, "300 more records sent while the broker is down");
    broker = await startBroker({ dir });
    await until(() => producerStates.at(-1) === "connected", 60_000, "the producer to reconnect");
    const sentAtRestart = seq;
    await until(
      () => acked.size > sentAtRestart,
      60_000,
      "records sent before the restart to be acknowledged",
    );
    streaming = false;
    await stream;
    await producer.close();
    await Promise.all(outcomes);
    expect(failed).toEqual([]);
    expect(acked.size).toBe(seq);
    await until(
      () => [...acked].every((n) => received.has(n)),
      90_000,
      "the consumer to see every acknowledged record",
    );
    expect(consumerStates).toContain("reconnecting");
    expect(consumer.stats().restarts).toBeGreaterThan(0);
  });
});
