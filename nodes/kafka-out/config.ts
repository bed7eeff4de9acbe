// The kafka-out configuration as the editor saves it, validated once at deploy; producer settings
// are checked again by the Kafka layer's own schema when the producer is made.

import type { ProducerConfigInput } from "@homestream/kafka/config";
import { topicName } from "@homestream/kafka/config";
import { z } from "zod";
import {
  choice,
  duration,
  flag,
  NodeConfigError,
  number,
  parseConfig,
  text,
  timeZone,
} from "../shared/config.js";

const schema = z
  .object({
    broker: text(""),
    topic: text("home_sensors").refine((t) => topicName.safeParse(t).success, {
      error: "must be 1-249 letters, digits, '.', '_' or '-'",
    }),
    key: choice(["room", "device_id", "sensor_type", "none"], "room"),
    headers: text(""),
    validate: flag(true),
    acks: choice(["all", "1", "0"], "all"),
    compression: choice(["none", "gzip"], "gzip"),
    buffer: number(100_000, { min: 1, max: 10_000_000, integer: true }),
    whenFull: choice(["reject", "drop-oldest"], "reject"),
    deliveryTimeout: duration(120_000, { min: 1 }),
    reports: flag(false),
    timeZone: timeZone(),
  })
  .loose();

export interface KafkaOutConfig {
  brokerId: string;
  topic: string;
  key: "room" | "device_id" | "sensor_type" | "none";
  headers: Record<string, string>;
  validate: boolean;
  reports: boolean;
  timeZone: string;
  producer: ProducerConfigInput;
}

export function kafkaOutConfig(def: unknown): KafkaOutConfig {
  const c = parseConfig(schema, def);
  let headers: Record<string, string> = {};
  if (c.headers !== "") {
    let parsed: unknown;
    try {
      parsed = JSON.parse(c.headers);
    } catch (err) {
      throw new NodeConfigError(`invalid configuration: headers: not JSON (${(err as Error).message})`);
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
      throw new NodeConfigError(
        'invalid configuration: headers: must be a JSON object such as {"source":"node-red"}',
      );
    }
    headers = Object.fromEntries(
      Object.entries(parsed).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]),
    );
  }
  const acks = c.acks === "all" ? -1 : (Number(c.acks) as 0 | 1);
  return {
    brokerId: c.broker,
    topic: c.topic,
    key: c.key,
    headers,
    validate: c.validate,
    reports: c.reports,
    timeZone: c.timeZone,
    producer: {
      topic: c.topic,
      acks,
      // idempotence (broker-side de-duplication of retries) needs acks=all
      idempotent: acks === -1,
      compression: c.compression,
      maxBufferedRecords: c.buffer,
      whenFull: c.whenFull,
      deliveryTimeoutMs: c.deliveryTimeout,
    },
  };
}
