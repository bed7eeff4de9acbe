// The embedded MQTT broker (aedes 1.x, MQTT 3.1.1). The Kafka send happens in `authorizePublish`,
// because aedes writes PUBACK (QoS 1) / PUBREC (QoS 2) only after that hook calls back: so a device is
// acknowledged only once Kafka has acknowledged its records. aedes handles all packets of one socket
// read concurrently and reads on only when they are done, which bounds what each connection can have
// waiting for Kafka; the Kafka producer batches across all connections.
//
// Wills pass through `authorizePublish` too (aedes calls it from Client#close, and from its sweep of
// wills left by a broker that died), but nobody waits for a will's acknowledgement: a will is
// authorised like any publish by its client, handed to Kafka without being waited for, and published
// to subscribers at once. (Holding it in the connection's ordered acknowledgements lost it: aedes
// announces the disconnect, which clears them, right after asking about the will.)
import { mkdir } from "node:fs/promises";
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import type { TopicMapping } from "@homestream/core/topic-mapping";
import type { Aedes, AedesOptions, Client, PublishPacket, Subscription } from "aedes" with {
  "resolution-mode": "import",
};
import type { AccessPolicy, ListenerInfo } from "./access-policy.js";
import { AvailabilityAnnouncer } from "./availability-announcer.js";
import type { IngestPort } from "./ingest.js";
import type { Logger } from "./logger.js";
import type { BridgeMetrics } from "./metrics.js";
import { OrderedAcks } from "./ordered-acks.js";
import { guardPacketSize } from "./packet-size-guard.js";
import type { InboundMessage } from "./records.js";
import type { Principal } from "./users.js";

export interface EmbeddedBrokerOptions {
  policy: AccessPolicy;
  ingest: IngestPort;
  maxConnections: number;
  /** Larger payloads reach the bridge cut to this + 1 bytes, to be dead-lettered (packet-size-guard.ts). */
  maxPayloadBytes: number;
  /** Connections announcing a larger packet other than a PUBLISH are dropped before it is buffered. */
  maxPacketBytes: number;
  metrics: BridgeMetrics;
  log: Logger;
  /**
   * Directory for retained messages, persistent sessions, queued messages and wills (LevelDB through
   * aedes-persistence-level), so they survive a restart; undefined: kept in memory.
   */
  dataDir?: string;
  /** The mapping rules: availability messages are announced as readings (availability-announcer.ts). */
  mapping?: TopicMapping;
  timeZone?: string;
}

type AuthError = Error & { returnCode: number };

function authError(message: string, returnCode: number): AuthError {
  return Object.assign(new Error(message), { returnCode });
}

export class EmbeddedBroker {
  #aedes: Aedes | undefined;
  #accepting = false;
  readonly #listenerOf = new WeakMap<object, ListenerInfo>();
  readonly #principalOf = new WeakMap<Client, Principal>();
  readonly #acksOf = new WeakMap<Client, OrderedAcks>();
  readonly #assignedIds = new WeakSet<Client>();
  /** Clients that sent a zero-length id without clean session, refused in authenticate. */
  readonly #emptyIdKeepsSession = new WeakSet<Client>();
  readonly #willTopicOf = new WeakMap<Client, string>();
  #persistence: { destroy(): Promise<void> } | undefined;
  #announcer: AvailabilityAnnouncer | undefined;
  /** Per connection, the original sizes of the payloads the guard cut, in the order they arrive. */
  readonly #cutSizesOf = new WeakMap<object, number[]>();
  /** Payloads cut on the way in: dead-lettered, never passed on to subscribers or retained. */
  readonly #cutPayloads = new WeakSet<Buffer>();

  constructor(private readonly options: EmbeddedBrokerOptions) {}

