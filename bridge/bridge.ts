// The bridge's composition root: builds the parts from a validated configuration in start(), in
// dependency order, and takes them down in reverse in stop(). Constructors elsewhere only assign.
import { compileMapping } from "../core/topic-mapping.js";
import { AccessPolicy } from "./access-policy.js";
import type { BridgeConfig } from "./config.js";
import { Delivery } from "./delivery.js";
import { EmbeddedBroker } from "./embedded-broker.js";
import { ExternalSubscriber } from "./external-subscriber.js";
import { Ingest } from "./ingest.js";
import { KafkaSink } from "./kafka-sink.js";
import { type MqttListener, TcpListener, TlsListener, WebSocketListener } from "./listeners.js";
import { createLogger, type Logger } from "./logger.js";
import { BridgeMetrics } from "./metrics.js";
import { type Health, MetricsServer } from "./metrics-server.js";
import type { RecordSink } from "./record-sink.js";
import { RejectionLog } from "./rejection-log.js";
import { loadUsers, type UserDirectory } from "./users.js";

export interface BridgeDeps {
  /** Where records go; default: Kafka at config.kafka.brokers (none configured: nowhere). */
  sink?: RecordSink;
  logger?: Logger;
  /** Add Node's process metrics to /metrics (once per process); default true. */
  processMetrics?: boolean;
}

export interface BridgeAddresses {
  mqtt?: { host: string; port: number };
  tls?: { host: string; port: number };
  ws?: { host: string; port: number };
  metrics?: { host: string; port: number };
}

export class Bridge {
  readonly metrics = new BridgeMetrics();
  #log: Logger | undefined;
  #sink: RecordSink | undefined;
  #delivery: Delivery | undefined;
  #broker: EmbeddedBroker | undefined;
  #listeners: MqttListener[] = [];
  #external: ExternalSubscriber | undefined;
  #http: MetricsServer | undefined;
  #state: "new" | "starting" | "running" | "stopping" | "stopped" = "new";
  #stopped: Promise<void> | undefined;

  constructor(
    readonly config: BridgeConfig,
    private readonly deps: BridgeDeps = {},
  ) {}

  get log(): Logger {
    this.#log ??= this.deps.logger ?? createLogger(this.config.logLevel);
    return this.#log;
  }

  async start(): Promise<void> {
    if (this.#state !== "new") throw new Error(`the bridge cannot start: it is ${this.#state}`);
    this.#state = "starting";
    try {
      await this.#start();
      this.#state = "running";
    } catch (err) {
      await this.stop();
      throw err;
    }
  }

  async #start(): Promise<void> {
    const c = this.config;
    const log = this.log;
    if (this.deps.processMetrics !== false) this.metrics.collectProcessMetrics();

    this.#sink =
      this.deps.sink ??
      (c.kafka.brokers.length > 0
        ? new KafkaSink(
            {
              brokers: c.kafka.brokers,
              clientId: c.kafka.clientId,
              topics: [c.kafka.topic, c.kafka.dlqTopic],
              producer: c.kafka.producer,
              connection: c.kafka.connection,
              probeIntervalMs: c.kafka.probeIntervalMs,
              producers: c.kafka.producers,
            },
            log,
          )
        : undefined);
    const sink = this.#sink;
    // Without Kafka is a choice (homestream start's default), not a fault: info, not a warning.
    if (sink) await sink.start();
    else log.info("no Kafka brokers configured: readings are validated and counted, not forwarded");
    this.metrics.watchSink(() => sink?.stats?.());

    this.#delivery = this.#sink
      ? new Delivery(this.#sink, this.metrics, log, {
          qos0Capacity: c.qos0Buffer,
          retryBaseMs: 100,
          retryMaxMs: 5000,
        })
      : undefined;
    const ingest = new Ingest(
      {
        mapping: compileMapping(c.rules, c.kafka.topic),
        dlqTopic: c.kafka.dlqTopic,
        maxPayloadBytes: c.mqtt.maxPayloadBytes,
        unmatched: c.unmatched,
        timeZone: c.timeZone,
      },
      this.#delivery,
      new RejectionLog(log, this.metrics, { linesPerInterval: 10, intervalMs: 10_000 }),
      this.metrics,
      c.qos0WaitMs,
    );

    if (c.metrics.port !== undefined) {
      this.#http = new MetricsServer(c.metrics.host, c.metrics.port, this.metrics, () => this.health());
      await this.#http.start();
    }

