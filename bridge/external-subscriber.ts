// External broker mode: subscribe to an existing broker (Mosquitto, EMQX, ...) with mqtt.js and
// forward what arrives. mqtt.js sends PUBACK after `handleMessage` calls back and handles one packet
// at a time per connection, so waiting for Kafka there would allow one message in flight per
// connection. Instead each QoS 1 message is answered with an error to handleMessage (which makes
// mqtt.js skip its own PUBACK and move on to the next packet) and the PUBACK is written here, in
// arrival order, once Kafka has the records. How many messages wait at once is bounded by the broker's
// in-flight window (MQTT 5 Receive Maximum, Mosquitto's max_inflight_messages).
import { readFile } from "node:fs/promises";
import mqtt, { type IClientOptions, type IPublishPacket, type MqttClient } from "mqtt";
import type { IngestPort } from "./ingest.js";
import type { Logger } from "./logger.js";
import { OrderedAcks } from "./ordered-acks.js";
import type { InboundMessage } from "./records.js";

export interface ExternalSubscriberOptions {
  url: string;
  /** Filters to subscribe to (without any $share prefix). */
  topics: readonly string[];
  shareGroup?: string;
  clientId: string;
  username?: string;
  password?: string;
  protocolVersion: 4 | 5;
  receiveMaximum: number;
  sessionExpirySeconds: number;
  ca?: string;
  rejectUnauthorized: boolean;
  ingest: IngestPort;
  log: Logger;
}

/** Tells mqtt.js not to send its own PUBACK: the bridge sends it once Kafka has the message. */
class AckedLater extends Error {
  override name = "AckedLater";
}
const ACKED_LATER = new AckedLater("PUBACK deferred until Kafka acknowledges");

/** PUBACK with Remaining Length 2: the packet id only; in MQTT 5 that means reason Success [MQTT-3.4.2.1]. */
function pubackBytes(messageId: number): Buffer {
  return Buffer.from([0x40, 0x02, messageId >> 8, messageId & 0xff]);
}

// CONNACK codes for "this protocol version is not spoken here": 3.1.1's 1, MQTT 5's 132.
const UNSUPPORTED_VERSION = new Set([1, 132]);

export class ExternalSubscriber {
  #client: MqttClient | undefined;
  #accepting = false;
  readonly #acksOf = new WeakMap<object, OrderedAcks>();

  constructor(private readonly options: ExternalSubscriberOptions) {}

  /** The filters as subscribed (with the $share prefix when a share group is set). */
  get filters(): string[] {
    const g = this.options.shareGroup;
    return this.options.topics.map((t) => (g ? `$share/${g}/${t}` : t));
  }

  /** Connects and subscribes; resolves once subscribed (retrying while the broker is unreachable). */
  async start(): Promise<void> {
    const ca = this.options.ca ? await readFile(this.options.ca) : undefined;
    this.#accepting = true;
    try {
      await this.#connect(this.options.protocolVersion, ca);
    } catch (err) {
      const code = (err as { code?: number }).code;
      if (this.options.protocolVersion === 5 && code !== undefined && UNSUPPORTED_VERSION.has(code)) {
        this.options.log.info({ url: this.options.url }, "broker does not speak MQTT 5; using 3.1.1");
        await this.#connect(4, ca);
      } else throw err;
    }
  }

  #connect(protocolVersion: 4 | 5, ca: Buffer | undefined): Promise<void> {
    const o = this.options;
    const options: IClientOptions = {
      clientId: o.clientId,
      // A kept session makes the broker send again what this bridge had not acknowledged when it
      // stopped or lost the connection [MQTT-3.1.2-4]; a clean one would drop it.
      clean: false,
      protocolVersion,
      username: o.username,
      password: o.password,
      reconnectPeriod: 1000,
      connectTimeout: 10_000,
      ca,
      rejectUnauthorized: o.rejectUnauthorized,
      properties:
        protocolVersion === 5
          ? { sessionExpiryInterval: o.sessionExpirySeconds, receiveMaximum: o.receiveMaximum }
          : undefined,
    };
    const client = mqtt.connect(o.url, options);
    client.handleMessage = (packet, callback) => this.#handle(client, packet, callback);
    this.#client = client;
    return new Promise<void>((resolve, reject) => {
      let subscribedOnce = false;
      client.on("connect", (connack) => {
        o.log.info(
          { url: o.url, sessionPresent: connack.sessionPresent, protocolVersion },
          "connected to external broker",
        );
        // Later reconnects: the kept session, or mqtt.js's own resubscribe, restores the subscriptions.
        if (subscribedOnce) return;
        client.subscribe(this.filters, { qos: 1 }, (err, granted) => {
          if (err) {
            o.log.error({ err: err.message }, "subscribe failed");
            if (!subscribedOnce) reject(err);
            return;
          }
          const refused = (granted ?? []).filter((g) => g.qos === 128 || g.qos > 2);
          if (refused.length > 0) {
            const e = new Error(
              `the broker refused the subscription to ${refused.map((g) => g.topic).join(", ")}`,
            );
            if (!subscribedOnce) reject(e);
            else o.log.error({ err: e.message }, "subscribe refused");
            return;
          }
          if (!subscribedOnce) {
            subscribedOnce = true;
            resolve();
          }
        });
      });
      client.on("error", (err: Error & { code?: number }) => {
        // A refused CONNACK (bad credentials, unsupported version) is final before the first subscription.
        if (!subscribedOnce && typeof err.code === "number") {
          client.end(true);
          reject(err);
          return;
        }
        o.log.warn({ err: err.message }, "external broker error");
      });
      client.on("offline", () => o.log.warn({ url: o.url }, "external broker unreachable; reconnecting"));
    });
  }

  #handle(client: MqttClient, packet: IPublishPacket, callback: (error?: Error) => void): void {
    // stopping: not acknowledged, sent again later
    if (!this.#accepting) {
      callback(ACKED_LATER);
      return;
    }
    const msg: InboundMessage = {
      topic: packet.topic,
      payload: Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload),
      qos: packet.qos,
      receivedAt: Date.now(),
    };
    if (packet.qos === 0) {
      const waiting = this.options.ingest.bestEffort(msg);
      if (waiting) waiting.then(() => callback());
      else callback();
      return;
    }
    if (packet.qos === 2) {
      // Not expected (the subscriptions ask for QoS 1, so the broker downgrades); handled serially.
      this.options.ingest.reliable(msg).then(
        (delivered) => callback(delivered ? undefined : ACKED_LATER),
        () => callback(ACKED_LATER),
      );
      return;
    }
    const stream = client.stream;
    let acks = this.#acksOf.get(stream);
    if (!acks) {
      acks = new OrderedAcks();
      this.#acksOf.set(stream, acks);
    }
    const release = acks.reserve();
    const messageId = packet.messageId as number;
    this.options.ingest.reliable(msg).then(
      (delivered) =>
        release(() => {
          // A PUBACK belongs to the connection the PUBLISH came on; after a reconnect the broker resends.
          if (delivered && client.stream === stream && !stream.destroyed && client.connected)
            stream.write(pubackBytes(messageId));
        }),
      () => release(() => {}),
    );
    callback(ACKED_LATER);
  }

  /** Stops taking messages: later ones stay unacknowledged at the broker, which sends them again. */
  stopAccepting(): void {
    this.#accepting = false;
  }

  async stop(): Promise<void> {
    this.#accepting = false;
    const client = this.#client;
    this.#client = undefined;
    if (client) await client.endAsync(false);
  }
}
