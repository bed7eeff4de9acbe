// Topic check/creation through the admin client.

import { describeZodError } from "@homestream/core/issues";
import type { Kafka } from "kafkajs";
import { KafkaConfigError, topicName } from "./config.js";
import type { KafkaLogger } from "./logger.js";

export interface EnsureTopicOptions {
  topic: string;
  /** Partition count wanted (default 1). An existing topic with fewer is grown; with more, left alone. */
  partitions?: number;
  /** Replicas per partition; default: the broker's default.replication.factor. */
  replicationFactor?: number;
}

export interface EnsureTopicResult {
  topic: string;
  created: boolean;
  /** Partitions added to an existing topic (keys then map to other partitions: per-key order breaks once). */
  grown: boolean;
  partitions: number;
}

export async function ensureTopic(
  kafka: Kafka,
  options: EnsureTopicOptions,
  logger: KafkaLogger,
): Promise<EnsureTopicResult> {
  const { topic, partitions = 1, replicationFactor } = options;
  const valid = topicName.safeParse(topic);
  if (!valid.success) throw new KafkaConfigError(`topic "${topic}": ${describeZodError(valid.error)}`);
  if (!Number.isInteger(partitions) || partitions < 1) {
    throw new KafkaConfigError(`partitions: must be a whole number >= 1, got ${partitions}`);
  }
  // Right after a broker starts (or a topic is created elsewhere) its metadata can lag: Kafka answers
  // with retriable errors such as UNKNOWN_TOPIC_OR_PARTITION until the leaders are known. Retry those.
  for (let attempt = 1; ; attempt++) {
    try {
      return await ensureTopicOnce(kafka, topic, partitions, replicationFactor, logger);
    } catch (err) {
      const retriable = isRetriable(err) || isRetriable((err as { originalError?: unknown }).originalError);
      if (!retriable || attempt >= ENSURE_TOPIC_ATTEMPTS) throw err;
      logger.debug({ topic, attempt, err: (err as Error).message }, "kafka topic check: retrying");
      await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
    }
  }
}

const ENSURE_TOPIC_ATTEMPTS = 8;

/** kafkajs marks protocol errors Kafka documents as retriable; its retry wrapper keeps the original. */
function isRetriable(err: unknown): boolean {
  return typeof err === "object" && err !== null && (err as { retriable?: boolean }).retriable === true;
}

async function ensureTopicOnce(
  kafka: Kafka,
  topic: string,
  partitions: number,
  replicationFactor: number | undefined,
  logger: KafkaLogger,
): Promise<EnsureTopicResult> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const created = await admin.createTopics({
      waitForLeaders: true,
      topics: [{ topic, numPartitions: partitions, ...(replicationFactor ? { replicationFactor } : {}) }],
    });
    if (created) {
      logger.info({ topic, partitions }, "kafka topic created");
      return { topic, created: true, grown: false, partitions };
    }
    const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
    const current = metadata.topics[0]?.partitions.length ?? 0;
    if (current < partitions) {
      await admin.createPartitions({ topicPartitions: [{ topic, count: partitions }] });
      logger.warn(
        { topic, from: current, to: partitions },
        "kafka topic grown: keys now map to other partitions",
      );
      return { topic, created: false, grown: true, partitions };
    }
    return { topic, created: false, grown: false, partitions: current };
  } finally {
    await admin.disconnect();
  }
}
