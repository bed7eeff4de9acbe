// The bridge configuration: one zod schema, validated once at start. Sources (file, environment,
// flags) are merged by config-load.ts; this file says what a valid configuration is.

import { PAYLOAD_FORMATS } from "@homestream/core/payload-adapters";
import { assertTimeZone } from "@homestream/core/time";
import { compileMapping, DEFAULT_RULE } from "@homestream/core/topic-mapping";
import { z } from "zod";
import { isLoopbackHost } from "./access-policy.js";
import { LOG_LEVELS } from "./logger.js";

const port = z
  .number({ error: (iss) => `must be a port number, got ${JSON.stringify(iss.input)}` })
  .int("must be a whole number")
  .min(0, "must be between 0 and 65535 (0: any free port)")
  .max(65535, "must be between 0 and 65535 (0: any free port)");
const host = z.string().min(1, "must not be empty");
const count = (min: number) =>
  z
    .number({ error: (iss) => `must be a number, got ${JSON.stringify(iss.input)}` })
    .int("must be a whole number")
    .min(min);
const path = z.string().min(1, "must be a file path");
// Kafka's rule for topic names (legal characters, at most 249).
const kafkaTopic = z
  .string()
  .regex(
    /^[a-zA-Z0-9._-]{1,249}$/,
    "must be 1-249 letters, digits, '.', '_' or '-' (Kafka's topic name rule)",
  );

const tlsListener = z
  .object({
    host: host.optional(),
    port: port.default(8883),
    key: path,
    cert: path,
    /** CA for client certificates; with it, clients must present one. */
    ca: path.optional(),
  })
  .strict();

const wsListener = z
  .object({
    host: host.optional(),
    port: port.default(8080),
    path: z.string().startsWith("/", "must start with /").default("/mqtt"),
  })
  .strict();

const mqtt = z
  .object({
    /** Run the embedded broker; default: yes, unless an external broker is configured. */
    enabled: z.boolean().optional(),
    host: host.default("127.0.0.1"),
    port: port.default(1883),
    tls: tlsListener.optional(),
    websocket: wsListener.optional(),
    /** Users file (hashed passwords and topic prefixes); see users.ts. */
    users: path.optional(),
    /** Accept clients without username on listeners beyond loopback (loopback ones always may). */
    allowAnonymous: z.boolean().default(false),
    maxConnections: count(1).default(10_000),
    /**
     * Keep retained messages, persistent sessions (subscriptions, queued messages) and wills in this
     * directory, so they survive a restart; default: in memory. `homestream start` sets <data-dir>/mqtt.
     */
    dataDir: path.optional(),
    /** Larger payloads are dead-lettered unparsed (their first bytes kept). */
    maxPayloadBytes: count(1)
      .max(16 * 1024 * 1024)
      .default(256 * 1024),
  })
  .strict();

