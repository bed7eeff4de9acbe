// The Kafka layer: kafkajs behind a small interface of our own, so the client library could be swapped.
//   const kafka = createKafkaClient({ brokers: "127.0.0.1:9092" }, { logger });
//   await kafka.ensureTopic({ topic: "home_sensors", partitions: 3 });
//   const producer = kafka.producer({ topic: "home_sensors" });     // acks all, gzip, idempotent
//   const { partition, offset } = await producer.send({ key: room, value: json, headers });
//   producer.enqueue(record, (err, partition, offset) => …);  // the same without a promise: bulk producers
//   const consumer = kafka.consumer({ groupId, topics: "home_sensors" }, async (r, record) => …);
//   await consumer.start();  …  await consumer.stop(); await producer.close();
// Both emit "status" events ({ state, error, counters }) and have stats().
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
export {
  type CloseOptions,
  type DeliveryCallback,
  type DeliveryReport,
  KafkaProducer,
  type ProducerRecord,
} from "./producer.js";
export type * from "./status.js";
