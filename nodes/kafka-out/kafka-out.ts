// Node-RED adapter: hs-kafka-out sends each message's payload as one Kafka record (a batch of
// readings, an array in msg.payload, as one record each) through the producer its kafka-broker
// shares. A message completes when the broker has acknowledged its records (done()), or fails when
// one finally cannot be delivered (done(err), for Catch).

import { topicName } from "@homestream/kafka/config";
import { ProducerClosedError } from "@homestream/kafka/errors";
import type { DeliveryReport, KafkaProducer, ProducerRecord } from "@homestream/kafka/producer";
import type { ProducerStatus } from "@homestream/kafka/status";
import { CLOSE_TIMEOUT_MS, connectionOf, type KafkaConnection } from "../kafka-broker/connection.js";
import { batchError, type RejectedItem, readingFromPayload } from "../shared/reading-input.js";
import type {
  DoneFunction,
  Node,
  NodeAPI,
  NodeDef,
  NodeMessage,
  NodeStatus,
  SendFunction,
} from "../shared/red.js";
import { StatusThrottle } from "../shared/status.js";
import { failEveryMessage } from "../shared/unusable.js";
import { type KafkaOutConfig, kafkaOutConfig } from "./config.js";
import { keyOf, recordValue } from "./payload-format.js";

/** With Kafka unreachable, how long a closing node still gives buffered records (it may come back). */
const UNREACHABLE_CLOSE_TIMEOUT_MS = 1000;

/** Per-message settings in `msg.kafka`. */
interface KafkaOverrides {
  topic?: unknown;
  key?: unknown;
  headers?: unknown;
}

/** The record for a message, or why there is none. */
function recordOf(
  msg: NodeMessage,
  c: KafkaOutConfig,
  property: (path: string) => unknown,
): ProducerRecord | Error {
  const o = (typeof msg.kafka === "object" && msg.kafka !== null ? msg.kafka : {}) as KafkaOverrides;
  let value: string | Buffer | Error;
  let fields: Record<string, unknown> | undefined;
  if (c.format === "reading") {
    const parsed = readingFromPayload(msg.payload, c.timeZone);
    if (!parsed.ok) return new Error(parsed.reason);
    // the normalised reading: ISO timestamp with Z, 0/1 for binary sensors
    value = JSON.stringify(parsed.value.reading);
    fields = parsed.value.reading as unknown as Record<string, unknown>;
  } else {
    value = recordValue(c.format, msg.payload);
    if (value instanceof Error) return value;
    if (typeof msg.payload === "object" && msg.payload !== null && !Buffer.isBuffer(msg.payload)) {
      fields = msg.payload as Record<string, unknown>;
    }
  }
  let key: string | Buffer | null | Error = null;
  if (o.key !== undefined) {
    if (o.key !== null && typeof o.key !== "string" && !Buffer.isBuffer(o.key)) {
      return new Error(`msg.kafka.key must be a string, a Buffer or null, got ${typeof o.key}`);
    }
    key = o.key;
  } else if (c.key === "msg") {
    key = keyOf(msg.key, "msg.key");
  } else if (c.key === "property") {
    key = keyOf(property(c.keyProperty), `msg.${c.keyProperty}`);
  } else if (c.key !== "none") {
    const k = fields?.[c.key];
    key = typeof k === "string" ? k : null;
  }
  if (key instanceof Error) return key;
  if (o.topic !== undefined && typeof o.topic !== "string") {
    return new Error(`msg.kafka.topic must be a string, got ${typeof o.topic}`);
  }
  let topic = (o.topic as string | undefined) ?? c.topic;
  if (topic === "") {
    // No topic on the node: msg.topic names it, as with Node-RED's other Kafka nodes.
    if (typeof msg.topic !== "string" || !topicName.safeParse(msg.topic).success) {
      return new Error(
        `msg.topic: the node has no topic, so msg.topic must name one (1-249 letters, digits, '.', '_' or '-'), got ${JSON.stringify(msg.topic)}`,
      );
    }
    topic = msg.topic;
  }
  let headers = c.headers;
  if (o.headers !== undefined) {
    if (typeof o.headers !== "object" || o.headers === null || Array.isArray(o.headers)) {
      return new Error("msg.kafka.headers must be an object of header name to string");
    }
    headers = { ...headers };
    for (const [name, v] of Object.entries(o.headers)) {
      headers[name] = typeof v === "string" || Buffer.isBuffer(v) ? (v as string) : JSON.stringify(v);
    }
  }
  return {
    topic,
    key,
    value,
    headers: Object.keys(headers).length > 0 ? headers : undefined,
  };
}

