// kafka-in's payload formats: a record as a HomeStream reading (the default), JSON, text or the
// raw bytes, and the message Node-RED's other Kafka nodes give a record (msg.topic, msg.key,
// msg.partition, msg.offset, msg.timestamp, msg.headers), plus msg.kafka as before.
import type { TimedReading } from "@homestream/core/reading";
import {
  type ConsumedRecord,
  jsonDecoder,
  type RecordDecoder,
  readingDecoder,
} from "@homestream/kafka/consumer";
import { readingTopic } from "../shared/reading-input.js";
import type { NodeMessage } from "../shared/red.js";

export const RECORD_FORMATS = ["reading", "json", "string", "buffer"] as const;
export type RecordFormat = (typeof RECORD_FORMATS)[number];

const stringDecoder: RecordDecoder<string | null> = (record) => ({
  ok: true,
  value: record.value === null ? null : record.value.toString("utf8"),
});
const bufferDecoder: RecordDecoder<Buffer | null> = (record) => ({ ok: true, value: record.value });

/** How records of `format` are decoded; reading and JSON can fail (output 2 or the dead-letter topic). */
export function decoderFor(format: RecordFormat): RecordDecoder<unknown> {
  switch (format) {
    case "reading":
      return readingDecoder;
    case "json":
      return jsonDecoder;
    case "string":
      return stringDecoder;
    default:
      return bufferDecoder;
  }
}

/** msg.kafka, as kafka-in has always set it. */
export function kafkaMeta(record: ConsumedRecord) {
  return {
    topic: record.topic,
    partition: record.partition,
    offset: record.offset,
    key: record.key?.toString("utf8") ?? null,
    headers: record.headers,
    timestamp: record.timestamp,
  };
}

/**
 * The message for a decoded record. A reading's message is as it always was (payload, its
 * `room/sensor_type` topic, msg.kafka), so flows written for it see no new fields (msg.headers
 * would, say, become HTTP headers in an http request node). Other formats carry the record as
 * Node-RED's other Kafka nodes do: msg.topic (the Kafka topic), msg.key, msg.partition,
 * msg.offset, msg.timestamp, msg.headers, and msg.kafka as well.
 */
export function recordMessage(format: RecordFormat, value: unknown, record: ConsumedRecord): NodeMessage {
  const meta = kafkaMeta(record);
  if (format === "reading") {
    const r = (value as TimedReading).reading;
    return { payload: r, topic: readingTopic(r.room, r.sensor_type), kafka: meta };
  }
  return {
    payload: value,
    topic: record.topic,
    key: meta.key,
    partition: record.partition,
    offset: record.offset,
    timestamp: record.timestamp,
    headers: record.headers,
    kafka: meta,
  };
}
