// One zod schema per configuration shape of the Kafka layer: the connection, the producer, the consumer.
// Configuration is validated once, when a client/producer/consumer is created; errors name the field.

import { describeZodError } from "@homestream/core/issues";
import { z } from "zod";

/** Record-batch compression; snappy and lz4 through pure-JavaScript codecs (kafka/codecs.ts). */
export const COMPRESSIONS = ["none", "gzip", "snappy", "lz4"] as const;
export type Compression = (typeof COMPRESSIONS)[number];

/** A configuration the layer cannot work with; the message names each offending field. */
export class KafkaConfigError extends Error {
  override name = "KafkaConfigError";
}

// Kafka's own rule for topic names (legal characters, at most 249 of them).
const TOPIC = /^[a-zA-Z0-9._-]{1,249}$/;
export const topicName = z
  .string()
  .regex(TOPIC, "must be 1-249 characters of letters, digits, '.', '_' or '-' (Kafka's topic name rule)");

const hostPort = z
  .string()
  .trim()
  .regex(/^[^\s:]+:\d{1,5}$|^\[[0-9a-fA-F:]+\]:\d{1,5}$/, "each broker must be host:port");

const ms = (min: number) => z.number().int().min(min);

const brokers = z.preprocess(
  (v) =>
    typeof v === "string"
      ? v
          .split(",")
          .map((s) => s.trim())
          .filter(Boolean)
      : v,
  z.array(hostPort).min(1, "needs at least one broker (host:port)"),
);

const secret = z.string().min(1, "must not be empty");
const pem = z.union([z.string(), z.array(z.string())]);

const tls = z.union([
  z.boolean(),
  z
    .object({
      /** Verify the broker's certificate (default true); turning it off is for test brokers only. */
      rejectUnauthorized: z.boolean().optional(),
      ca: pem.optional(),
      cert: z.string().optional(),
      key: z.string().optional(),
      passphrase: z.string().optional(),
      servername: z.string().optional(),
    })
    .strict(),
]);

const sasl = z.discriminatedUnion(
  "mechanism",
  [
    z.object({ mechanism: z.literal("plain"), username: secret, password: secret }).strict(),
    z.object({ mechanism: z.literal("scram-sha-256"), username: secret, password: secret }).strict(),
    z.object({ mechanism: z.literal("scram-sha-512"), username: secret, password: secret }).strict(),
  ],
  { error: () => 'mechanism must be "plain", "scram-sha-256" or "scram-sha-512"' },
);

export const connectionConfigSchema = z
  .object({
    /** "host:port" list or a comma-separated string. */
    brokers,
    clientId: z.string().min(1).default("homestream"),
    ssl: tls.optional(),
    sasl: sasl.optional(),
    connectionTimeoutMs: ms(1).default(3000),
    requestTimeoutMs: ms(1).default(30_000),
    /** The client library's own log level; the injected logger filters again. */
    logLevel: z.enum(["error", "warn", "info", "debug"]).default("info"),
  })
  .strict();

export const producerConfigSchema = z
  .object({
    /** Topic for records that name none. */
    topic: topicName.optional(),
    /** -1 or "all": every in-sync replica has the record (Kafka's strongest guarantee); 1: the leader; 0: none. */
    acks: z
      .union([z.literal("all"), z.literal(-1), z.literal(0), z.literal(1)])
      .default(-1)
      .transform((a) => (a === "all" ? -1 : a)),
    /** Broker-side de-duplication of retried batches; needs acks=all. */
    idempotent: z.boolean().default(true),
    compression: z.enum(COMPRESSIONS).default("gzip"),
    /** How long a record may wait for companions before its batch is sent. */
    lingerMs: ms(0).default(5),
    /** Most records in one produce request. */
    batchSize: z.number().int().min(1).max(100_000).default(10_000),
    /** Most bytes (keys, values, headers, before compression) in one produce request. */
    maxBatchBytes: z.number().int().min(1024).default(1_000_000),
    /** Largest single record accepted by send(). */
    maxRecordBytes: z.number().int().min(1).default(1_000_000),
    /** Records held (buffered, not yet sent) while the broker is slow or unreachable. */
    maxBufferedRecords: z.number().int().min(1).default(100_000),
    /** With a full buffer: reject the new record with an error, or drop (fail) the oldest buffered one. */
    whenFull: z.enum(["reject", "drop-oldest"]).default("reject"),
    /** A record not acknowledged this long after send() fails with a timeout (librdkafka's message.timeout.ms). */
    deliveryTimeoutMs: ms(1).default(120_000),
    retryBackoffMs: ms(1).default(100),
    retryBackoffMaxMs: ms(1).default(5000),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.idempotent && c.acks !== -1) {
      ctx.addIssue({
        code: "custom",
        path: ["idempotent"],
        message: "needs acks all (-1); set idempotent: false to use acks 0 or 1",
      });
    }
    if (c.retryBackoffMaxMs < c.retryBackoffMs) {
      ctx.addIssue({ code: "custom", path: ["retryBackoffMaxMs"], message: "must be >= retryBackoffMs" });
    }
  });

export const consumerConfigSchema = z
  .object({
    groupId: z.string().min(1, "must not be empty"),
    topics: z.preprocess((v) => (typeof v === "string" ? [v] : v), z.array(topicName).min(1)),
    /** Where a group without committed offsets starts (Kafka's auto.offset.reset). */
    startPosition: z.enum(["earliest", "latest"]).default("latest"),
    /** Dead-letter topic for records that fail decoding; default `<topic>.dlq`; false: log and skip them. */
    deadLetterTopic: z.union([topicName, z.literal(false)]).optional(),
    /** Zone for timestamps without offset (see the reading schema). */
    timeZone: z.string().default("UTC"),
    sessionTimeoutMs: ms(1).default(30_000),
    rebalanceTimeoutMs: ms(1).default(60_000),
    heartbeatIntervalMs: ms(1).default(3000),
    maxBytesPerPartition: z.number().int().min(1024).default(1_048_576),
    /** Partitions handled at the same time; records of one partition are always handled in order. */
    partitionsConsumedConcurrently: z.number().int().min(1).default(1),
    retryBackoffMs: ms(1).default(300),
    retryBackoffMaxMs: ms(1).default(10_000),
  })
  .strict();

export type ConnectionConfigInput = z.input<typeof connectionConfigSchema>;
export type ConnectionConfig = z.output<typeof connectionConfigSchema>;
export type ProducerConfigInput = z.input<typeof producerConfigSchema>;
export type ProducerConfig = z.output<typeof producerConfigSchema>;
export type ConsumerConfigInput = z.input<typeof consumerConfigSchema>;
export type ConsumerConfig = z.output<typeof consumerConfigSchema>;

/** Validates `input` against `schema`; throws a KafkaConfigError like "kafka.producer.lingerMs: …". */
export function parseConfig<S extends z.ZodType>(schema: S, input: unknown, label: string): z.output<S> {
  const result = schema.safeParse(input ?? {});
  if (result.success) return result.data;
  throw new KafkaConfigError(describeZodError(result.error, { prefix: label, whole: label }));
}