const external = z
  .object({
    /** mqtt://, mqtts://, ws:// or wss:// URL of the broker to subscribe to. */
    url: z.url({
      protocol: /^(mqtts?|wss?|tcp|ssl)$/,
      error: "must be an mqtt://, mqtts://, ws:// or wss:// URL",
    }),
    /** Filters to subscribe to; default: every rule's pattern as a filter. */
    topics: z.array(z.string().min(1)).min(1).optional(),
    /** Subscribe as `$share/<group>/<filter>` so bridge instances split the messages. */
    shareGroup: z
      .string()
      .regex(/^[^/+#]+$/, "must not contain /, + or #")
      .optional(),
    /** Fixed id: the broker keeps the session (and unacknowledged messages) across reconnects. */
    clientId: z.string().min(1).default("homestream-bridge"),
    username: z.string().optional(),
    password: z.string().optional(),
    protocolVersion: z.union([z.literal(4), z.literal(5)]).default(5),
    /** MQTT 5: unacknowledged messages the broker may send at once (Receive Maximum). */
    receiveMaximum: count(1).max(65535).default(1000),
    /** Session kept by the broker after a disconnect (MQTT 5), seconds. */
    sessionExpirySeconds: count(0).default(3600),
    ca: path.optional(),
    rejectUnauthorized: z.boolean().default(true),
  })
  .strict();

const kafka = z
  .object({
    /** host:port list; none: the bridge only brokers MQTT and forwards nothing. */
    brokers: z
      .array(
        z.string().regex(/^[^\s:]+:\d{1,5}$|^\[[0-9a-fA-F:]+\]:\d{1,5}$/, "each broker must be host:port"),
      )
      .default([]),
    topic: kafkaTopic.default("home_sensors"),
    /** Default `<topic>.dlq`. */
    dlqTopic: kafkaTopic.optional(),
    clientId: z.string().min(1).default("homestream-bridge"),
    /** Producers records are spread over by key: overlaps produce round trips (see kafka-sink.ts). */
    producers: count(1).max(16).default(1),
    /**
     * Validation, records and the producer in a worker thread of their own, so the MQTT broker and the
     * Kafka side each get a core: for rates beyond what one thread carries (README, Bridge throughput).
     * Off by default: a second V8 isolate costs more memory than a home's message rate needs.
     */
    worker: z.boolean().default(false),
    /** How often /healthz asks Kafka whether it answers, ms. */
    probeIntervalMs: count(100).default(5000),
    /** Passed to the Kafka layer's producer (lingerMs, batchSize, maxBufferedRecords, ...), validated there. */
    producer: z.record(z.string(), z.unknown()).default({}),
    /** Passed to the Kafka layer's connection (ssl, sasl, timeouts), validated there. */
    connection: z.record(z.string(), z.unknown()).default({}),
  })
  .strict();

const rule = z
  .object({
    match: z.string().min(1, "must be a topic pattern such as home/+room/+sensor_type"),
    topic: z.string().min(1).optional(),
    key: z.string().optional(),
    payload: z.enum(PAYLOAD_FORMATS).optional(),
    room: z.string().min(1).optional(),
    sensor_type: z.string().min(1).optional(),
    device_id: z.string().min(1).optional(),
    /** A reading object's room/sensor_type may differ from the rule's (default: dead-lettered). */
    trust_payload: z.boolean().optional(),
  })
  .strict();

export const bridgeConfigSchema = z
  .object({
    mqtt: mqtt.prefault({}),
    external: external.optional(),
    kafka: kafka.prefault({}),
    /** Mapping rules, first match wins. */
    rules: z.array(rule).min(1).default([DEFAULT_RULE]),
    /**
     * A topic no rule matches (a light command, an availability message without a rule, a flow's own
     * traffic): the broker routes it to subscribers either way. `ignore`: not Kafka's business, counted
     * in homestream_bridge_not_forwarded_total and logged at debug (`homestream start`'s default: its
     * broker is the house's broker). `dead-letter`: a dead letter and a warning, for a bridge that is a
     * pure ingest funnel where every message should be a reading (`homestream bridge`'s default).
     */
    unmatched: z.enum(["dead-letter", "ignore"]).default("dead-letter"),
    /** IANA zone for naive ISO timestamps. */
    timeZone: z.string().default("UTC"),
    /** QoS 0 records in flight at most; beyond, QoS 0 messages are dropped (counted). */
    qos0Buffer: count(1).default(10_000),
    /**
     * With the QoS 0 buffer full, how long a message may wait for room (holding its sender's connection,
     * so TCP slows the sender down) before it is dropped, ms. Keep it well under the devices' keepalive.
     */
    qos0WaitMs: count(0).default(5000),
    metrics: z
      .object({ port: port.optional(), host: host.default("127.0.0.1") })
      .strict()
      .prefault({}),
    logLevel: z.enum(LOG_LEVELS).default("info"),
    /** On stop: how long to wait for Kafka to acknowledge what devices are waiting for. */
    shutdownTimeoutMs: count(0).default(10_000),
  })
  .strict()
  .superRefine((c, ctx) => {
    try {
      compileMapping(c.rules, c.kafka.topic);
    } catch (err) {
      // The message names the rule and field: "rules[1].key: ...".
      ctx.addIssue({ code: "custom", path: [], message: (err as Error).message });
    }
    try {
      assertTimeZone(c.timeZone);
    } catch (err) {
      ctx.addIssue({ code: "custom", path: ["timeZone"], message: (err as Error).message });
    }
    const listening = c.mqtt.enabled ?? c.external === undefined;
    if (listening && c.mqtt.users === undefined && !c.mqtt.allowAnonymous) {
      // Without users every client beyond loopback would be refused: a bridge that starts and then
      // serves no device is worse than one that says why it will not start.
      const open = [
        ["mqtt", "host", c.mqtt.host],
        ...(c.mqtt.tls ? [["mqtt", "tls", "host", c.mqtt.tls.host ?? c.mqtt.host]] : []),
        ...(c.mqtt.websocket ? [["mqtt", "websocket", "host", c.mqtt.websocket.host ?? c.mqtt.host]] : []),
      ].find((p) => !isLoopbackHost(p.at(-1) as string));
      if (open)
        ctx.addIssue({
          code: "custom",
          path: open.slice(0, -1),
          message:
            `${open.at(-1)} is reachable from other machines and there is no users file, so every client ` +
            "there would be refused: give one (--users FILE; add users with `homestream bridge add-user`), " +
            "or accept clients without a username with --allow-anonymous",
        });
    }
    if (c.mqtt.enabled === false && c.external === undefined)
      ctx.addIssue({
        code: "custom",
        path: ["mqtt", "enabled"],
        message: "is false and no external broker is configured: there is nothing to read from",
      });
  })
  .transform((c) => ({
    ...c,
    mqtt: { ...c.mqtt, enabled: c.mqtt.enabled ?? c.external === undefined },
    kafka: { ...c.kafka, dlqTopic: c.kafka.dlqTopic ?? `${c.kafka.topic}.dlq` },
  }));

export type BridgeConfigInput = z.input<typeof bridgeConfigSchema>;
export type BridgeConfig = z.output<typeof bridgeConfigSchema>;
