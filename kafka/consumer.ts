// The consumer: a group member that decodes each record (by default: JSON + the reading schema), hands
// valid ones to the handler, routes invalid ones to a dead-letter topic with the reason in a header, and
// commits an offset only after the handler (or the dead-letter write) has finished with the record.
//
// At-least-once: kafkajs commits resolved offsets only (eachBatchAutoResolve off), after each batch and
// on rebalance/stop; a record whose handler threw is not resolved, so it and everything after it in its
// partition are fetched again. A crash between the handler and the commit also means redelivery.
import { EventEmitter } from "node:events";
import { formatIssues, parseReadingJson, readingSchema, type TimedReading } from "@homestream/core/reading";
import type { Batch, Consumer, EachBatchPayload, IHeaders, Kafka, KafkaMessage } from "kafkajs";
import { backoffDelay, WakeableSleep } from "./backoff.js";
import {
  type ConsumerConfig,
  type ConsumerConfigInput,
  consumerConfigSchema,
  KafkaConfigError,
  parseConfig,
} from "./config.js";
import { describeError } from "./errors.js";
import type { KafkaLogger } from "./logger.js";
import { KafkaProducer } from "./producer.js";
import type { ConnectionState, ConsumerCounters, ConsumerStatus } from "./status.js";

export interface ConsumedRecord {
  topic: string;
  partition: number;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  /** Header values as UTF-8 text (a repeated header keeps its last value). */
  headers: Record<string, string>;
  /** The record's timestamp (create or log-append time), epoch ms. */
  timestamp: number;
}

export type DecodeResult<T> = { ok: true; value: T } | { ok: false; reason: string };
export type RecordDecoder<T> = (record: ConsumedRecord, options: { timeZone: string }) => DecodeResult<T>;
export type ConsumeHandler<T> = (value: T, record: ConsumedRecord) => void | Promise<void>;

/** Headers of a dead-letter record, besides the original record's own headers. */
export const DLQ_HEADERS = {
  reason: "dlq_reason",
  topic: "dlq_source_topic",
  partition: "dlq_source_partition",
  offset: "dlq_source_offset",
  group: "dlq_consumer_group",
} as const;

/** JSON text validated by the reading schema (the wire format of the design). */
export const readingDecoder: RecordDecoder<TimedReading> = (record, { timeZone }) => {
  if (record.value === null) return { ok: false, reason: "record has no value" };
  const result = parseReadingJson(record.value.toString("utf8"), { timeZone });
  return result.ok ? result : { ok: false, reason: formatIssues(result.issues) };
};

/** Any JSON text. */
export const jsonDecoder: RecordDecoder<unknown> = (record) => {
  if (record.value === null) return { ok: false, reason: "record has no value" };
  try {
    return { ok: true, value: JSON.parse(record.value.toString("utf8")) };
  } catch (err) {
    return { ok: false, reason: `invalid JSON: ${(err as Error).message}` };
  }
};

function headerText(headers: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!headers) return out;
  for (const [name, raw] of Object.entries(headers)) {
    const v = Array.isArray(raw) ? raw[raw.length - 1] : raw;
    if (v !== undefined) out[name] = v.toString();
  }
  return out;
}