function register(RED: NodeAPI): void {
  function KafkaOutNode(this: Node, def: NodeDef) {
    RED.nodes.createNode(this, def);
    const status = new StatusThrottle((s) => this.status(s));
    let state: ProducerStatus["state"] = "connecting";
    let lastError: string | undefined;
    // status events can come while the producer is being made, before there are counters to show
    let ready = false;
    let config: KafkaOutConfig;
    let connection: KafkaConnection;
    let producer: KafkaProducer;
    try {
      config = kafkaOutConfig(def);
      const c = connectionOf((id) => RED.nodes.getNode(id), config.brokerId);
      if (c instanceof Error) throw c;
      connection = c;
      producer = connection.acquireProducer(this.id, config.producer, (s) => {
        state = s.state;
        lastError = s.error;
        if (ready) status.now(render());
      });
    } catch (err) {
      failEveryMessage(this, err as Error, RED._("hs-kafka-out.status.config"), status);
      return;
    }

    function render(): NodeStatus {
      const s = producer.stats();
      const counts = {
        acked: s.acked,
        buffered: s.buffered + s.inFlight,
        failed: s.failed + s.rejected + s.dropped,
      };
      switch (state) {
        case "connected":
          return { fill: "green", shape: "dot", text: RED._("hs-kafka-out.status.connected", counts) };
        case "connecting":
          return { fill: "yellow", shape: "ring", text: RED._("hs-kafka-out.status.connecting", counts) };
        case "reconnecting":
          return {
            fill: "yellow",
            shape: "ring",
            text: RED._("hs-kafka-out.status.reconnecting", { ...counts, error: lastError ?? "" }),
          };
        case "disconnected":
          return {
            fill: "red",
            shape: "ring",
            text: RED._("hs-kafka-out.status.disconnected", { error: lastError ?? "" }),
          };
        default:
          return { fill: "grey", shape: "ring", text: RED._("hs-kafka-out.status.closed") };
      }
    }

    ready = true;
    state = producer.state === "disconnected" ? "connecting" : producer.state;
    status.now(render());

    let closing = false;
    let undelivered = 0;
    // A batch (reading format, msg.payload an array of readings): one record per reading, each
    // validated alone; the message completes when every record is acknowledged, with one error
    // naming the items that were not readings and the records Kafka did not take.
    const sendBatch = (
      msg: NodeMessage,
      items: readonly unknown[],
      send: SendFunction,
      done: DoneFunction,
    ) => {
      const records: ProducerRecord[] = [];
      const rejected: RejectedItem[] = [];
      for (let index = 0; index < items.length; index++) {
        const item: NodeMessage = { ...msg, payload: items[index] };
        const record = recordOf(item, config, (path) => RED.util.getMessageProperty(item, path));
        if (record instanceof Error) rejected.push({ index, reason: record.message });
        else records.push(record);
      }
      Promise.allSettled(records.map((r) => producer.send(r))).then((outcomes) => {
        status.set(render);
        const reports: DeliveryReport[] = [];
        let failed = 0;
        let firstFailure: Error | undefined;
        for (const o of outcomes) {
          if (o.status === "fulfilled") reports.push(o.value);
          else if (closing && o.reason instanceof ProducerClosedError) undelivered++;
          else {
            failed++;
            firstFailure ??= o.reason as Error;
          }
        }
        if (config.reports && reports.length > 0) {
          msg.kafka = { ...(typeof msg.kafka === "object" ? msg.kafka : {}), records: reports };
          send(msg);
        }
        const problems: string[] = [];
        if (rejected.length > 0) problems.push(batchError(rejected, items.length).message);
        if (failed > 0)
          problems.push(`${failed} of ${records.length} records not delivered: ${firstFailure?.message}`);
        done(problems.length > 0 ? new Error(problems.join("; ")) : undefined);
      });
    };

    this.on("input", (msg, send, done) => {
      if (config.format === "reading" && Array.isArray(msg.payload)) {
        sendBatch(msg, msg.payload, send, done);
        return;
      }
      const record = recordOf(msg, config, (path) => RED.util.getMessageProperty(msg, path));
      if (record instanceof Error) {
        done(record);
        return;
      }
      producer.send(record).then(
        (report) => {
          if (config.reports) {
            msg.kafka = { ...(typeof msg.kafka === "object" ? msg.kafka : {}), ...report };
            send(msg);
          }
          status.set(render);
          done();
        },
        (err: Error) => {
          status.set(render);
          if (closing && err instanceof ProducerClosedError) {
            // Stopping with records Kafka never took: one warning for all of them (below), not an
            // error per message while the flow is being replaced.
            undelivered++;
            done();
            return;
          }
          done(err);
        },
      );
    });

    this.on("close", (_removed, done) => {
      closing = true;
      // Kafka unreachable: what is buffered cannot go anywhere; a redeploy should not wait for it.
      const reachable = producer.state === "connected";
      connection
        .releaseProducer(this.id, producer, reachable ? CLOSE_TIMEOUT_MS : UNREACHABLE_CLOSE_TIMEOUT_MS)
        .catch((err: Error) => this.warn(`closing the Kafka producer: ${err.message}`))
        .finally(() => {
          if (undelivered > 0) this.warn(RED._("hs-kafka-out.warn.undelivered", { count: undelivered }));
          status.close();
          this.status({});
          done();
        });
    });
  }
  RED.nodes.registerType("hs-kafka-out", KafkaOutNode);
}

export = register;
