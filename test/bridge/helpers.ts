// Shared pieces of the bridge suites: a bridge on ephemeral loopback ports, MQTT clients, and reading
// back what landed in Kafka with a plain kafkajs consumer (independent of the bridge's producer).
import { randomUUID } from "node:crypto";
import { Kafka, logLevel } from "kafkajs";
import mqtt, { type IClientOptions, type MqttClient } from "mqtt";
import { Bridge, type BridgeDeps } from "../../bridge/bridge.js";
import type { BridgeConfigInput } from "../../bridge/config.js";
import { bridgeConfigSchema } from "../../bridge/config.js";
import { createLogger } from "../../bridge/logger.js";

export interface TestBridge {
  bridge: Bridge;
  url: string;
  topic: string;
  dlq: string;
}

/** Logs go nowhere unless BRIDGE_TEST_LOG names a level (then to stderr). */
export function testLogger() {
  return createLogger((process.env.BRIDGE_TEST_LOG as "debug" | undefined) ?? "silent");
}

export async function startTestBridge(
  brokers: readonly string[],
  overrides: BridgeConfigInput = {},
  deps: BridgeDeps = {},
): Promise<TestBridge> {
  const topic = `test.bridge.${randomUUID().slice(0, 8)}`;
  const config = bridgeConfigSchema.parse({
    ...overrides,
    mqtt: { port: 0, ...overrides.mqtt },
    kafka: { brokers: [...brokers], topic, ...overrides.kafka },
    shutdownTimeoutMs: overrides.shutdownTimeoutMs ?? 5000,
  });
  const bridge = new Bridge(config, { logger: testLogger(), processMetrics: false, ...deps });
  await bridge.start();
  const a = bridge.addresses().mqtt;
  return {
    bridge,
    url: a ? `mqtt://127.0.0.1:${a.port}` : "",
    topic: config.kafka.topic,
    dlq: config.kafka.dlqTopic,
  };
}

export function connect(url: string, options: IClientOptions = {}): Promise<MqttClient> {
  return mqtt.connectAsync(url, { reconnectPeriod: 0, connectTimeout: 5000, ...options });
}

export interface ReadRecord {
  key: string | null;
  value: Buffer;
  headers: Record<string, string>;
  partition: number;
  offset: string;
}

/**
 * Reads `topic` from the beginning until `count` records arrived (or `timeoutMs` passed: then it returns
 * what it has, so the assertion shows what is missing), plus `settleMs` more to catch extras.
 */
export async function readTopic(
  brokers: readonly string[],
  topic: string,
  count: number,
  { timeoutMs = 30_000, settleMs = 300 } = {},
): Promise<ReadRecord[]> {
  const kafka = new Kafka({
    brokers: [...brokers],
    clientId: "bridge-test-reader",
    logLevel: logLevel.NOTHING,
  });
  const consumer = kafka.consumer({ groupId: `bridge-test-${randomUUID()}`, allowAutoTopicCreation: true });
  const records: ReadRecord[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    let reached: () => void = () => {};
    const done = new Promise<void>((resolve) => {
      reached = resolve;
    });
    await consumer.run({
      eachMessage: async ({ message, partition }) => {
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(message.headers ?? {})) headers[k] = String(v);
        records.push({
          key: message.key?.toString("utf8") ?? null,
          value: message.value ?? Buffer.alloc(0),
          headers,
          partition,
          offset: message.offset,
        });
        if (records.length >= count) reached();
      },
    });
    const timer = new Promise<void>((resolve) => setTimeout(resolve, timeoutMs));
    await Promise.race([done, timer]);
    await new Promise((resolve) => setTimeout(resolve, settleMs));
  } finally {
    await consumer.disconnect();
  }
  return records;
}

/** Sum of the high watermarks of `topic`: how many records Kafka has acknowledged into it. */
export async function topicSize(brokers: readonly string[], topic: string): Promise<number> {
  const kafka = new Kafka({
    brokers: [...brokers],
    clientId: "bridge-test-admin",
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    return offsets.reduce((sum, p) => sum + Number(p.high), 0);
  } finally {
    await admin.disconnect();
  }
}

export function reading(seq: number, room: string, sensorType = "temperature") {
  return {
    room,
    sensor_type: sensorType,
    value: seq,
    timestamp: new Date(Date.UTC(2026, 10, 27, 21) + seq * 1000).toISOString(),
    device_id: `${room}_${sensorType}_001`,
  };
}