export class KafkaConsumer<T> extends EventEmitter<{ status: [ConsumerStatus] }> {
  readonly config: ConsumerConfig;
  readonly #kafka: Kafka;
  readonly #handler: ConsumeHandler<T>;
  readonly #decode: RecordDecoder<T>;
  readonly #log: KafkaLogger;
  readonly #sleep = new WakeableSleep();
  #client: Consumer | undefined;
  #deadLetters: KafkaProducer | undefined;
  #started: Promise<void> | undefined;
  #stopped: Promise<void> | undefined;
  #stopping = false;
  #state: ConnectionState = "disconnected";
  #lastError: string | undefined;
  #assignment: { topic: string; partitions: number[] }[] = [];
  /** Topics paused by pause(), kept across client restarts. */
  readonly #paused = new Set<string>();
  #counters: ConsumerCounters = {
    received: 0,
    handled: 0,
    invalid: 0,
    deadLettered: 0,
    handlerErrors: 0,
    restarts: 0,
    rebalances: 0,
  };

  /** Use KafkaClient.consumer(). */
  constructor(
    kafka: Kafka,
    config: ConsumerConfigInput,
    handler: ConsumeHandler<T>,
    decode: RecordDecoder<T>,
    logger: KafkaLogger,
  ) {
    super();
    this.config = parseConfig(consumerConfigSchema, config, "consumer");
    try {
      readingSchema({ timeZone: this.config.timeZone });
    } catch (err) {
      throw new KafkaConfigError(`consumer.timeZone: ${(err as Error).message}`);
    }
    this.#kafka = kafka;
    this.#handler = handler;
    this.#decode = decode;
    this.#log = logger;
  }

  get state(): ConnectionState {
    return this.#state;
  }

  /** Partitions this member owns since the last rebalance. */
  get assignment(): { topic: string; partitions: number[] }[] {
    return this.#assignment;
  }

  stats(): ConsumerCounters {
    return { ...this.#counters };
  }

  /**
   * Connects, subscribes and starts consuming; resolves once the first group join was attempted.
   * While the broker is unreachable it keeps retrying with backoff (status "reconnecting").
   */
  start(): Promise<void> {
    this.#started ??= this.#startLoop();
    return this.#started;
  }

  /** Stops fetching, lets the handler finish the record in hand, commits, leaves the group, disconnects. */
  stop(): Promise<void> {
    this.#stopped ??= (async () => {
      this.#stopping = true;
      this.#sleep.wake();
      await this.#started?.catch(() => {});
      const client = this.#client;
      this.#client = undefined;
      if (client)
        await client.disconnect().catch((err) => this.#log.debug({ err }, "kafka consumer disconnect"));
      await this.#deadLetters?.close();
      this.#setState("closed");
    })();
    return this.#stopped;
  }

  /** Topics paused now. */
  get paused(): readonly string[] {
    return [...this.#paused];
  }

  /**
   * Stops fetching from `topics` (every subscribed topic by default) until resume(). The record in
   * hand is finished; the rest of its batch is not resolved, so it is fetched again on resume.
   */
  pause(topics: readonly string[] = this.config.topics): void {
    const client = this.#running("pause");
    for (const t of topics) this.#paused.add(t);
    client.pause(topics.map((topic) => ({ topic })));
  }

  resume(topics: readonly string[] = this.config.topics): void {
    const client = this.#running("resume");
    for (const t of topics) this.#paused.delete(t);
    client.resume(topics.map((topic) => ({ topic })));
  }

  /**
   * Moves this member's position in one of its partitions: the next record handed over is the one
   * at `offset` (a record offset as text). Committed with the following records.
   */
  seek(topic: string, partition: number, offset: string): void {
    const client = this.#running("seek");
    client.seek({ topic, partition, offset });
  }

  #running(what: string): Consumer {
    const client = this.#client;
    if (!client || this.#stopping) throw new Error(`cannot ${what}: the consumer is not running (yet)`);
    return client;
  }

  #dlqTopic(source: string): string | undefined {
    const configured = this.config.deadLetterTopic;
    if (configured === false) return undefined;
    return configured ?? `${source}.dlq`;
  }

  #setState(state: ConnectionState, error?: string): void {
    if (state === this.#state && error === this.#lastError) return;
    if (state !== this.#state) {
      this.#log[state === "reconnecting" ? "warn" : "info"]({ state, error }, `kafka consumer ${state}`);
    }
    this.#state = state;
    this.#lastError = error;
    this.emit("status", { state, error, counters: this.stats(), assignment: this.#assignment });
  }

  async #startLoop(): Promise<void> {
    if (this.config.deadLetterTopic !== false) {
      this.#deadLetters = new KafkaProducer(this.#kafka, { lingerMs: 2 }, this.#log);
    }
    for (let attempt = 0; !this.#stopping; attempt++) {
      const client = this.#createClient();
      try {
        this.#setState(attempt === 0 ? "connecting" : "reconnecting", this.#lastError);
        await client.connect();
        await client.subscribe({
          topics: this.config.topics,
          fromBeginning: this.config.startPosition === "earliest",
        });
        await client.run({
          autoCommit: true,
          eachBatchAutoResolve: false,
          partitionsConsumedConcurrently: this.config.partitionsConsumedConcurrently,
          eachBatch: (payload) => this.#eachBatch(payload),
        });
        this.#client = client;
        if (this.#stopping) break;
        if (this.#paused.size > 0) client.pause([...this.#paused].map((topic) => ({ topic })));
        return;
      } catch (err) {
        await client.disconnect().catch(() => {});
        if (this.#stopping) break;
        this.#setState("reconnecting", describeError(err));
        await this.#sleep.sleep(
          backoffDelay(attempt, this.config.retryBackoffMs, this.config.retryBackoffMaxMs),
        );
      }
    }
  }

  #createClient(): Consumer {
    const c = this.config;
    const client = this.#kafka.consumer({
      groupId: c.groupId,
      sessionTimeout: c.sessionTimeoutMs,
      rebalanceTimeout: c.rebalanceTimeoutMs,
      heartbeatInterval: c.heartbeatIntervalMs,
      maxBytesPerPartition: c.maxBytesPerPartition,
      retry: {
        retries: 5,
        initialRetryTime: c.retryBackoffMs,
        maxRetryTime: c.retryBackoffMaxMs,
        // kafkajs restarts the consumer itself after retriable crashes; after other crashes too, since a
        // broker coming back heals most of them. The crash is surfaced as "reconnecting".
        restartOnFailure: async () => !this.#stopping,
      },
    });
    client.on(client.events.GROUP_JOIN, ({ payload }) => {
      this.#counters.rebalances++;
      this.#assignment = Object.entries(payload.memberAssignment).map(([topic, partitions]) => ({
        topic,
        partitions: [...partitions].sort((a, b) => a - b),
      }));
      this.#setState("connected");
    });
    client.on(client.events.CRASH, ({ payload }) => {
      this.#counters.restarts++;
      if (this.#stopping) return;
      this.#setState(payload.restart ? "reconnecting" : "disconnected", describeError(payload.error));
    });
    return client;
  }

  async #eachBatch({ batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload): Promise<void> {
    // Dead-letter writes are started in order and awaited before any later offset is resolved, so a run of
    // invalid records costs one produce round trip, not one per record.
    let pending: Promise<void>[] = [];
    let pendingOffset: string | undefined;
    const settlePending = async () => {
      if (pending.length === 0) return;
      const writes = pending;
      pending = [];
      await Promise.all(writes);
      if (pendingOffset !== undefined) resolveOffset(pendingOffset);
    };
    for (const message of batch.messages) {
      if (!isRunning() || isStale() || this.#paused.has(batch.topic)) break;
      const record = this.#toRecord(batch, message);
      this.#counters.received++;
      const decoded = this.#decode(record, { timeZone: this.config.timeZone });
      if (decoded.ok) {
        await settlePending();
        try {
          await this.#handler(decoded.value, record);
        } catch (err) {
          this.#counters.handlerErrors++;
          this.#log.error(
            {
              err: describeError(err),
              topic: record.topic,
              partition: record.partition,
              offset: record.offset,
            },
            "kafka consumer handler failed; the record will be delivered again",
          );
          throw err;
        }
        this.#counters.handled++;
        resolveOffset(message.offset);
      } else {
        this.#counters.invalid++;
        const dlq = this.#dlqTopic(record.topic);
        if (dlq) {
          pending.push(this.#deadLetter(dlq, record, message, decoded.reason));
          pendingOffset = message.offset;
        } else {
          this.#log.warn(
            {
              topic: record.topic,
              partition: record.partition,
              offset: record.offset,
              reason: decoded.reason,
            },
            "kafka consumer skipped an invalid record",
          );
          resolveOffset(message.offset);
        }
      }
      await heartbeat();
    }
    await settlePending();
  }

  async #deadLetter(
    topic: string,
    record: ConsumedRecord,
    message: KafkaMessage,
    reason: string,
  ): Promise<void> {
    const producer = this.#deadLetters;
    if (!producer) throw new Error("dead-letter producer missing");
    const original: Record<string, string | Buffer> = {};
    for (const [name, value] of Object.entries(message.headers ?? {})) {
      const v = Array.isArray(value) ? value[value.length - 1] : value;
      if (v !== undefined) original[name] = v;
    }
    await producer.send({
      topic,
      key: message.key,
      value: message.value ?? "",
      headers: {
        ...original,
        [DLQ_HEADERS.reason]: reason,
        [DLQ_HEADERS.topic]: record.topic,
        [DLQ_HEADERS.partition]: String(record.partition),
        [DLQ_HEADERS.offset]: record.offset,
        [DLQ_HEADERS.group]: this.config.groupId,
      },
    });
    this.#counters.deadLettered++;
    this.#log.debug(
      { topic, source: record.topic, offset: record.offset, reason },
      "kafka record dead-lettered",
    );
  }

  #toRecord(batch: Batch, message: KafkaMessage): ConsumedRecord {
    return {
      topic: batch.topic,
      partition: batch.partition,
      offset: message.offset,
      key: message.key ?? null,
      value: message.value ?? null,
      headers: headerText(message.headers),
      timestamp: Number(message.timestamp),
    };
  }
}
