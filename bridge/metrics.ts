// The bridge's Prometheus metrics, in a registry of its own (several bridges can share a process in
// tests, and a host application's default registry stays untouched).
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import { REJECT_REASONS } from "../core/payload-adapters.js";
import type { SinkStats } from "./record-sink.js";

export class BridgeMetrics {
  readonly registry = new Registry();
  readonly received = new Counter({
    name: "homestream_bridge_messages_received_total",
    help: "MQTT messages received, by QoS",
    labelNames: ["qos"] as const,
    registers: [this.registry],
  });
  readonly forwarded = new Counter({
    name: "homestream_bridge_readings_forwarded_total",
    help: "Readings acknowledged by Kafka",
    registers: [this.registry],
  });
  readonly rejected = new Counter({
    name: "homestream_bridge_rejected_total",
    help: "Rejected payloads (or payload fields), by reason",
    labelNames: ["reason"] as const,
    registers: [this.registry],
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
  readonly kafkaUp = new Gauge({
    name: "homestream_bridge_kafka_reachable",
    help: "1 while the last exchange with Kafka succeeded",
    registers: [this.registry],
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

  /** Where the producer gauges read from. */
  watchSink(stats: () => SinkStats | undefined): void {
    this.#sinkStats = stats;
  }

  constructor() {
    // Every reason appears from the start, at 0, so dashboards and alerts need no absent() tricks.
    for (const reason of REJECT_REASONS) this.rejected.inc({ reason }, 0);
    for (const qos of ["0", "1", "2"]) this.received.inc({ qos }, 0);
  }

  /** Totals for the CLI's closing line. */
  async summary(): Promise<{
    received: number;
    forwarded: number;
    rejected: number;
    deadLettered: number;
    droppedQos0: number;
  }> {
    const total = async (c: Counter<string>) => (await c.get()).values.reduce((sum, v) => sum + v.value, 0);
    return {
      received: await total(this.received),
      forwarded: await total(this.forwarded),
      rejected: await total(this.rejected),
      deadLettered: await total(this.deadLettered),
      droppedQos0: await total(this.droppedQos0),
    };
  }

  /** Adds Node's process metrics (CPU, memory, event loop lag): once per process is enough. */
  collectProcessMetrics(): void {
    collectDefaultMetrics({ register: this.registry, prefix: "homestream_bridge_" });
  }
}
