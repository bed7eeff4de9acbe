// Node-RED adapter: hs-kafka-in consumes reading records as a member of a consumer group. Valid
// readings leave by output 1; invalid records by output 2 with the reason, or go to the
// dead-letter topic. Offsets are committed after a record has been handed to the flow
// (at-least-once: a record can arrive twice after a crash or rebalance, never zero times).
import type { TimedReading } from "@homestream/core/reading";
import {
  type ConsumedRecord,
  type DecodeResult,
  type RecordDecoder,
  readingDecoder,
} from "@homestream/kafka/consumer";
import type { ConsumerStatus } from "@homestream/kafka/status";
import { type ConsumerHandle, connectionOf, type KafkaConnection } from "../kafka-broker/connection.js";
import { readingTopic } from "../shared/reading-input.js";
import type { Node, NodeAPI, NodeDef, NodeMessage, NodeStatus } from "../shared/red.js";
import { StatusThrottle } from "../shared/status.js";
import { failEveryMessage } from "../shared/unusable.js";
import { type KafkaInConfig, kafkaInConfig } from "./config.js";

/** Output 2's decoding: every record is handed over, valid or not, with the reason. */
type Checked = { record: ConsumedRecord; result: DecodeResult<TimedReading> };
const checkingDecoder: RecordDecoder<Checked> = (record, options) => ({
  ok: true,
  value: { record, result: readingDecoder(record, options) },
});

function kafkaMeta(record: ConsumedRecord) {
  return {
    topic: record.topic,
    partition: record.partition,
    offset: record.offset,
    key: record.key?.toString("utf8") ?? null,
    headers: record.headers,
    timestamp: record.timestamp,
  };
}

/** Records handed to the flow between two yields to the event loop (see the handler). */
const YIELD_EVERY = 64;

function register(RED: NodeAPI): void {
  function KafkaInNode(this: Node, def: NodeDef) {
    RED.nodes.createNode(this, def);
    const status = new StatusThrottle((s) => this.status(s));
    let config: KafkaInConfig;
    let connection: KafkaConnection;
    let consumer: ConsumerHandle;
    let state: ConsumerStatus["state"] = "connecting";
    let lastError: string | undefined;
    let ready = false;
    let handed = 0;

    const render = (): NodeStatus => {
      const s = consumer.stats();
      const counts = { received: s.received, invalid: s.invalid };
      switch (state) {
        case "connected":
          return { fill: "green", shape: "dot", text: RED._("hs-kafka-in.status.connected", counts) };
        case "connecting":
          return { fill: "yellow", shape: "ring", text: RED._("hs-kafka-in.status.connecting") };
        case "reconnecting":
          return {
            fill: "yellow",
            shape: "ring",
            text: RED._("hs-kafka-in.status.reconnecting", { error: lastError ?? "" }),
          };
        case "disconnected":
          return {
            fill: "red",
            shape: "ring",
            text: RED._("hs-kafka-in.status.disconnected", { error: lastError ?? "" }),
          };
        default:
          return { fill: "grey", shape: "ring", text: RED._("hs-kafka-in.status.closed") };
      }
    };
    const onStatus = (s: ConsumerStatus) => {
      state = s.state;
      lastError = s.error;
      if (ready) status.now(render());
    };

    // Node-RED delivers messages on the next turn of the event loop; yielding every few records
    // lets it deliver before more are fetched, so a fast topic cannot pile up messages unboundedly.
    const pace = async () => {
      if (++handed % YIELD_EVERY === 0) await new Promise<void>((resolve) => setImmediate(resolve));
      status.set(render);
    };

    const sendReading = (reading: TimedReading, record: ConsumedRecord) => {
      this.send([
        {
          payload: reading.reading,
          topic: readingTopic(reading.reading.room, reading.reading.sensor_type),
          kafka: kafkaMeta(record),
        },
        null,
      ]);
    };

    try {
      config = kafkaInConfig(def);
      const c = connectionOf((id) => RED.nodes.getNode(id), config.brokerId);
      if (c instanceof Error) throw c;
      connection = c;
      if (config.invalid === "output") {
        consumer = connection.createConsumer<Checked>(
          config.consumer,
          async ({ record, result }) => {
            if (result.ok) sendReading(result.value, record);
            else {
              const invalid: NodeMessage = {
                payload: record.value?.toString("utf8") ?? null,
                reason: result.reason,
                kafka: kafkaMeta(record),
              };
              this.send([null, invalid]);
            }
            await pace();
          },
          onStatus,
          checkingDecoder,
        );
      } else {
        consumer = connection.createConsumer<TimedReading>(
          config.consumer,
          async (reading, record) => {
            sendReading(reading, record);
            await pace();
          },
          onStatus,
        );
      }
    } catch (err) {
      failEveryMessage(this, err as Error, RED._("hs-kafka-in.status.config"), status);
      return;
    }
    ready = true;
    status.now(render());
    consumer.start().catch((err: Error) => this.error(`Kafka consumer: ${err.message}`, {}));

    this.on("close", (_removed, done) => {
      connection
        .releaseConsumer(consumer)
        .catch((err: Error) => this.warn(`stopping the Kafka consumer: ${err.message}`))
        .finally(() => {
          status.close();
          this.status({});
          done();
        });
    });
  }
  RED.nodes.registerType("hs-kafka-in", KafkaInNode);
}

export = register;
