// The kafka-out configuration as the editor saves it, validated once at deploy; producer settings
// are checked again by the Kafka layer's own schema when the producer is made.

import type { ProducerConfigInput } from "@homestream/kafka/config";
import { COMPRESSIONS, topicName } from "@homestream/kafka/config";
import { z } from "zod";
import {
  choice,
  duration,
  flag,
  msgProperty,
  NodeConfigError,
  number,
  parseConfig,
  text,
  timeZone,
} from "../shared/config.js";
import { PAYLOAD_FORMATS, type PayloadFormat } from "./payload-format.js";

const schema = z
  .object({
    broker: text(""),
    // blank: home_sensors for readings; msg.topic for the other formats
    topic: text("").refine((t) => t === "" || topicName.safeParse(t).success, {
      error: "must be 1-249 letters, digits, '.', '_' or '-'",
    }),
    key: choice(["room", "device_id", "sensor_type", "none", "msg", "property"], "room"),
    keyProperty: msgProperty(""),
    // blank: as saved before formats existed (validate on: reading; off: raw)
    format: choice(["", ...PAYLOAD_FORMATS], ""),
    headers: text(""),
    validate: flag(true),
    acks: choice(["all", "1", "0"], "all"),
    compression: choice(COMPRESSIONS, "gzip"),
    buffer: number(100_000, { min: 1, max: 10_000_000, integer: true }),
    whenFull: choice(["reject", "drop-oldest"], "reject"),
    deliveryTimeout: duration(120_000, { min: 1 }),
    reports: flag(false),
    timeZone: timeZone(),
  })
  .loose();

export interface KafkaOutConfig {
  brokerId: string;
  /** "" only for non-reading formats: each message's msg.topic names the topic. */
  topic: string;
  key: "room" | "device_id" | "sensor_type" | "none" | "msg" | "property";
  /** key "property": the msg property (e.g. payload.id) holding the key. */
  keyProperty: string;
  headers: Record<string, string>;
  format: PayloadFormat;
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
  const format: PayloadFormat = c.format === "" ? (c.validate ? "reading" : "raw") : c.format;
  const topic = c.topic === "" && (format === "reading" || format === "raw") ? "home_sensors" : c.topic;
  if (c.key === "property" && c.keyProperty === "") {
    throw new NodeConfigError("invalid configuration: keyProperty: name the msg property that holds the key");
  }
  return {
    brokerId: c.broker,
    topic,
    key: c.key,
    keyProperty: c.keyProperty,
    headers,
    format,
    reports: c.reports,
    timeZone: c.timeZone,
    producer: {
      topic: topic === "" ? undefined : topic,
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
