// The bridge's RecordSink on the shared Kafka layer (kafka/): its micro-batching producer does the
// batching across devices; this adapter adds what /healthz needs, a periodic check that Kafka answers
// even while no records flow (the producer only notices an outage when a send fails).
import {
  createKafkaClient,
  type KafkaClient,
  type KafkaProducer,
  type ProducerConfigInput,
} from "../kafka/index.js";
import type { Logger } from "./logger.js";
import type { OutRecord, RecordSink } from "./record-sink.js";

export interface KafkaSinkOptions {
  brokers: readonly string[];
  clientId: string;
  /** Topics to create at start when missing (readings and dead letters). */
  topics: readonly string[];
  /** Extra producer settings (lingerMs, batchSize, maxBufferedRecords, ...). */
  producer?: Record<string, unknown>;
  /** Extra connection settings (ssl, sasl, timeouts). */
  connection?: Record<string, unknown>;
  /** How often Kafka is asked whether it answers; default 5 s. */
  probeIntervalMs?: number;
}

// The bridge retries QoS 1 records itself until they are acknowledged, so a full producer buffer
// should refuse new records (the device stays unacknowledged) rather than drop accepted ones.
const PRODUCER_DEFAULTS: ProducerConfigInput = { whenFull: "reject", lingerMs: 5, batchSize: 5000 };

export class KafkaSink implements RecordSink {
  #client: KafkaClient | undefined;
  #producer: KafkaProducer | undefined;
  #probe: NodeJS.Timeout | undefined;
  #probeOk = false;
  #topicsReady = false;
  #checking = false;

  constructor(
    private readonly options: KafkaSinkOptions,
    private readonly log: Logger,
  ) {}

  async start(): Promise<void> {
    const client = createKafkaClient(
      { ...this.options.connection, brokers: [...this.options.brokers], clientId: this.options.clientId },
      { logger: this.log.child({ component: "kafka" }) },
    );
    this.#client = client;
    this.#producer = client.producer({
      ...PRODUCER_DEFAULTS,
      ...this.options.producer,
    } as ProducerConfigInput);
    // Connecting retries until Kafka answers; the bridge serves MQTT meanwhile (devices wait for acks).
    this.#producer
      .connect()
      .catch((err: Error) => this.log.debug({ err: err.message }, "kafka connect ended"));
    await this.#check();
    this.#probe = setInterval(() => void this.#check(), this.options.probeIntervalMs ?? 5000);
    this.#probe.unref();
  }

  send(record: OutRecord): Promise<unknown> {
    const producer = this.#producer;
    if (!producer) return Promise.reject(new Error("the Kafka sink is not started"));
    return producer.send(record);
  }

  reachable(): boolean {
    const producer = this.#producer;
    if (!producer || !this.#probeOk) return false;
    // A producer retrying records it cannot deliver means Kafka is not taking them, whatever the probe says.
    const { buffered, inFlight } = producer.stats();
    return producer.state !== "reconnecting" || buffered + inFlight === 0;
  }

  async close(timeoutMs: number): Promise<void> {
    clearInterval(this.#probe);
    this.#probe = undefined;
    await this.#producer?.close({ timeoutMs });
    this.#producer = undefined;
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
      this.#probeOk = true;
      if (!was) this.log.info({ brokers: this.options.brokers }, "Kafka reachable");
    } catch (err) {
      this.#probeOk = false;
      if (was) this.log.warn({ err: (err as Error).message }, "Kafka unreachable");
    } finally {
      this.#checking = false;
    }
  }
}
