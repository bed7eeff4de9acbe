// One MQTT message -> the Kafka records it becomes: a reading record per valid reading, and one
// dead-letter record (original bytes, topic, reason) when anything in it was rejected. Pure.
import { adaptPayload, type Rejection } from "@homestream/core/payload-adapters";
import { toIso } from "@homestream/core/time";
import {
  readingDefaults,
  recordAddress,
  sourceVars,
  type TopicMapping,
  type TopicMatch,
} from "@homestream/core/topic-mapping";
import type { TopicVars } from "@homestream/core/topic-pattern";
import {
  HEADER_MQTT_CLIENT_ID,
  HEADER_MQTT_QOS,
  HEADER_MQTT_TOPIC,
  HEADER_MQTT_USERNAME,
  HEADER_ORIGINAL_SIZE,
  HEADER_RECEIVED_AT,
  HEADER_REJECT_DETAIL,
  HEADER_REJECT_REASON,
} from "./headers.js";
import type { OutRecord } from "./record-sink.js";

export interface InboundMessage {
  topic: string;
  payload: Buffer;
  qos: 0 | 1 | 2;
  /** Publishing client (embedded broker only). */
  clientId?: string;
  /** The broker made the client id up (the client sent none): it names no device. */
  clientIdAssigned?: boolean;
  /** The user the embedded broker authenticated (none: anonymous, or an external broker's message). */
  username?: string;
  /** The payload's size on the wire when `payload` holds only its first bytes (cut on the way in). */
  payloadBytes?: number;
  /** Receive time, epoch ms. */
  receivedAt: number;
}

export interface PlanOptions {
  mapping: TopicMapping;
  dlqTopic: string;
  /** Larger payloads are rejected without being parsed; their dead letter keeps this many bytes. */
  maxPayloadBytes: number;
  /** What to do with a topic no rule matches. */
  unmatched: "dead-letter" | "ignore";
  timeZone: string;
}

export interface Plan {
  records: OutRecord[];
  /** How many of `records` are readings (the rest is at most one dead letter). */
  readings: number;
  rejections: Rejection[];
  /** Set when the message is not for Kafka (and no rejection): why, for the metric. */
  notForwarded?: NotForwardedReason;
}

/** Why a message is routed to MQTT subscribers only: a small fixed set, so it can label a metric. */
export const NOT_FORWARDED_REASONS = ["unmatched_topic"] as const;
export type NotForwardedReason = (typeof NOT_FORWARDED_REASONS)[number];

// Messages arrive by the thousand per millisecond under load: format each millisecond once.
let lastMs = Number.NaN;
let lastIso = "";
function receivedIso(ms: number): string {
  if (ms !== lastMs) {
    lastMs = ms;
    lastIso = toIso(ms);
  }
  return lastIso;
}

function provenance(msg: InboundMessage): Record<string, string> {
  const headers: Record<string, string> = {
    [HEADER_MQTT_TOPIC]: msg.topic,
    [HEADER_MQTT_QOS]: msg.qos === 1 ? "1" : String(msg.qos),
    [HEADER_RECEIVED_AT]: receivedIso(msg.receivedAt),
  };
  if (msg.clientId !== undefined) headers[HEADER_MQTT_CLIENT_ID] = msg.clientId;
  if (msg.username !== undefined) headers[HEADER_MQTT_USERNAME] = msg.username;
  return headers;
}

function deadLetter(
  msg: InboundMessage,
  rejections: Rejection[],
  key: string | null,
  opts: PlanOptions,
): OutRecord {
  const headers: Record<string, string | Buffer> = provenance(msg);
  // Several rejections (a sensor object with two bad fields) share one dead letter; the first names it.
  headers[HEADER_REJECT_REASON] = (rejections[0] as Rejection).reason;
  headers[HEADER_REJECT_DETAIL] = rejections.map((r) => r.detail).join("; ");
  let value = msg.payload;
  if (value.length > opts.maxPayloadBytes) {
    headers[HEADER_ORIGINAL_SIZE] = String(msg.payloadBytes ?? value.length);
    value = value.subarray(0, opts.maxPayloadBytes);
  }
  return { topic: opts.dlqTopic, key, value, headers };
}

