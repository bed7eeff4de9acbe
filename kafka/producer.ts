// The producer: records are buffered (bounded), sent in micro-batches, and each send() settles with the
// record's delivery report (topic, partition, offset) or its own error.
//
// One produce request is in flight at a time, for the whole producer. kafkajs's idempotent producer
// assigns sequence numbers per partition when a request is built, so two concurrent send() calls can
// reach the broker out of order and fail with OUT_OF_ORDER_SEQUENCE_NUMBER (kafkajs #598). Serialising
// requests keeps ordering per partition and broker-side de-duplication intact; throughput comes from
// batch size instead (records keep accumulating while a request is out, so the next one is fuller).
//
// A failed request is retried as the very same batch, each record pinned to the partition chosen at its
// first attempt: with the same producer id and sequence numbers the broker recognises a batch it
// already wrote (its response was lost) and answers with the original offsets instead of writing twice.
import { EventEmitter } from "node:events";
import { describeZodError } from "@homestream/core/issues";
import {
  type Kafka,
  type Producer as KafkajsProducer,
  type Message,
  type PartitionerArgs,
  Partitioners,
} from "kafkajs";
import { backoffDelay, WakeableSleep } from "./backoff.js";
import { assertCompressionAvailable, compressionType } from "./codecs.js";
import {
  type ProducerConfig,
  type ProducerConfigInput,
  parseConfig,
  producerConfigSchema,
  topicName,
} from "./config.js";
import {
  BufferFullError,
  classifyProduceError,
  DeliveryError,
  DeliveryTimeoutError,
  describeError,
  InvalidRecordError,
  ProducerClosedError,
  RecordDroppedError,
} from "./errors.js";
import type { KafkaLogger } from "./logger.js";
import { RecordBuffer } from "./record-buffer.js";
import type { ConnectionState, ProducerCounters, ProducerStatus } from "./status.js";

export interface ProducerRecord {
  /** Defaults to the producer's `topic`. */
  topic?: string;
  /** Records with the same key land in the same partition (Java-compatible murmur2 hashing). */
  key?: string | Buffer | null;
  value: string | Buffer;
  headers?: Record<string, string | Buffer>;
  /** Create time in epoch ms; defaults to the time of send(). */
  timestamp?: number;
}

export interface DeliveryReport {
  topic: string;
  partition: number;
  /** The record's offset in its partition (a decimal string: Kafka offsets are 64-bit). */
  offset: string;
}

export interface CloseOptions {
  /** How long close() waits for buffered and in-flight records; default deliveryTimeoutMs. */
  timeoutMs?: number;
}

type PinnedMessage = Message & { partition?: number };

/**
 * How enqueue() reports a record's fate: `err` null once Kafka acknowledged it, at `partition` and
 * `offset` (-1 with acks=0). Plain arguments, no report object: the bridge makes millions of these.
 */
export type DeliveryCallback = (err: Error | null, partition: number, offset: number) => void;

/**
 * A record buffered or in flight: the very message handed to kafkajs (key, value, headers, timestamp,
 * and the partition once chosen) and how to report its fate, in one object: at a few hundred thousand
 * records a second, every object a record keeps alive until its acknowledgement is garbage collector
 * work (measured with bench/kafka.mjs).
 */
interface Pending {
  key: string | Buffer | null;
  value: string | Buffer;
  headers: Record<string, string | Buffer> | undefined;
  timestamp: string;
  partition: number | undefined;
  topic: string;
  bytes: number;
  enqueuedAt: number;
  done: boolean;
  /** enqueue()'s callback, or send()'s promise's resolve and reject. */
  callback: DeliveryCallback | undefined;
  resolve: ((report: DeliveryReport) => void) | undefined;
  reject: ((err: Error) => void) | undefined;
}

/** Reports a record refused at once (never buffered) through whichever of the two was given. */
function refuse(callback: DeliveryCallback | undefined, reject: Pending["reject"], err: Error): void {
  if (callback) callback(err, -1, -1);
  else reject?.(err);
}

/** Reports a record's fate to whoever sent it. */
function report(p: Pending, err: Error | null, partition: number, offset: number): void {
  if (p.callback) p.callback(err, partition, offset);
  else if (err) p.reject?.(err);
  else p.resolve?.({ topic: p.topic, partition, offset: String(offset) });
}

