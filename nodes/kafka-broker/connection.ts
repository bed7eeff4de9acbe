// What a kafka-broker config node owns: one Kafka client for its users, producers shared by the
// kafka-out nodes that ask for the same settings (reference-counted, closed with the last user),
// the kafka-in nodes' consumers, and the fan-out of each one's status to the nodes using it.
import type { TimedReading } from "@homestream/core/reading";
import { createKafkaClient, type KafkaClient } from "@homestream/kafka/client";
import type {
  ConnectionConfigInput,
  ConsumerConfigInput,
  ProducerConfigInput,
} from "@homestream/kafka/config";
import type { ConsumeHandler, KafkaConsumer, RecordDecoder } from "@homestream/kafka/consumer";
import type { KafkaLogger } from "@homestream/kafka/logger";
import type { KafkaProducer } from "@homestream/kafka/producer";
import type { ConsumerStatus, ProducerStatus } from "@homestream/kafka/status";
import type { Node } from "../shared/red.js";
import type { KafkaBrokerCredentials } from "./config.js";

/** What user nodes see of the kafka-broker config node. */
export interface KafkaBrokerNode extends Node<KafkaBrokerCredentials> {
  /** The shared connection, or the configuration error that prevents one. */
  connection: KafkaConnection | Error;
}

/** Close waits for buffered records at most this long: inside Node-RED's 15 s close timeout. */
export const CLOSE_TIMEOUT_MS = 10_000;

/** The connection of the config node `id`, or why there is none (for a user node's error). */
export function connectionOf(getNode: (id: string) => unknown, id: unknown): KafkaConnection | Error {
  const broker = typeof id === "string" && id !== "" ? (getNode(id) as KafkaBrokerNode | null) : null;
  if (!broker) return new Error("no Kafka broker configured: choose or add one in the node's settings");
  return broker.connection;
}

/** What the connection and a kafka-in node need of a consumer, whatever it decodes to. */
export type ConsumerHandle = Pick<KafkaConsumer<unknown>, "start" | "stop" | "stats" | "state">;

interface SharedProducer {
  producer: KafkaProducer;
  users: Map<string, (status: ProducerStatus) => void>;
}

export class KafkaConnection {
  private client: KafkaClient | undefined;
  private readonly producers = new Map<string, SharedProducer>();
  private readonly consumers = new Set<ConsumerHandle>();

  constructor(
    private readonly config: ConnectionConfigInput,
    private readonly logger: KafkaLogger,
  ) {}

  /** The shared client (created on first use; throws a KafkaConfigError for a bad config). */
  private kafka(): KafkaClient {
    this.client ??= createKafkaClient(this.config, { logger: this.logger });
    return this.client;
  }

  /** Users currently holding a producer or consumer. */
  get users(): number {
    let n = this.consumers.size;
    for (const p of this.producers.values()) n += p.users.size;
    return n;
  }

  /**
   * The producer for `config`, shared with every user asking for the same settings; `onStatus`
   * receives its status events until `releaseProducer`.
   */
  acquireProducer(
    userId: string,
    config: ProducerConfigInput,
    onStatus: (status: ProducerStatus) => void,
  ): KafkaProducer {
    const key = JSON.stringify(config, Object.keys(config).sort());
    let shared = this.producers.get(key);
    if (!shared) {
      const producer = this.kafka().producer(config);
      const users = new Map<string, (status: ProducerStatus) => void>();
      producer.on("status", (s) => {
        for (const notify of users.values()) notify(s);
      });
      shared = { producer, users };
      this.producers.set(key, shared);
      // connect now rather than on the first message, so the status shows the connection early
      producer.connect().catch(() => undefined);
    }
    shared.users.set(userId, onStatus);
    return shared.producer;
  }

  /** Drops a user's hold; the last user out flushes and closes the producer (within `timeoutMs`). */
  async releaseProducer(userId: string, producer: KafkaProducer, timeoutMs: number): Promise<void> {
    for (const [key, shared] of this.producers) {
      if (shared.producer !== producer) continue;
      shared.users.delete(userId);
      if (shared.users.size === 0) {
        this.producers.delete(key);
        await producer.close({ timeoutMs });
      }
      return;
    }
  }

  /** A consumer of readings (invalid records to the dead-letter topic) or with its own decoder. */
  createConsumer<T = TimedReading>(
    config: ConsumerConfigInput,
    handler: ConsumeHandler<T>,
    onStatus: (status: ConsumerStatus) => void,
    decode?: RecordDecoder<T>,
  ): KafkaConsumer<T> {
    const client = this.kafka();
    const consumer = decode
      ? client.consumer<T>(config, handler, decode)
      : (client.consumer(
          config,
          handler as unknown as ConsumeHandler<TimedReading>,
        ) as unknown as KafkaConsumer<T>);
    consumer.on("status", onStatus);
    this.consumers.add(consumer);
    return consumer;
  }

  async releaseConsumer(consumer: ConsumerHandle): Promise<void> {
    if (!this.consumers.delete(consumer)) return;
    await consumer.stop();
  }

  /** Closes whatever users left open (they normally release first). */
  async close(timeoutMs: number): Promise<void> {
    const producers = [...this.producers.values()];
    const consumers = [...this.consumers];
    this.producers.clear();
    this.consumers.clear();
    await Promise.allSettled([
      ...producers.map((p) => p.producer.close({ timeoutMs })),
      ...consumers.map((c) => c.stop()),
    ]);
  }
}
