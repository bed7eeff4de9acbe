// The bridge's Prometheus metrics, in a registry of its own (several bridges can share a process in
// tests, and a host application's default registry stays untouched).

import { REJECT_REASONS } from "@homestream/core/payload-adapters";
import {
  AggregatorRegistry,
  Counter,
  collectDefaultMetrics,
  Gauge,
  Histogram,
  type MetricObjectWithValues,
  type MetricValue,
  Registry,
} from "prom-client";
import type { SinkStats } from "./record-sink.js";
import { NOT_FORWARDED_REASONS, type NotForwardedReason } from "./records.js";

export interface BridgeSummary {
  received: number;
  forwarded: number;
  rejected: number;
  deadLettered: number;
  droppedQos0: number;
}

export class BridgeMetrics {
  // Counts made for every message are kept in plain numbers and added to their prom-client metric when
  // it is read (collect): prom-client works out a label key on every inc(), which at tens of thousands
  // of messages a second was a measurable share of the bridge's CPU.
  readonly #receivedByQos = [0, 0, 0];
  readonly #notForwarded = new Map<NotForwardedReason, number>();
  #forwarded = 0;
  #inFlight = 0;

  readonly registry = new Registry();
  readonly received = new Counter({
    name: "homestream_bridge_messages_received_total",
    help: "MQTT messages received, by QoS",
    labelNames: ["qos"] as const,
    registers: [this.registry],
    collect: () => {
      this.#receivedByQos.forEach((n, qos) => {
        if (n > 0) this.received.inc({ qos: String(qos) }, n);
        this.#receivedByQos[qos] = 0;
      });
    },
  });
  readonly forwarded = new Counter({
    name: "homestream_bridge_readings_forwarded_total",
    help: "Readings acknowledged by Kafka",
    registers: [this.registry],
    collect: () => {
      if (this.#forwarded > 0) this.forwarded.inc(this.#forwarded);
      this.#forwarded = 0;
    },
  });
  readonly rejected = new Counter({
    name: "homestream_bridge_rejected_total",
    help: "Rejected payloads (or payload fields), by reason",
    labelNames: ["reason"] as const,
    registers: [this.registry],
  });
  readonly notForwarded = new Counter({
    name: "homestream_bridge_not_forwarded_total",
    help: "MQTT messages routed to subscribers only, not for Kafka, by reason (unmatched_topic: no mapping rule matches)",
    labelNames: ["reason"] as const,
    registers: [this.registry],
    collect: () => {
      for (const [reason, n] of this.#notForwarded) if (n > 0) this.notForwarded.inc({ reason }, n);
      this.#notForwarded.clear();
    },
  });
  readonly deadLettered = new Counter({
    name: "homestream_bridge_dead_lettered_total",
    help: "Dead-letter records acknowledged by Kafka",
    registers: [this.registry],
  });
  readonly droppedQos0 = new Counter({
    name: "homestream_bridge_qos0_dropped_total",
    help: "QoS 0 records dropped: best-effort buffer full or Kafka failed them",
    registers: [this.registry],
  });
  readonly sendRetries = new Counter({
    name: "homestream_bridge_kafka_send_retries_total",
    help: "QoS 1 records whose Kafka send failed and was tried again",
    registers: [this.registry],
  });
  readonly inFlight = new Gauge({
    name: "homestream_bridge_records_in_flight",
    help: "Records handed to Kafka and not yet acknowledged",
    registers: [this.registry],
    collect: () => {
      this.inFlight.set(this.#inFlight);
    },
  });
  readonly ackLatency = new Histogram({
    name: "homestream_bridge_kafka_ack_latency_seconds",
    help: "Time from handing a record to the producer until Kafka acknowledged it",
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  readonly connections = new Gauge({
    name: "homestream_bridge_mqtt_connections",
    help: "MQTT clients connected to the embedded broker",
    registers: [this.registry],
  });
  readonly authFailures = new Counter({
    name: "homestream_bridge_auth_failures_total",
    help: "Refused connections and publishes, by reason",
    labelNames: ["reason"] as const,
    registers: [this.registry],
  });
  #reachable: (() => boolean) | undefined;
  readonly kafkaUp = new Gauge({
    name: "homestream_bridge_kafka_reachable",
    help: "1 while the last exchange with Kafka succeeded",
    registers: [this.registry],
    // Read from the sink at every scrape (in the thread that owns it), not left to whoever asks /healthz.
    collect: () => {
      if (this.#reachable) this.kafkaUp.set(this.#reachable() ? 1 : 0);
    },
  });

  #sinkStats: (() => SinkStats | undefined) | undefined;
  readonly producerBuffered = new Gauge({
    name: "homestream_bridge_kafka_producer_buffered_records",
    help: "Records waiting in the Kafka producer for a produce request",
    registers: [this.registry],
    collect: () => {
      this.producerBuffered.set(this.#sinkStats?.()?.buffered ?? 0);
    },
  });
  readonly produceRequests = new Gauge({
    name: "homestream_bridge_kafka_produce_requests",
    help: "Produce requests Kafka acknowledged since start (records per request = forwarded / this)",
    registers: [this.registry],
    collect: () => {
      this.produceRequests.set(this.#sinkStats?.()?.requests ?? 0);
    },
  });

  /** A message received (counted in `received`). */
  countReceived(qos: 0 | 1 | 2): void {
    (this.#receivedByQos[qos] as number)++;
  }

  /** A message not for Kafka (counted in `notForwarded`). */
  countNotForwarded(reason: NotForwardedReason): void {
    this.#notForwarded.set(reason, (this.#notForwarded.get(reason) ?? 0) + 1);
  }

  /** A reading Kafka acknowledged (counted in `forwarded`). */
  countForwarded(): void {
    this.#forwarded++;
  }

  /** Records handed to Kafka (+n) or settled (-n) (shown by `inFlight`). */
  addInFlight(n: number): void {
    this.#inFlight += n;
  }

  /** Where the producer gauges read from. */
  watchSink(stats: () => SinkStats | undefined): void {
    this.#sinkStats = stats;
  }

  /** Where `kafkaUp` reads from: only the thread that owns the sink sets it (the threads' gauges add up). */
  watchReachable(reachable: () => boolean): void {
    this.#reachable = reachable;
  }

  constructor() {
    // Every reason appears from the start, at 0, so dashboards and alerts need no absent() tricks.
    for (const reason of REJECT_REASONS) this.rejected.inc({ reason }, 0);
    for (const qos of ["0", "1", "2"]) this.received.inc({ qos }, 0);
    for (const reason of NOT_FORWARDED_REASONS) this.notForwarded.inc({ reason }, 0);
  }

  /**
   * This registry with other threads' metrics (their registries' getMetricsAsJSON()) added in: the ingest
   * worker counts in a BridgeMetrics of its own, with the same names, so the sums are the bridge's.
   */
  async merged(others: MetricObjectWithValues<MetricValue<string>>[][]): Promise<Registry> {
    if (others.length === 0) return this.registry;
    return AggregatorRegistry.aggregate([await this.registry.getMetricsAsJSON(), ...others]);
  }

  /** Totals for the CLI's closing line, from this registry or a merged one. */
  static async summaryOf(registry: Registry): Promise<BridgeSummary> {
    const byName = new Map((await registry.getMetricsAsJSON()).map((m) => [m.name, m]));
    const total = (name: string) =>
      (byName.get(name)?.values ?? []).reduce((sum, v) => sum + Number(v.value), 0);
    return {
      received: total("homestream_bridge_messages_received_total"),
      forwarded: total("homestream_bridge_readings_forwarded_total"),
      rejected: total("homestream_bridge_rejected_total"),
      deadLettered: total("homestream_bridge_dead_lettered_total"),
      droppedQos0: total("homestream_bridge_qos0_dropped_total"),
    };
  }

  /** Adds Node's process metrics (CPU, memory, event loop lag): once per process is enough. */
  collectProcessMetrics(): void {
    collectDefaultMetrics({ register: this.registry, prefix: "homestream_bridge_" });
  }
}