  async start(): Promise<void> {
    // aedes 1.x is an ES module; this package compiles to CommonJS, hence the dynamic import.
    const { Aedes } = await import("aedes");
    const hooks: AedesOptions = {
      preConnect: (client, packet, done) => {
        if (!packet.clientId) {
          // [MQTT-3.1.3-6] a zero-length client id gets one from the server: aedes's "aedes_<uuid>"...
          this.#assignedIds.add(client);
          // ...but only with clean session: without, it is refused with CONNACK 2 [MQTT-3.1.3-8].
          if (!packet.clean) this.#emptyIdKeepsSession.add(client);
        }
        if (packet.will) this.#willTopicOf.set(client, packet.will.topic);
        this.#preConnect(done);
      },
      authenticate: (client, username, password, done) =>
        this.#authenticate(client, username, password, done),
      authorizePublish: (client, packet, done) => this.#authorizePublish(client, packet, done),
      authorizeSubscribe: (client, sub, done) => this.#authorizeSubscribe(client, sub, done),
      authorizeForward: (_client, packet) =>
        Buffer.isBuffer(packet.payload) && this.#cutPayloads.has(packet.payload) ? null : packet,
    };
    if (this.options.dataDir !== undefined) {
      await mkdir(this.options.dataDir, { recursive: true });
      const { ClassicLevel } = await import("classic-level");
      const { default: LevelPersistence } = await import("aedes-persistence-level/asyncPersistence.js");
      const db = new ClassicLevel(this.options.dataDir);
      try {
        await db.open();
      } catch (err) {
        // LevelDB takes a lock: the usual cause is a second process on the same data directory.
        const cause = (err as Error & { cause?: Error }).cause?.message ?? (err as Error).message;
        throw new Error(`the MQTT data directory ${this.options.dataDir} cannot be opened: ${cause}`);
      }
      this.#persistence = new LevelPersistence(db);
      hooks.persistence = this.#persistence;
    }
    const aedes = await Aedes.createBroker(hooks);
    if (this.options.mapping)
      this.#announcer = AvailabilityAnnouncer.for(
        this.options.mapping,
        this.options.timeZone ?? "UTC",
        (topic, text) =>
          aedes.publish(
            { cmd: "publish", topic, payload: Buffer.from(text), qos: 1, retain: true, dup: false },
            (err) => {
              if (err) this.options.log.warn({ topic, err: err.message }, "availability not announced");
            },
          ),
      );
    const gauge = () => this.options.metrics.connections.set(aedes.connectedClients);
    aedes.on("client", gauge);
    aedes.on("clientDisconnect", (client) => {
      // Whatever this client still waited for will be sent again on its next connection.
      this.#acksOf.get(client)?.clear();
      gauge();
    });
    aedes.on("clientError", (client, err) =>
      this.options.log.debug({ clientId: client.id, err: err.message }, "client error"),
    );
    aedes.on("connectionError", (_client, err) =>
      this.options.log.debug({ err: err.message }, "connection error"),
    );
    this.#aedes = aedes;
    this.#accepting = true;
  }

  /** Serves one accepted connection; `listener` says where it came in (for the anonymous rule). */
  handle(conn: Duplex, listener: ListenerInfo, req?: IncomingMessage): void {
    if (!this.#aedes || !this.#accepting) {
      conn.destroy();
      return;
    }
    this.#listenerOf.set(conn, listener);
    const cutSizes: number[] = [];
    this.#cutSizesOf.set(conn, cutSizes);
    guardPacketSize(conn, {
      maxPayloadBytes: this.options.maxPayloadBytes,
      maxPacketBytes: this.options.maxPacketBytes,
      onTruncated: (payloadBytes) => cutSizes.push(payloadBytes),
      onTooLarge: (length) => {
        this.options.metrics.authFailures.inc({ reason: "packet_too_large" });
        this.options.log.warn({ listener: listener.name, length }, "connection dropped: packet too large");
      },
    });
    this.#aedes.handle(conn, req);
  }

  /** New publishes are refused (the client is disconnected unacknowledged and will send again). */
  stopAccepting(): void {
    this.#accepting = false;
  }

  get connectedClients(): number {
    return this.#aedes?.connectedClients ?? 0;
  }

  async stop(): Promise<void> {
    this.#accepting = false;
    const aedes = this.#aedes;
    this.#aedes = undefined;
    if (aedes) await new Promise<void>((resolve) => aedes.close(() => resolve()));
    const persistence = this.#persistence;
    this.#persistence = undefined;
    await persistence?.destroy();
  }

  #preConnect(done: (error: Error | null, success: boolean) => void): void {
    if (!this.#accepting) {
      done(new Error("the bridge is stopping"), false);
      return;
    }
    done(null, true);
  }

  #authenticate(
    client: Client,
    username: string | undefined,
    password: Buffer | undefined,
    done: (error: AuthError | null, success: boolean | null) => void,
  ): void {
    if (this.connectedClients >= this.options.maxConnections) {
      this.options.metrics.authFailures.inc({ reason: "connection_limit" });
      // CONNACK 3, server unavailable [MQTT-3.2.2.3]: the client backs off and tries again later.
      done(authError(`connection limit (${this.options.maxConnections}) reached`, 3), false);
      return;
    }
    if (this.#emptyIdKeepsSession.has(client)) {
      this.options.metrics.authFailures.inc({ reason: "identifier_rejected" });
      // [MQTT-3.1.3-8] CONNACK 2, identifier rejected: a session needs a client id to be found again.
      done(authError("a zero-length client id needs clean session", 2), false);
      return;
    }
    const listener = this.#listenerOf.get(client.conn) ?? { name: "unknown", loopback: false };
    this.options.policy.authenticate(username, password, listener).then(
      (outcome) => {
        if (outcome.ok) {
          const willTopic = this.#willTopicOf.get(client);
          if (willTopic !== undefined && !this.#mayPublish(outcome.principal, willTopic)) {
            this.options.metrics.authFailures.inc({ reason: "acl_denied" });
            this.options.log.warn(
              { clientId: client.id, username, topic: willTopic },
              "connection refused: will topic not allowed by ACL",
            );
            // Refused now rather than dropped later, when nobody could be told (MQTT 3.1.1 §3.1.4 lets a
            // server check authorization at CONNECT and answer with a non-zero return code).
            done(authError(`not authorized to publish the will to ${willTopic}`, 5), false);
            return;
          }
          this.#principalOf.set(client, outcome.principal);
          done(null, true);
          return;
        }
        this.options.metrics.authFailures.inc({ reason: outcome.reason });
        this.options.log.warn(
          { clientId: client.id, username, listener: listener.name, reason: outcome.reason },
          "connection refused",
        );
        done(authError(outcome.reason, outcome.returnCode), false);
      },
      (err: Error) => done(authError(err.message, 3), false),
    );
  }

  #authorizeSubscribe(
    client: Client,
    sub: Subscription,
    done: (error: Error | null, subscription?: Subscription | null) => void,
  ): void {
    const principal = this.#principalOf.get(client);
    if (!principal?.acl.allowsFilter(sub.topic)) {
      this.options.metrics.authFailures.inc({ reason: "acl_denied" });
      // [MQTT-3.9.3] a null subscription makes aedes answer SUBACK 0x80 (failure) for it.
      done(null, null);
      return;
    }
    done(null, sub);
  }

  #mayPublish(principal: Principal | undefined, topic: string): boolean {
    return !topic.startsWith("$SYS") && principal?.acl.allowsTopic(topic) === true;
  }

  #authorizePublish(
    client: Client | null,
    packet: PublishPacket,
    done: (error?: Error | null) => void,
  ): void {
    const topic = packet.topic;
    // Packets a client sends are parsed PUBLISH packets; a will is the CONNECT's will (no `cmd`).
    if ((packet as { cmd?: string }).cmd !== "publish") {
      this.#authorizeWill(client, packet, done);
      return;
    }
    if (topic.startsWith("$SYS")) {
      done(new Error("$SYS topics are reserved"));
      return;
    }
    if (client === null) {
      done(new Error("a publish without a client"));
      return;
    }
    const principal = this.#principalOf.get(client);
    if (!principal?.acl.allowsTopic(topic)) {
      this.options.metrics.authFailures.inc({ reason: "acl_denied" });
      this.options.log.warn(
        { clientId: client.id, username: principal?.username, topic },
        "publish refused by ACL",
      );
      // MQTT 3.1.1 has no negative PUBACK: the connection is closed [MQTT-3.3.5-2].
      done(new Error(`not authorized to publish to ${topic}`));
      return;
    }
    if (!this.#accepting) {
      done(new Error("the bridge is stopping"));
      return;
    }
    const msg: InboundMessage = {
      topic,
      payload: Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload),
      qos: packet.qos,
      clientId: client.id,
      clientIdAssigned: this.#assignedIds.has(client),
      receivedAt: Date.now(),
    };
    if (principal.username !== undefined) msg.username = principal.username;
    if (msg.payload.length > this.options.maxPayloadBytes) {
      // Cut by the guard (publishes of one connection reach this hook in the order they arrived).
      msg.payloadBytes = this.#cutSizesOf.get(client.conn)?.shift() ?? msg.payload.length;
      this.#cutPayloads.add(msg.payload);
      packet.retain = false;
    }
    // An availability message is announced once it is accepted.
    const accept = () => {
      done(null);
      this.#announcer?.observe(msg);
    };
    if (packet.qos === 0) {
      const waiting = this.options.ingest.bestEffort(msg);
      if (waiting) waiting.then(accept);
      else accept();
      return;
    }
    let acks = this.#acksOf.get(client);
    if (!acks) {
      acks = new OrderedAcks();
      this.#acksOf.set(client, acks);
    }
    const release = acks.reserve();
    this.options.ingest.reliable(msg).then(
      (delivered) =>
        release(() =>
          delivered ? accept() : done(new Error("not acknowledged by Kafka before the bridge stopped")),
        ),
      (err: Error) => release(() => done(err)),
    );
  }

  /**
   * A will, when its client's connection ends without DISCONNECT (keepalive expiry, socket drop, takeover)
   * [MQTT-3.1.2-8], or from aedes's sweep of wills a previous run left (client null or a new
   * connection with that id: its will topic was allowed at its CONNECT). Allowed as a publish by that
   * client would be, handed to Kafka (not waited for: no device waits for a will's acknowledgement),
   * then published to subscribers with the will's QoS and retain flag.
   */
  #authorizeWill(client: Client | null, packet: PublishPacket, done: (error?: Error | null) => void): void {
    const topic = packet.topic;
    const principal = client ? this.#principalOf.get(client) : undefined;
    if (client && !this.#mayPublish(principal, topic)) {
      this.options.metrics.authFailures.inc({ reason: "acl_denied" });
      this.options.log.warn(
        { clientId: client.id, username: principal?.username, topic },
        "will refused by ACL",
      );
      done(new Error(`not authorized to publish the will to ${topic}`));
      return;
    }
    if (!this.#accepting) {
      // The bridge is stopping: its clients did not fail, they will connect again.
      done(new Error("the bridge is stopping"));
      return;
    }
    const swept = packet as { clientId?: string };
    const clientId = client?.id ?? swept.clientId;
    const msg: InboundMessage = {
      topic,
      payload: Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload),
      qos: packet.qos,
      clientId,
      clientIdAssigned: client ? this.#assignedIds.has(client) : false,
      receivedAt: Date.now(),
    };
    if (clientId === undefined) delete msg.clientId;
    if (principal?.username !== undefined) msg.username = principal.username;
    if (msg.qos === 0) this.options.ingest.bestEffort(msg);
    else
      this.options.ingest.reliable(msg).then(
        (delivered) => {
          if (!delivered)
            this.options.log.warn({ topic }, "a will did not reach Kafka before the bridge stopped");
        },
        (err: Error) => this.options.log.warn({ topic, err: err.message }, "a will did not reach Kafka"),
      );
    done(null);
    this.#announcer?.observe(msg);
  }
}