    if (c.mqtt.enabled) {
      let users: UserDirectory | undefined;
      if (c.mqtt.users) users = await loadUsers(c.mqtt.users);
      const broker = new EmbeddedBroker({
        policy: new AccessPolicy(users, c.mqtt.allowAnonymous),
        ingest,
        maxConnections: c.mqtt.maxConnections,
        // Somewhat larger payloads are still read, to be dead-lettered (truncated); far larger ones end
        // the connection before they are buffered.
        maxPacketBytes: c.mqtt.maxPayloadBytes * 4 + 65_536,
        metrics: this.metrics,
        log,
      });
      this.#broker = broker;
      await broker.start();
      const onConnection = broker.handle.bind(broker);
      // Sockets beyond the limit are refused by the OS-level server, before any MQTT is parsed.
      const sockets = c.mqtt.maxConnections + 16;
      this.#listeners.push(new TcpListener(c.mqtt.host, c.mqtt.port, onConnection, sockets));
      if (c.mqtt.tls)
        this.#listeners.push(
          new TlsListener(c.mqtt.tls.host ?? c.mqtt.host, c.mqtt.tls.port, c.mqtt.tls, onConnection, sockets),
        );
      if (c.mqtt.websocket)
        this.#listeners.push(
          new WebSocketListener(
            c.mqtt.websocket.host ?? c.mqtt.host,
            c.mqtt.websocket.port,
            c.mqtt.websocket.path,
            onConnection,
            sockets,
          ),
        );
      for (const l of this.#listeners) {
        await l.start();
        const a = l.address();
        log.info(
          {
            listener: l.info.name,
            host: a.host,
            port: a.port,
            anonymous: l.info.loopback || c.mqtt.allowAnonymous,
          },
          "MQTT listener up",
        );
      }
    }

    if (c.external) {
      const e = c.external;
      const topics = e.topics ?? [
        ...new Set(compileMapping(c.rules, c.kafka.topic).rules.map((r) => r.pattern.filter)),
      ];
      this.#external = new ExternalSubscriber({
        url: e.url,
        topics,
        shareGroup: e.shareGroup,
        clientId: e.clientId,
        username: e.username,
        password: e.password,
        protocolVersion: e.protocolVersion,
        receiveMaximum: e.receiveMaximum,
        sessionExpirySeconds: e.sessionExpirySeconds,
        ca: e.ca,
        rejectUnauthorized: e.rejectUnauthorized,
        ingest,
        log,
      });
      await this.#external.start();
      log.info({ url: e.url, filters: this.#external.filters }, "subscribed to external broker");
    }
  }

  /**
   * Stops accepting, waits (up to shutdownTimeoutMs) for Kafka to acknowledge what devices are waiting
   * for, acknowledges them, then closes connections and flushes the producer. Messages still
   * unacknowledged then are sent again by their devices (or the external broker) later.
   */
  stop(): Promise<void> {
    this.#stopped ??= this.#stop();
    return this.#stopped;
  }

  async #stop(): Promise<void> {
    this.#state = "stopping";
    const log = this.log;
    const closing = this.#listeners.map((l) => l.stop());
    this.#broker?.stopAccepting();
    this.#external?.stopAccepting();
    const timeout = this.config.shutdownTimeoutMs;
    if (this.#delivery && !(await this.#delivery.drain(timeout)))
      log.warn(
        { pending: this.#delivery.pending },
        "stopping with messages Kafka has not acknowledged: devices will send them again",
      );
    this.#delivery?.abandon();
    // Let the acknowledgements just released reach the sockets before the connections close.
    await new Promise((resolve) => setTimeout(resolve, 20));
    await this.#broker?.stop();
    await this.#external?.stop();
    await Promise.all(closing);
    await this.#sink?.close(timeout);
    await this.#http?.stop();
    this.#state = "stopped";
    log.info("bridge stopped");
  }

  health(): Health {
    const kafka = this.#sink ? this.#sink.reachable() : undefined;
    const up = kafka !== false && this.#state === "running";
    this.metrics.kafkaUp.set(kafka ? 1 : 0);
    return {
      ok: up,
      detail: {
        state: this.#state,
        kafka: kafka === undefined ? "not configured" : kafka ? "reachable" : "unreachable",
        mqttConnections: this.#broker?.connectedClients ?? 0,
      },
    };
  }

  addresses(): BridgeAddresses {
    const out: BridgeAddresses = {};
    for (const l of this.#listeners) {
      const name = l.info.name as "tcp" | "tls" | "ws";
      out[name === "tcp" ? "mqtt" : name] = l.address();
    }
    if (this.#http) out.metrics = this.#http.address();
    return out;
  }
}