// kafkajs retries a request a few times itself (fast, for leader moves); longer outages are this
// layer's job, with backoff and status events.
const CLIENT_RETRY = { retries: 3, initialRetryTime: 100, maxRetryTime: 1000 };

function byteLength(v: string | Buffer | null | undefined): number {
  if (v == null) return 0;
  return typeof v === "string" ? Buffer.byteLength(v) : v.length;
}

export class KafkaProducer extends EventEmitter<{ status: [ProducerStatus] }> {
  readonly config: ProducerConfig;
  readonly #kafka: Kafka;
  readonly #log: KafkaLogger;
  readonly #buffer: RecordBuffer<Pending>;
  readonly #sleep = new WakeableSleep();
  readonly #validTopics = new Set<string>();
  #client: KafkajsProducer | undefined;
  #connected = false;
  #connecting: Promise<void> | undefined;
  #batch: Pending[] = [];
  #pumping = false;
  #lingering = false;
  #attempt = 0;
  #state: ConnectionState = "disconnected";
  #lastError: string | undefined;
  #closing = false;
  #closed: Promise<void> | undefined;
  #idleWaiters: (() => void)[] = [];
  #roomWaiters: (() => void)[] = [];
  #counters = { acked: 0, failed: 0, rejected: 0, dropped: 0, retries: 0, batches: 0 };
  /** The last send time and its text (records' timestamps are sent as text; thousands share a ms). */
  #lastNow = Number.NaN;
  #lastNowText = "";

  /** Use KafkaClient.producer(); `kafka` is the client library's instance. */
  constructor(kafka: Kafka, config: ProducerConfigInput, logger: KafkaLogger) {
    super();
    this.config = parseConfig(producerConfigSchema, config, "producer");
    assertCompressionAvailable(this.config.compression);
    this.#kafka = kafka;
    this.#log = logger;
    this.#buffer = new RecordBuffer(this.config.maxBufferedRecords);
  }

  get state(): ConnectionState {
    return this.#state;
  }

  /** Records waiting in the buffer (cheap; stats() has the full picture). */
  get buffered(): number {
    return this.#buffer.length;
  }

  stats(): ProducerCounters {
    return {
      ...this.#counters,
      buffered: this.#buffer.length,
      inFlight: this.#batch.filter((p) => !p.done).length,
    };
  }

