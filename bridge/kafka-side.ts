// The Kafka side of the bridge: the sink (producer), delivery guarantees and the ingest path that turns
// MQTT messages into records. Built the same way in the bridge's own thread (tests with a sink of
// their own, no Kafka configured) and in the ingest worker (ingest-worker.ts).
import { compileMapping } from "@homestream/core/topic-mapping";
import type { BridgeConfig } from "./config.js";
import { Delivery } from "./delivery.js";
import { Ingest } from "./ingest.js";
import { KafkaSink, type KafkaSinkOptions } from "./kafka-sink.js";
import type { Logger } from "./logger.js";
import type { BridgeMetrics } from "./metrics.js";
import type { RecordSink } from "./record-sink.js";
import { RejectionLog } from "./rejection-log.js";

export interface KafkaSide {
  sink: RecordSink | undefined;
  delivery: Delivery | undefined;
  ingest: Ingest;
}

function sinkOptions(c: BridgeConfig): KafkaSinkOptions {
  return {
    brokers: c.kafka.brokers,
    clientId: c.kafka.clientId,
    topics: [c.kafka.topic, c.kafka.dlqTopic],
    producer: c.kafka.producer,
    connection: c.kafka.connection,
    probeIntervalMs: c.kafka.probeIntervalMs,
    producers: c.kafka.producers,
  };
}

/** The Kafka sink the configuration asks for, or undefined when it names no brokers. */
export function configuredSink(c: BridgeConfig, log: Logger): RecordSink | undefined {
  if (c.kafka.brokers.length === 0) return undefined;
  return new KafkaSink(sinkOptions(c), log);
}

/** Throws the Kafka layer's KafkaConfigError for connection or producer settings it refuses. */
export function checkKafkaSettings(c: BridgeConfig): void {
  KafkaSink.check(sinkOptions(c));
}

/** Starts `sink` (when there is one) and builds delivery and ingest on it. */
export async function startKafkaSide(
  c: BridgeConfig,
  sink: RecordSink | undefined,
  metrics: BridgeMetrics,
  log: Logger,
): Promise<KafkaSide> {
  // Without Kafka is a choice (homestream start's default), not a fault: info, not a warning.
  if (sink) await sink.start();
  else log.info("no Kafka brokers configured: readings are validated and counted, not forwarded");
  metrics.watchSink(() => sink?.stats?.());
  if (sink) metrics.watchReachable(() => sink.reachable());
  const delivery = sink
    ? new Delivery(sink, metrics, log, { qos0Capacity: c.qos0Buffer, retryBaseMs: 100, retryMaxMs: 5000 })
    : undefined;
  const ingest = new Ingest(
    {
      mapping: compileMapping(c.rules, c.kafka.topic),
      dlqTopic: c.kafka.dlqTopic,
      maxPayloadBytes: c.mqtt.maxPayloadBytes,
      unmatched: c.unmatched,
      timeZone: c.timeZone,
    },
    delivery,
    new RejectionLog(log, metrics, { linesPerInterval: 10, intervalMs: 10_000 }),
    metrics,
    c.qos0WaitMs,
  );
  return { sink, delivery, ingest };
}
