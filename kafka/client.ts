// The entry point of the Kafka layer: one client per cluster connection, from which producers, consumers
// and topic administration are made. kafkajs stays behind this module's types, so it could be swapped.

import type { TimedReading } from "@homestream/core/reading";
import { Kafka, type KafkaConfig, type SASLOptions } from "kafkajs";
import { type EnsureTopicOptions, type EnsureTopicResult, ensureTopic } from "./admin.js";
import { registerCompressionCodecs } from "./codecs.js";
import {
  type ConnectionConfig,
  type ConnectionConfigInput,
  type ConsumerConfigInput,
  connectionConfigSchema,
  type ProducerConfigInput,
  parseConfig,
} from "./config.js";
import { type ConsumeHandler, KafkaConsumer, type RecordDecoder, readingDecoder } from "./consumer.js";
import { KAFKAJS_LEVEL, type KafkaLogger, kafkajsLogCreator, silentLogger } from "./logger.js";
import { KafkaProducer } from "./producer.js";

export interface KafkaClientOptions {
  /** Where the layer and kafkajs log; silent by default. */
  logger?: KafkaLogger;
}

export interface KafkaClient {
  readonly config: ConnectionConfig;
  /** A producer (see KafkaProducer); it connects on connect() or its first send(). */
  producer(config?: ProducerConfigInput): KafkaProducer;
  /** A consumer of readings: each valid reading goes to `handler`, invalid records to the dead-letter topic. */
  consumer(config: ConsumerConfigInput, handler: ConsumeHandler<TimedReading>): KafkaConsumer<TimedReading>;
  /** A consumer with its own decoding (e.g. raw JSON); the same dead-letter and commit rules apply. */
  consumer<T>(
    config: ConsumerConfigInput,
    handler: ConsumeHandler<T>,
    decode: RecordDecoder<T>,
  ): KafkaConsumer<T>;
  /** Creates `topic` if missing, or grows it to `partitions`; never shrinks (Kafka cannot). */
  ensureTopic(options: EnsureTopicOptions): Promise<EnsureTopicResult>;
}

export function toKafkajsConfig(config: ConnectionConfig, logger: KafkaLogger): KafkaConfig {
  return {
    brokers: config.brokers,
    clientId: config.clientId,
    ssl: config.ssl,
    // kafkajs's SASL options are a union keyed by mechanism; ours has the same shape and names.
    sasl: config.sasl as SASLOptions | undefined,
    connectionTimeout: config.connectionTimeoutMs,
    requestTimeout: config.requestTimeoutMs,
    // Reconnecting with backoff is done by the layer (producer/consumer loops): kafkajs only retries briefly.
    retry: { retries: 3, initialRetryTime: 100, maxRetryTime: 1000 },
    logLevel: KAFKAJS_LEVEL[config.logLevel],
    logCreator: kafkajsLogCreator(logger),
  };
}

export function createKafkaClient(
  config: ConnectionConfigInput,
  options: KafkaClientOptions = {},
): KafkaClient {
  const parsed = parseConfig(connectionConfigSchema, config, "kafka");
  const logger = options.logger ?? silentLogger;
  registerCompressionCodecs();
  const kafka = new Kafka(toKafkajsConfig(parsed, logger));
  return {
    config: parsed,
    producer: (producerConfig = {}) => new KafkaProducer(kafka, producerConfig, logger),
    consumer: <T>(
      consumerConfig: ConsumerConfigInput,
      handler: ConsumeHandler<T>,
      decode?: RecordDecoder<T>,
    ) =>
      new KafkaConsumer<T>(
        kafka,
        consumerConfig,
        handler,
        decode ?? (readingDecoder as RecordDecoder<T>),
        logger,
      ),
    ensureTopic: (opts) => ensureTopic(kafka, opts, logger),
  } as KafkaClient;
}
