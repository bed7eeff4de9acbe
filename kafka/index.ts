// The Kafka layer: kafkajs behind a small interface of our own (see client.ts).
export type { EnsureTopicOptions, EnsureTopicResult } from "./admin.js";
export { createKafkaClient, type KafkaClient, type KafkaClientOptions } from "./client.js";
export * from "./config.js";
export {
  type ConsumedRecord,
  type ConsumeHandler,
  type DecodeResult,
  DLQ_HEADERS,
  jsonDecoder,
  KafkaConsumer,
  type RecordDecoder,
  readingDecoder,
} from "./consumer.js";
export * from "./errors.js";
export { type KafkaLogger, type LogFn, silentLogger } from "./logger.js";
export { type CloseOptions, type DeliveryReport, KafkaProducer, type ProducerRecord } from "./producer.js";
export type * from "./status.js";