/** What a topic (and publishing client) resolves to, the same for every message on it. */
interface TopicPlan {
  m: TopicMatch;
  vars: TopicVars;
  defaults: ReturnType<typeof readingDefaults>;
}

/** Topics remembered per planner; beyond, the memory starts over (a flood of one-off topics). */
const TOPIC_MEMORY = 10_000;

/**
 * Plans the records of messages under one set of options. A topic's rule, placeholders and reading
 * defaults are worked out once and remembered: devices publish on the same few topics all day.
 */
export class RecordPlanner {
  /** topic -> client id ("" when it names no device) -> its plan, or null when no rule matches. */
  readonly #topics = new Map<string, Map<string, TopicPlan | null>>();
  #size = 0;

  constructor(readonly options: PlanOptions) {}

  #topicPlan(msg: InboundMessage): TopicPlan | null {
    const clientId = msg.clientIdAssigned ? undefined : msg.clientId;
    let byClient = this.#topics.get(msg.topic);
    const known = byClient?.get(clientId ?? "");
    if (known !== undefined) return known;
    const m = this.options.mapping.match(msg.topic);
    let plan: TopicPlan | null = null;
    if (m) {
      const vars = sourceVars(m, { topic: msg.topic, clientId });
      plan = { m, vars, defaults: readingDefaults(m, vars) };
    }
    if (this.#size >= TOPIC_MEMORY) {
      this.#topics.clear();
      this.#size = 0;
      byClient = undefined;
    }
    if (!byClient) {
      byClient = new Map();
      this.#topics.set(msg.topic, byClient);
    }
    byClient.set(clientId ?? "", plan);
    this.#size++;
    return plan;
  }

  /** Plans the records for one message. Never throws on bad input. */
  plan(msg: InboundMessage): Plan {
    const opts = this.options;
    const fail = (rejection: Rejection, key: string | null = null): Plan => ({
      records: [deadLetter(msg, [rejection], key, opts)],
      readings: 0,
      rejections: [rejection],
    });
    const tp = this.#topicPlan(msg);
    if (!tp) {
      // Ordinary MQTT traffic where the broker is the house's broker; a dead letter in an ingest funnel.
      if (opts.unmatched === "ignore")
        return { records: [], readings: 0, rejections: [], notForwarded: "unmatched_topic" };
      return fail({ reason: "unmatched_topic", detail: `no mapping rule matches topic "${msg.topic}"` });
    }
    const { m, vars, defaults } = tp;
    const roomKey = m.vars.room ?? null;
    if (msg.payload.length > opts.maxPayloadBytes) {
      return fail(
        {
          reason: "payload_too_large",
          detail: `the payload has ${msg.payloadBytes ?? msg.payload.length} bytes, more than the ${opts.maxPayloadBytes} allowed`,
        },
        roomKey,
      );
    }
    if (!defaults.ok) return fail({ reason: "template_error", detail: defaults.detail }, roomKey);
    const adapted = adaptPayload(msg.payload, m.rule.payload, {
      ...defaults.value,
      trustPayload: m.rule.trustPayload,
      receivedAt: msg.receivedAt,
      timeZone: opts.timeZone,
    });
    const records: OutRecord[] = [];
    const rejections = adapted.rejections;
    const headers = provenance(msg);
    for (const timed of adapted.readings) {
      const address = recordAddress(m, vars, timed.reading);
      if (!address.ok) {
        rejections.push({ reason: "template_error", detail: address.detail });
        continue;
      }
      records.push({
        topic: address.value.topic,
        key: address.value.key,
        value: JSON.stringify(timed.reading),
        headers,
      });
    }
    const readings = records.length;
    if (rejections.length > 0) records.push(deadLetter(msg, rejections, roomKey, opts));
    return { records, readings, rejections };
  }
}

/** Plans the records for one message. Never throws on bad input. (RecordPlanner#plan, unremembered.) */
export function planRecords(msg: InboundMessage, opts: PlanOptions): Plan {
  return new RecordPlanner(opts).plan(msg);
}