  /** Connects now (otherwise the first send() does). Retries with backoff until connected or closed. */
  async connect(): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      if (this.#closing) throw new ProducerClosedError("producer is closed");
      try {
        await this.#ensureConnected();
        return;
      } catch (err) {
        this.#setState("reconnecting", describeError(err));
        await this.#sleep.sleep(
          backoffDelay(attempt, this.config.retryBackoffMs, this.config.retryBackoffMaxMs),
        );
      }
    }
  }

  /** Queues a record; settles with its delivery report, or with the error that ended it. */
  send(record: ProducerRecord): Promise<DeliveryReport> {
    return new Promise<DeliveryReport>((resolve, reject) => {
      this.#enqueue(record, undefined, resolve, reject);
    });
  }

  /**
   * send() with a callback instead of a promise, for callers that hand over records by the hundred
   * thousand a second. `done` is called exactly once, possibly before enqueue() returns (a record
   * refused at once).
   */
  enqueue(record: ProducerRecord, done: DeliveryCallback): void {
    this.#enqueue(record, done, undefined, undefined);
  }

  #enqueue(
    record: ProducerRecord,
    callback: DeliveryCallback | undefined,
    resolve: Pending["resolve"],
    reject: Pending["reject"],
  ): void {
    if (this.#closing) {
      refuse(callback, reject, new ProducerClosedError("producer is closed"));
      return;
    }
    const topic = record.topic ?? this.config.topic;
    if (!topic) {
      refuse(
        callback,
        reject,
        new InvalidRecordError("record has no topic and the producer has no default topic"),
      );
      return;
    }
    if (!this.#validTopics.has(topic)) {
      const parsed = topicName.safeParse(topic);
      if (!parsed.success) {
        refuse(
          callback,
          reject,
          new InvalidRecordError(`topic "${topic}": ${describeZodError(parsed.error)}`),
        );
        return;
      }
      this.#validTopics.add(topic);
    }
    let bytes = byteLength(record.key) + byteLength(record.value);
    const headers = record.headers;
    if (headers) {
      for (const k in headers) bytes += k.length + byteLength(headers[k]);
    }
    if (bytes > this.config.maxRecordBytes) {
      refuse(
        callback,
        reject,
        new InvalidRecordError(
          `record of ${bytes} bytes exceeds maxRecordBytes (${this.config.maxRecordBytes})`,
        ),
      );
      return;
    }
    if (this.#buffer.full) {
      if (this.config.whenFull === "reject") {
        this.#counters.rejected++;
        refuse(
          callback,
          reject,
          new BufferFullError(
            `producer buffer full (${this.config.maxBufferedRecords} records); record rejected`,
          ),
        );
        return;
      }
      const oldest = this.#buffer.shift();
      if (oldest && this.#settle(oldest)) {
        this.#counters.dropped++;
        report(
          oldest,
          new RecordDroppedError("dropped from a full producer buffer for a newer record"),
          -1,
          -1,
        );
      }
    }
    const now = Date.now();
    if (now !== this.#lastNow) {
      this.#lastNow = now;
      this.#lastNowText = String(now);
    }
    this.#buffer.push({
      key: record.key ?? null,
      value: record.value,
      headers,
      timestamp: record.timestamp === undefined ? this.#lastNowText : String(record.timestamp),
      partition: undefined,
      topic,
      bytes,
      enqueuedAt: now,
      done: false,
      callback,
      resolve,
      reject,
    });
    if (!this.#pumping) {
      // Started after the current run of code, not inside this call: records sent together (a loop,
      // a batch of messages) then leave in one request even with lingerMs 0.
      this.#pumping = true;
      queueMicrotask(() => void this.#pump());
    } else if (this.#lingering && this.#buffer.length >= this.config.batchSize) this.#sleep.wake();
  }

  /** Resolves once nothing is buffered or in flight (records sent meanwhile are waited for too). */
  flush(): Promise<void> {
    if (this.#idle()) return Promise.resolve();
    if (this.#lingering) this.#sleep.wake();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  /** Resolves when the buffer has room again (for callers that pace themselves instead of being rejected). */
  waitForRoom(): Promise<void> {
    if (!this.#buffer.full) return Promise.resolve();
    return new Promise((resolve) => this.#roomWaiters.push(resolve));
  }

  /**
   * Stops accepting records and waits until every buffered and in-flight record is acknowledged or
   * failed (kafkajs's own disconnect() does not wait: kafkajs #879). Records still unsettled after
   * `timeoutMs` fail with ProducerClosedError. Then disconnects.
   */
  close(options: CloseOptions = {}): Promise<void> {
    if (this.#closed) return this.#closed;
    this.#closing = true;
    const timeoutMs = options.timeoutMs ?? this.config.deliveryTimeoutMs;
    this.#closed = (async () => {
      if (!this.#idle()) {
        if (!this.#pumping) void this.#pump();
        this.#sleep.wake(); // cut linger and backoff waits short
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([
          new Promise<void>((resolve) => this.#idleWaiters.push(resolve)),
          new Promise<void>((resolve) => {
            timer = setTimeout(resolve, timeoutMs);
          }),
        ]);
        clearTimeout(timer);
        if (!this.#idle()) {
          const left = this.#abandonAll(
            new ProducerClosedError(`producer closed before delivery (after ${timeoutMs} ms)`),
          );
          this.#log.warn({ records: left }, "kafka producer closed with records not acknowledged");
        }
      }
      // A connection attempt in flight would open its socket after disconnect() and keep it: let it
      // finish first (the client's connection timeout bounds it).
      if (this.#connecting) await this.#connecting.catch(() => undefined);
      const client = this.#client;
      this.#client = undefined;
      if (client)
        await client.disconnect().catch((err) => this.#log.debug({ err }, "kafka producer disconnect"));
      this.#sleep.wake();
      this.#setState("closed");
      for (const wake of this.#roomWaiters.splice(0)) wake();
    })();
    return this.#closed;
  }

  #idle(): boolean {
    return this.#buffer.length === 0 && this.#batch.every((p) => p.done);
  }

  /** Marks a record settled; false if it already was (close() may have failed it while in flight). */
  #settle(p: Pending): boolean {
    if (p.done) return false;
    p.done = true;
    return true;
  }

  #abandonAll(err: Error): number {
    let n = 0;
    for (const p of [...this.#batch, ...this.#buffer.drain()]) {
      if (this.#settle(p)) {
        n++;
        this.#counters.failed++;
        report(p, err, -1, -1);
      }
    }
    this.#batch = [];
    return n;
  }

  #notify(): void {
    if (!this.#buffer.full) for (const wake of this.#roomWaiters.splice(0)) wake();
    if (this.#idle()) for (const wake of this.#idleWaiters.splice(0)) wake();
  }

  #setState(state: ConnectionState, error?: string): void {
    if (state === this.#state && error === this.#lastError) return;
    const changed = state !== this.#state;
    this.#state = state;
    this.#lastError = error;
    if (changed) {
      const level = state === "reconnecting" ? "warn" : "info";
      this.#log[level]({ state, error }, `kafka producer ${state}`);
    }
    this.emit("status", { state, error, counters: this.stats() });
  }

  #createClient(): KafkajsProducer {
    return this.#kafka.producer({
      idempotent: this.config.idempotent,
      // kafkajs requires one request per connection for the idempotent producer; we send one anyway.
      maxInFlightRequests: 1,
      allowAutoTopicCreation: true,
      retry: CLIENT_RETRY,
      createPartitioner: () => {
        const partitioner = Partitioners.DefaultPartitioner();
        // murmur2 in JS costs microseconds a record; keys (rooms) repeat, so remember each text key's
        // partition per topic and partition count (a grown topic maps keys anew, as Java's client does).
        const memo = new Map<string, { partitions: number; byKey: Map<string, number> }>();
        return (args: PartitionerArgs) => {
          const message = args.message as PinnedMessage;
          // Pinned at the first attempt (see the top of this file): retries keep the partition.
          if (message.partition !== undefined) return message.partition;
          let partition: number;
          const key = message.key;
          if (typeof key === "string") {
            let topic = memo.get(args.topic);
            if (!topic || topic.partitions !== args.partitionMetadata.length) {
              topic = { partitions: args.partitionMetadata.length, byKey: new Map() };
              memo.set(args.topic, topic);
            }
            const known = topic.byKey.get(key);
            if (known !== undefined) partition = known;
            else {
              partition = partitioner(args);
              if (topic.byKey.size >= 10_000) topic.byKey.clear();
              topic.byKey.set(key, partition);
            }
          } else partition = partitioner(args);
          message.partition = partition;
          return partition;
        };
      },
    });
  }

  #ensureConnected(): Promise<void> {
    if (this.#connected) return Promise.resolve();
    this.#connecting ??= (async () => {
      try {
        this.#client ??= this.#createClient();
        if (this.#state === "disconnected") this.#setState("connecting");
        await this.#client.connect();
        this.#connected = true;
        this.#setState("connected");
      } finally {
        this.#connecting = undefined;
      }
    })();
    return this.#connecting;
  }

  /** A new producer id: after the broker forgot ours, or after giving up on a batch of unknown fate. */
  async #resetClient(): Promise<void> {
    const old = this.#client;
    this.#client = undefined;
    this.#connected = false;
    if (old) await old.disconnect().catch((err) => this.#log.debug({ err }, "kafka producer reset"));
  }

  async #pump(): Promise<void> {
    this.#pumping = true;
    try {
      while (true) {
        this.#batch = this.#batch.filter((p) => !p.done);
        if (this.#batch.length === 0) {
          const oldest = this.#buffer.peek();
          if (!oldest) break;
          const wait = oldest.enqueuedAt + this.config.lingerMs - Date.now();
          // No lingering while someone waits for everything to go out (flush, close).
          const hurry = this.#closing || this.#idleWaiters.length > 0;
          if (!hurry && wait > 0 && this.#buffer.length < this.config.batchSize) {
            this.#lingering = true;
            await this.#sleep.sleep(wait);
            this.#lingering = false;
            continue;
          }
          this.#batch = this.#buffer.take(this.config.batchSize, (p) => p.bytes, this.config.maxBatchBytes);
          this.#notify();
        }
        await this.#sendBatch(this.#batch);
        this.#notify();
      }
    } finally {
      this.#pumping = false;
      this.#lingering = false;
      this.#notify();
    }
  }

  /** One produce request for `batch`; settles its records or leaves them for a retry after backoff. */
  async #sendBatch(batch: Pending[]): Promise<void> {
    try {
      await this.#ensureConnected();
      const client = this.#client;
      if (!client) throw new ProducerClosedError("producer is closed");
      const byTopic = new Map<string, Message[]>();
      for (let i = 0; i < batch.length; i++) {
        const p = batch[i] as Pending;
        const messages = byTopic.get(p.topic);
        if (messages) messages.push(p);
        else byTopic.set(p.topic, [p]);
      }
      const results = await client.sendBatch({
        acks: this.config.acks,
        compression: compressionType(this.config.compression),
        topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
      });
      // A partition's records get consecutive offsets from its baseOffset, in the order sent.
      const next = new Map<string, number[]>();
      for (const r of results) {
        const offsets = next.get(r.topicName) ?? [];
        offsets[r.partition] = Number(r.baseOffset ?? -1);
        next.set(r.topicName, offsets);
      }
      for (let i = 0; i < batch.length; i++) {
        const p = batch[i] as Pending;
        const partition = p.partition ?? -1;
        const offsets = next.get(p.topic);
        const offset = offsets?.[partition] ?? -1;
        if (offsets && offset >= 0) offsets[partition] = offset + 1;
        if (!this.#settle(p)) continue;
        this.#counters.acked++;
        // acks=0 has no offsets to report.
        report(p, null, partition, offset >= 0 ? offset : -1);
      }
      this.#counters.batches++;
      this.#batch = [];
      this.#attempt = 0;
      this.#setState("connected");
    } catch (err) {
      await this.#afterFailure(batch, err);
    }
  }

  async #afterFailure(batch: Pending[], err: unknown): Promise<void> {
    const reason = describeError(err);
    const outcome = classifyProduceError(err);
    if (outcome === "fatal") {
      this.#log.error({ err: reason, records: batch.length }, "kafka produce failed permanently");
      this.#failBatch(batch, new DeliveryError(reason, { cause: err }));
      return;
    }
    if (outcome === "refused") {
      // Wrong credentials or an untrusted certificate: retrying cannot help until someone fixes them, so
      // the records fail now with the reason; later records try again (after backoff) on a new connection.
      this.#log.error({ err: reason, records: batch.length }, "kafka connection refused");
      this.#setState("disconnected", reason);
      this.#failBatch(batch, new DeliveryError(reason, { cause: err }));
      await this.#resetClient();
      await this.#sleep.sleep(
        backoffDelay(this.#attempt++, this.config.retryBackoffMs, this.config.retryBackoffMaxMs),
      );
      return;
    }
    this.#counters.retries++;
    this.#connected = false;
    if (outcome === "reset-producer") await this.#resetClient();
    if (this.#closing && this.#idle()) return; // close() gave up on these records meanwhile
    this.#setState("reconnecting", reason);
    const now = Date.now();
    const oldest = batch.find((p) => !p.done);
    if (oldest && now - oldest.enqueuedAt >= this.config.deliveryTimeoutMs) {
      this.#failBatch(
        batch,
        new DeliveryTimeoutError(`not acknowledged within ${this.config.deliveryTimeoutMs} ms: ${reason}`, {
          cause: err,
        }),
      );
      // The abandoned batch may have been written; fresh sequence numbers keep the broker from taking a
      // later batch for a duplicate of it.
      if (this.config.idempotent) await this.#resetClient();
    }
    this.#expireBuffered(now, reason);
    const delay = backoffDelay(this.#attempt++, this.config.retryBackoffMs, this.config.retryBackoffMaxMs);
    await this.#sleep.sleep(delay);
  }

  #failBatch(batch: Pending[], err: Error): void {
    for (const p of batch) {
      if (!this.#settle(p)) continue;
      this.#counters.failed++;
      report(p, err, -1, -1);
    }
    this.#batch = [];
  }

  #expireBuffered(now: number, reason: string): void {
    const limit = this.config.deliveryTimeoutMs;
    for (let p = this.#buffer.peek(); p && now - p.enqueuedAt >= limit; p = this.#buffer.peek()) {
      this.#buffer.shift();
      if (!this.#settle(p)) continue;
      this.#counters.failed++;
      report(p, new DeliveryTimeoutError(`not acknowledged within ${limit} ms: ${reason}`), -1, -1);
    }
  }
}
