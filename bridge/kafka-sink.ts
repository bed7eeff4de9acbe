// The bridge's RecordSink on the shared Kafka layer (kafka/): its micro-batching producer does the
// batching across devices. This adapter adds two things the bridge needs:
// - several producers, each record going to the one its key hashes to. The layer's producer keeps one
//   produce request in flight (for idempotence, see kafka/producer.ts), so devices waiting for their
//   PUBACK wait for whole request round trips; a few producers overlap those round trips. One key,
//   one producer: per-room order is kept.
// - a periodic check that Kafka answers even while no records flow, for /healthz (a producer only
//   notices an outage when a send fails).
import {
  connectionConfigSchema,
  createKafkaClient,
  type KafkaClient,
  type KafkaProducer,
  type ProducerConfigInput,
  parseConfig,
  producerConfigSchema,
} from "@homestream/kafka";
import type { Logger } from "./logger.js";
import type { OutRecord, RecordSink, SinkStats } from "./record-sink.js";

export interface KafkaSinkOptions {
  brokers: readonly string[];
  clientId: string;
  /** Topics to create at start when missing (readings and dead letters). */
  topics: readonly string[];
  /** Producers records are spread over by key (default 1). */
  producers?: number;
  /** Extra producer settings (lingerMs, batchSize, maxBufferedRecords, ...). */
  producer?: Record<string, unknown>;
  /** Extra connection settings (ssl, sasl, timeouts). */
  connection?: Record<string, unknown>;
  /** How often Kafka is asked whether it answers; default 5 s. */
  probeIntervalMs?: number;
}

// The bridge retries QoS 1 records itself until they are acknowledged, so a full producer buffer
// should refuse new records (the device stays unacknowledged) rather than drop accepted ones.
// No linger: devices wait for their PUBACK, and batches form anyway: records arriving while a request
// is out go in the next one, and messages handled in one turn of the event loop leave together.
// (A lone QoS 1 message: about 3 ms to its PUBACK instead of 9 with the layer's 5 ms linger.)
const PRODUCER_DEFAULTS: ProducerConfigInput = { whenFull: "reject", lingerMs: 0 };

/** FNV-1a of the key: cheap, stable, spreads room names well enough over a handful of producers. */
function shardOf(key: string | null, shards: number): number {
  if (shards === 1 || key === null) return 0;
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  return (h >>> 0) % shards;
}

export class KafkaSink implements RecordSink {
  #client: KafkaClient | undefined;
  #producers: KafkaProducer[] = [];
  #probe: NodeJS.Timeout | undefined;
  #probeOk = false;
  #topicsReady = false;
  #checking = false;
  #everChecked = false;

  constructor(
    private readonly options: KafkaSinkOptions,
    private readonly log: Logger,
  ) {}

  /**
   * Validates the connection and producer settings as start() would, throwing the Kafka layer's
   * KafkaConfigError naming the field: for callers that start the sink elsewhere (the ingest worker).
   */
  static check(options: KafkaSinkOptions): void {
    parseConfig(
      connectionConfigSchema,
      { ...options.connection, brokers: [...options.brokers], clientId: options.clientId },
      "kafka",
    );
    parseConfig(producerConfigSchema, { ...PRODUCER_DEFAULTS, ...options.producer }, "producer");
  }

  async start(): Promise<void> {
    const client = createKafkaClient(
      { ...this.options.connection, brokers: [...this.options.brokers], clientId: this.options.clientId },
      { logger: this.log.child({ component: "kafka" }) },
    );
    this.#client = client;
    const config = { ...PRODUCER_DEFAULTS, ...this.options.producer } as ProducerConfigInput;
    this.#producers = Array.from({ length: Math.max(1, this.options.producers ?? 1) }, () => {
      const p = client.producer(config);
      // A produce request Kafka answered is as good an answer as the probe's (and comes sooner); a
      // failed one shows in reachable() through the producer's state.
      p.on("status", ({ state }) => {
        if (state === "connected") this.#answered();
      });
      return p;
    });
    // Connecting retries until Kafka answers; the bridge serves MQTT meanwhile (devices wait for acks).
    for (const p of this.#producers)
      p.connect().catch((err: Error) => this.log.debug({ err: err.message }, "kafka connect ended"));
    await this.#check();
    this.#probe = setInterval(() => void this.#check(), this.options.probeIntervalMs ?? 5000);
    this.#probe.unref();
  }

  send(record: OutRecord, done: (err: Error | null) => void): void {
    const producers = this.#producers;
    if (producers.length === 0) {
      done(new Error("the Kafka sink is not started"));
      return;
    }
    (producers[shardOf(record.key, producers.length)] as KafkaProducer).enqueue(record, done);
  }

  stats(): SinkStats {
    const out: SinkStats = { buffered: 0, requests: 0, acked: 0 };
    for (const p of this.#producers) {
      const s = p.stats();
      out.buffered += s.buffered;
      out.requests += s.batches;
      out.acked += s.acked;
    }
    return out;
  }

  reachable(): boolean {
    if (this.#producers.length === 0 || !this.#probeOk) return false;
    // A producer retrying records it cannot deliver means Kafka is not taking them, whatever the probe says.
    return this.#producers.every((p) => {
      const { buffered, inFlight } = p.stats();
      return p.state !== "reconnecting" || buffered + inFlight === 0;
    });
  }

  async close(timeoutMs: number): Promise<void> {
    clearInterval(this.#probe);
    this.#probe = undefined;
    const producers = this.#producers;
    this.#producers = [];
    await Promise.all(producers.map((p) => p.close({ timeoutMs })));
  }

  /** Kafka answered (the probe, or a producer's request). */
  #answered(): void {
    if (!this.#probeOk) this.log.info({ brokers: this.options.brokers }, "Kafka reachable");
    this.#probeOk = true;
  }

  async #check(): Promise<void> {
    const client = this.#client;
    if (!client || this.#checking) return;
    this.#checking = true;
    const was = this.#probeOk;
    try {
      // Creating what exists is a no-op; it doubles as the question "does Kafka answer?".
      const topics = this.#topicsReady ? this.options.topics.slice(0, 1) : this.options.topics;
      for (const topic of topics) await client.ensureTopic({ topic });
      this.#topicsReady = true;
      this.#answered();
    } catch (err) {
      this.#probeOk = false;
      // Said once per outage (including one at start): the producers keep retrying meanwhile.
      if (was || !this.#everChecked)
        this.log.warn({ err: (err as Error).message, brokers: this.options.brokers }, "Kafka unreachable");
    } finally {
      this.#everChecked = true;
      this.#checking = false;
    }
  }
}
