// The bridge's composition root: builds the parts from a validated configuration in start(), in
// dependency order, and takes them down in reverse in stop(). Constructors elsewhere only assign.

import { compileMapping } from "@homestream/core/topic-mapping";
import type { Registry } from "prom-client";
import { AccessPolicy } from "./access-policy.js";
import type { BridgeConfig } from "./config.js";
import { EmbeddedBroker } from "./embedded-broker.js";
import { ExternalSubscriber } from "./external-subscriber.js";
import type { IngestPort } from "./ingest.js";
import { IngestThread } from "./ingest-thread.js";
import { checkKafkaSettings, configuredSink, type KafkaSide, startKafkaSide } from "./kafka-side.js";
import { type MqttListener, TcpListener, TlsListener, WebSocketListener } from "./listeners.js";
import { createLogger, type Logger } from "./logger.js";
import { BridgeMetrics, type BridgeSummary } from "./metrics.js";
import { type Health, MetricsServer } from "./metrics-server.js";
import type { RecordSink } from "./record-sink.js";
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
  /** This thread's metrics; with an ingest worker, /metrics and summary() add the worker's. */
  readonly metrics = new BridgeMetrics();
  #log: Logger | undefined;
  /** The Kafka side in this thread (a sink of the caller's, or no Kafka, or kafka.worker off)... */
  #side: KafkaSide | undefined;
  /** ...or in a worker thread. */
  #thread: IngestThread | undefined;
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

    let ingest: IngestPort;
    if (!this.deps.sink && c.kafka.brokers.length > 0 && c.kafka.worker) {
      checkKafkaSettings(c); // here, so a bad setting is the Kafka layer's error, not the worker's message
      this.#thread = new IngestThread({ config: c, metrics: this.metrics, log });
      await this.#thread.start();
      ingest = this.#thread;
    } else {
      this.#side = await startKafkaSide(c, this.deps.sink ?? configuredSink(c, log), this.metrics, log);
      ingest = this.#side.ingest;
    }

    if (c.metrics.port !== undefined) {
      this.#http = new MetricsServer(
        c.metrics.host,
        c.metrics.port,
        () => this.metricsRegistry(),
        () => this.health(),
      );
      await this.#http.start();
    }

    if (c.mqtt.enabled) {
      let users: UserDirectory | undefined;
      if (c.mqtt.users) users = await loadUsers(c.mqtt.users);
      const broker = new EmbeddedBroker({
        policy: new AccessPolicy(users, c.mqtt.allowAnonymous),
        ingest,
        maxConnections: c.mqtt.maxConnections,
        maxPayloadBytes: c.mqtt.maxPayloadBytes,
        // Room for a CONNECT's or SUBSCRIBE's fields; a PUBLISH is cut to the payload limit instead.
        maxPacketBytes: c.mqtt.maxPayloadBytes * 4 + 65_536,
        metrics: this.metrics,
        log,
        dataDir: c.mqtt.dataDir,
        mapping: compileMapping(c.rules, c.kafka.topic),
        timeZone: c.timeZone,
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
    const delivery = this.#side?.delivery;
    const drained = this.#thread
      ? await this.#thread.drain(timeout)
      : delivery
        ? { settled: await delivery.drain(timeout), pending: delivery.pending }
        : { settled: true, pending: 0 };
    if (!drained.settled)
      log.warn(
        { pending: drained.pending },
        "stopping with messages Kafka has not acknowledged: devices will send them again",
      );
    await this.#thread?.abandon();
    delivery?.abandon();
    // Let the acknowledgements just released reach the sockets before the connections close.
    await new Promise((resolve) => setTimeout(resolve, 20));
    await this.#broker?.stop();
    await this.#external?.stop();
    await Promise.all(closing);
    await this.#thread?.close(timeout);
    await this.#side?.sink?.close(timeout);
    await this.#http?.stop();
    this.#state = "stopped";
    log.info("bridge stopped");
  }

  health(): Health {
    const sink: Pick<RecordSink, "reachable"> | undefined = this.#thread ?? this.#side?.sink;
    const kafka = sink ? sink.reachable() : undefined;
    const up = kafka !== false && this.#state === "running";
    return {
      ok: up,
      detail: {
        state: this.#state,
        kafka: kafka === undefined ? "not configured" : kafka ? "reachable" : "unreachable",
        mqttConnections: this.#broker?.connectedClients ?? 0,
      },
    };
  }

  /** All metrics, this thread's and the ingest worker's, as /metrics shows them. */
  async metricsRegistry(): Promise<Registry> {
    return this.metrics.merged(this.#thread ? [await this.#thread.metrics()] : []);
  }

  /** Totals for a closing line (also after stop()). */
  async summary(): Promise<BridgeSummary> {
    return BridgeMetrics.summaryOf(await this.metricsRegistry());
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
