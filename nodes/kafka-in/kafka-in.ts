// Node-RED adapter: hs-kafka-in consumes records as a member of a consumer group, as readings (the
// default) or JSON, text or bytes (record-format.ts). Valid records leave by output 1; invalid ones
// by output 2 with the reason, or go to the dead-letter topic. Its input pauses, resumes and seeks.
// Offsets are committed after a record has been handed to the flow (at-least-once: a record can
// arrive twice after a crash or rebalance, never zero times).
import type { ConsumedRecord, DecodeResult, KafkaConsumer, RecordDecoder } from "@homestream/kafka/consumer";
import type { ConsumerStatus } from "@homestream/kafka/status";
import { type ConsumerHandle, connectionOf, type KafkaConnection } from "../kafka-broker/connection.js";
import type { Node, NodeAPI, NodeDef, NodeMessage, NodeStatus } from "../shared/red.js";
import { StatusThrottle } from "../shared/status.js";
import { failEveryMessage } from "../shared/unusable.js";
import { type KafkaInConfig, kafkaInConfig } from "./config.js";
import { consumerControl } from "./control.js";
import { decoderFor, kafkaMeta, recordMessage } from "./record-format.js";

/** Output 2's decoding: every record is handed over, valid or not, with the reason. */
type Checked = { record: ConsumedRecord; result: DecodeResult<unknown> };
const checking =
  (decode: RecordDecoder<unknown>): RecordDecoder<Checked> =>
  (record, options) => ({ ok: true, value: { record, result: decode(record, options) } });

type ConsumerControls = Pick<KafkaConsumer<unknown>, "pause" | "resume" | "seek" | "paused">;

/** Records handed to the flow between two yields to the event loop (see the handler). */
const YIELD_EVERY = 64;

function register(RED: NodeAPI): void {
  function KafkaInNode(this: Node, def: NodeDef) {
    RED.nodes.createNode(this, def);
    const status = new StatusThrottle((s) => this.status(s));
    let config: KafkaInConfig;
    let connection: KafkaConnection;
    let consumer: ConsumerHandle;
    let controls: ConsumerControls;
    let state: ConsumerStatus["state"] = "connecting";
    let lastError: string | undefined;
    let ready = false;
    let handed = 0;

    const render = (): NodeStatus => {
      const s = consumer.stats();
      const counts = { received: s.received, invalid: s.invalid };
      switch (state) {
        case "connected":
          return controls.paused.length > 0
            ? { fill: "yellow", shape: "ring", text: RED._("hs-kafka-in.status.paused", counts) }
            : { fill: "green", shape: "dot", text: RED._("hs-kafka-in.status.connected", counts) };
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

    try {
      config = kafkaInConfig(def);
      const c = connectionOf((id) => RED.nodes.getNode(id), config.brokerId);
      if (c instanceof Error) throw c;
      connection = c;
      const format = config.format;
      const decode = decoderFor(format);
      if (config.invalid === "output") {
        const k = connection.createConsumer<Checked>(
          config.consumer,
          async ({ record, result }) => {
            if (result.ok) this.send([recordMessage(format, result.value, record), null]);
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
          checking(decode),
        );
        consumer = k;
        controls = k;
      } else {
        const k = connection.createConsumer<unknown>(
          config.consumer,
          async (value, record) => {
            this.send([recordMessage(format, value, record), null]);
            await pace();
          },
          onStatus,
          decode,
        );
        consumer = k;
        controls = k;
      }
    } catch (err) {
      failEveryMessage(this, err as Error, RED._("hs-kafka-in.status.config"), status);
      return;
    }
    ready = true;
    status.now(render());
    consumer.start().catch((err: Error) => this.error(`Kafka consumer: ${err.message}`, {}));

    // msg.action: pause, resume or seek (see control.ts).
    this.on("input", (msg, _send, done) => {
      const topics = config.consumer.topics;
      const c = consumerControl(msg, topics);
      if (c instanceof Error) {
        done(c);
        return;
      }
      try {
        const only = c.topic === undefined ? undefined : [c.topic];
        if (c.action === "pause") controls.pause(only);
        else if (c.action === "resume") controls.resume(only);
        else controls.seek(c.topic ?? (topics[0] as string), c.partition, c.offset);
      } catch (err) {
        done(err as Error);
        return;
      }
      status.now(render());
      done();
    });

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
