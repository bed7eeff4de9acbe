// The embedded MQTT broker (aedes 1.x, MQTT 3.1.1). The Kafka send happens in `authorizePublish`,
// because aedes writes PUBACK (QoS 1) / PUBREC (QoS 2) only after that hook calls back: so a device is
// acknowledged only once Kafka has acknowledged its records. aedes handles all packets of one socket
// read concurrently and reads on only when they are done, which bounds what each connection can have
// waiting for Kafka; the Kafka producer batches across all connections.
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import type { Aedes, AedesOptions, Client, PublishPacket, Subscription } from "aedes" with {
  "resolution-mode": "import",
};
import type { AccessPolicy, ListenerInfo } from "./access-policy.js";
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
  /** Connections announcing a larger packet are dropped before it is buffered. */
  maxPacketBytes: number;
  metrics: BridgeMetrics;
  log: Logger;
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

  constructor(private readonly options: EmbeddedBrokerOptions) {}

  async start(): Promise<void> {
    // aedes 1.x is an ES module; this package compiles to CommonJS, hence the dynamic import.
    const { Aedes } = await import("aedes");
    const hooks: AedesOptions = {
      preConnect: (client, packet, done) => {
        // [MQTT-3.1.3-6] a zero-length client id gets one from the server: aedes's "aedes_<uuid>".
        if (!packet.clientId) this.#assignedIds.add(client);
        this.#preConnect(done);
      },
      authenticate: (client, username, password, done) =>
        this.#authenticate(client, username, password, done),
      authorizePublish: (client, packet, done) => this.#authorizePublish(client, packet, done),
      authorizeSubscribe: (client, sub, done) => this.#authorizeSubscribe(client, sub, done),
    };
    const aedes = await Aedes.createBroker(hooks);
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
    guardPacketSize(conn, this.options.maxPacketBytes, (length) => {
      this.options.metrics.authFailures.inc({ reason: "packet_too_large" });
      this.options.log.warn({ listener: listener.name, length }, "connection dropped: packet too large");
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
    const listener = this.#listenerOf.get(client.conn) ?? { name: "unknown", loopback: false };
    this.options.policy.authenticate(username, password, listener).then(
      (outcome) => {
        if (outcome.ok) {
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

  #authorizePublish(
    client: Client | null,
    packet: PublishPacket,
    done: (error?: Error | null) => void,
  ): void {
    const topic = packet.topic;
    if (topic.startsWith("$SYS")) {
      done(new Error("$SYS topics are reserved"));
      return;
    }
    // a will of a client gone before a restart: nothing to forward
    if (client === null) {
      done(null);
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
    if (packet.qos === 0) {
      const waiting = this.options.ingest.bestEffort(msg);
      if (waiting) waiting.then(() => done(null));
      else done(null);
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
          done(delivered ? null : new Error("not acknowledged by Kafka before the bridge stopped")),
        ),
      (err: Error) => release(() => done(err)),
    );
  }
}
