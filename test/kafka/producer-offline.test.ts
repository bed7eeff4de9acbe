// The producer while no broker answers: bounded buffer policies, delivery timeouts, close() giving up,
// status events, and configuration errors. A closed loopback port stands in for the missing broker, so
// this suite needs no Kafka.
import { createServer } from "node:net";
import { beforeAll, describe, expect, it } from "vitest";
import { createKafkaClient, type KafkaClient } from "../../kafka/client.js";
import {
  BufferFullError,
  DeliveryTimeoutError,
  InvalidRecordError,
  ProducerClosedError,
  RecordDroppedError,
} from "../../kafka/errors.js";
import type { ConnectionState } from "../../kafka/status.js";

/** A loopback port with nothing listening (taken, then released). */
function deadPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 1));
    });
  });
}

describe("KafkaProducer without a reachable broker", () => {
  let client: KafkaClient;

  beforeAll(async () => {
    client = createKafkaClient({ brokers: [`127.0.0.1:${await deadPort()}`], connectionTimeoutMs: 200 });
  });

  it("rejects the newest record when the buffer is full (whenFull: reject), and counts it", async () => {
    // A long linger keeps the records in the buffer (none is taken into a request).
    const producer = client.producer({ topic: "t", maxBufferedRecords: 3, lingerMs: 60_000, batchSize: 100 });
    const accepted = [1, 2, 3].map((i) => producer.send({ value: String(i) }));
    for (const p of accepted) p.catch(() => {});
    await expect(producer.send({ value: "4" })).rejects.toBeInstanceOf(BufferFullError);
    expect(producer.stats().rejected).toBe(1);
    await producer.close({ timeoutMs: 100 });
    const results = await Promise.allSettled(accepted);
    expect(results.map((r) => r.status)).toEqual(["rejected", "rejected", "rejected"]);
    for (const r of results) expect((r as PromiseRejectedResult).reason).toBeInstanceOf(ProducerClosedError);
    expect(producer.stats()).toMatchObject({ failed: 3, buffered: 0, inFlight: 0 });
  });

  it("drops the oldest buffered record for a new one (whenFull: drop-oldest), and counts it", async () => {
    const producer = client.producer({
      topic: "t",
      maxBufferedRecords: 2,
      whenFull: "drop-oldest",
      lingerMs: 60_000, // keep everything in the buffer: nothing is taken into a request
      batchSize: 100,
    });
    const first = producer.send({ value: "1" });
    const second = producer.send({ value: "2" });
    const third = producer.send({ value: "3" });
    await expect(first).rejects.toBeInstanceOf(RecordDroppedError);
    expect(producer.stats()).toMatchObject({ dropped: 1, buffered: 2 });
    second.catch(() => {});
    third.catch(() => {});
    await producer.close({ timeoutMs: 100 });
    await expect(second).rejects.toBeInstanceOf(ProducerClosedError);
  });

  it("fails a record not acknowledged within deliveryTimeoutMs, after reporting reconnecting", async () => {
    const producer = client.producer({
      topic: "t",
      deliveryTimeoutMs: 400,
      retryBackoffMs: 50,
      retryBackoffMaxMs: 100,
    });
    const states: ConnectionState[] = [];
    producer.on("status", (s) => states.push(s.state));
    const started = Date.now();
    await expect(producer.send({ value: "x" })).rejects.toBeInstanceOf(DeliveryTimeoutError);
    expect(Date.now() - started).toBeGreaterThanOrEqual(400);
    expect(states).toContain("reconnecting");
    expect(producer.stats()).toMatchObject({ failed: 1, acked: 0 });
    expect(producer.stats().retries).toBeGreaterThan(0);
    await producer.close({ timeoutMs: 100 });
    expect(producer.state).toBe("closed");
  });

  it("refuses records it can never send, at once", async () => {
    const producer = client.producer({ maxRecordBytes: 10 });
    await expect(producer.send({ value: "x" })).rejects.toThrow(/no topic/);
    await expect(producer.send({ topic: "bad topic", value: "x" })).rejects.toBeInstanceOf(
      InvalidRecordError,
    );
    await expect(producer.send({ topic: "t", value: "x".repeat(11) })).rejects.toThrow(
      /exceeds maxRecordBytes/,
    );
    await producer.close();
  });

  it("names the offending field in configuration errors", () => {
    expect(() => createKafkaClient({ brokers: [] })).toThrow(/kafka\.brokers: needs at least one broker/);
    expect(() => createKafkaClient({ brokers: "localhost" })).toThrow(
      /kafka\.brokers\.0: each broker must be host:port/,
    );
    expect(() =>
      createKafkaClient({
        brokers: "a:1",
        sasl: { mechanism: "oauth", username: "u", password: "p" } as never,
      }),
    ).toThrow(/kafka\.sasl\.mechanism/);
    expect(() => client.producer({ acks: 1 })).toThrow(/producer\.idempotent: needs acks all/);
    expect(() => client.producer({ lingerMs: -1 })).toThrow(/producer\.lingerMs/);
    expect(() => client.consumer({ groupId: "", topics: "t" }, () => {})).toThrow(
      /consumer\.groupId: must not be empty/,
    );
    expect(() => client.consumer({ groupId: "g", topics: "t", timeZone: "Mars/Olympus" }, () => {})).toThrow(
      /consumer\.timeZone/,
    );
    // Accepted shapes: comma-separated brokers, TLS and SCRAM passed through.
    const ok = createKafkaClient({
      brokers: "a:9092, b:9093",
      ssl: { rejectUnauthorized: false },
      sasl: { mechanism: "scram-sha-512", username: "u", password: "p" },
    });
    expect(ok.config.brokers).toEqual(["a:9092", "b:9093"]);
    expect(client.producer({ acks: 1, idempotent: false }).config.acks).toBe(1);
  });
});
