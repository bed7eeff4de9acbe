// Topic mapping: MQTT topic -> the rule that reads it (first match wins) -> Kafka topic, key and the
// readings' defaults. Pure; the bridge compiles the rules once at start.
import type { PayloadFormat } from "./payload-adapters.js";
import type { Reading } from "./reading.js";
import {
  compileTemplate,
  compileTopicPattern,
  type Template,
  type TopicPattern,
  type TopicVars,
} from "./topic-pattern.js";

/** A rule as written in configuration; every string but `match` is a `{name}` template. */
export interface MappingRuleSpec {
  /** Topic pattern with named placeholders, e.g. `home/+room/+sensor_type`. */
  match: string;
  /** Kafka topic; default: the bridge's topic. */
  topic?: string;
  /** Kafka record key; default `{room}` (design: all sensors of a room share a partition). */
  key?: string;
  payload?: PayloadFormat;
  /** Reading fields for payloads that do not carry them; default: the placeholder of that name. */
  room?: string;
  sensor_type?: string;
  device_id?: string;
  /**
   * Let a reading object's own `room` and `sensor_type` differ from the rule's (default false: such a
   * payload is dead-lettered as room_mismatch / sensor_type_mismatch). Only for sources that are trusted
   * to speak for any room, e.g. a gateway publishing readings of many rooms on one topic.
   */
  trust_payload?: boolean;
}

/** The design's default: `home/<room>/<sensor_type>` into the bridge's topic, keyed by room. */
export const DEFAULT_RULE: MappingRuleSpec = { match: "home/+room/+sensor_type" };
export const DEFAULT_KEY = "{room}";

export interface MappingRule {
  readonly index: number;
  readonly pattern: TopicPattern;
  readonly topic: Template;
  readonly key: Template;
  readonly payload: PayloadFormat;
  readonly room?: Template;
  readonly sensorType?: Template;
  readonly deviceId?: Template;
  readonly trustPayload: boolean;
}

export interface TopicMatch {
  rule: MappingRule;
  vars: TopicVars;
}

export interface TopicMapping {
  readonly rules: readonly MappingRule[];
  /** The first rule whose pattern matches `topic`. */
  match(topic: string): TopicMatch | undefined;
}

/** Template variables that are not placeholders but always available. */
export const BUILTIN_VARS = ["client_id", "mqtt_topic", "room", "sensor_type", "device_id"] as const;

function checkNames(t: Template, allowed: ReadonlySet<string>, where: string): void {
  for (const n of t.names)
    if (!allowed.has(n))
      throw new Error(
        `${where}: "{${n}}" is neither a placeholder of the pattern nor one of ${BUILTIN_VARS.join(", ")}`,
      );
}

/**
 * Compiles rules; throws an Error naming the rule (`rules[2].key: ...`) on a bad pattern or template.
 * `defaultTopic` is the Kafka topic of rules that name none.
 */
export function compileMapping(specs: readonly MappingRuleSpec[], defaultTopic: string): TopicMapping {
  const rules = specs.map((spec, index): MappingRule => {
    const at = (field: string) => `rules[${index}].${field}`;
    const compile = (field: string, source: string) => {
      try {
        return compileTemplate(source);
      } catch (err) {
        throw new Error(`${at(field)}: ${(err as Error).message}`);
      }
    };
    let pattern: TopicPattern;
    try {
      pattern = compileTopicPattern(spec.match);
    } catch (err) {
      throw new Error(`${at("match")}: ${(err as Error).message}`);
    }
    const allowed = new Set<string>([...pattern.names, ...BUILTIN_VARS]);
    const fieldAllowed = new Set<string>([...pattern.names, "client_id", "mqtt_topic"]);
    const rule: MappingRule = {
      index,
      pattern,
      topic: compile("topic", spec.topic ?? defaultTopic.replaceAll("{", "{{").replaceAll("}", "}}")),
      key: compile("key", spec.key ?? DEFAULT_KEY),
      payload: spec.payload ?? "auto",
      room: spec.room === undefined ? undefined : compile("room", spec.room),
      sensorType: spec.sensor_type === undefined ? undefined : compile("sensor_type", spec.sensor_type),
      deviceId: spec.device_id === undefined ? undefined : compile("device_id", spec.device_id),
      trustPayload: spec.trust_payload === true,
    };
    checkNames(rule.topic, allowed, at("topic"));
    checkNames(rule.key, allowed, at("key"));
    for (const [field, t] of [
      ["room", rule.room],
      ["sensor_type", rule.sensorType],
      ["device_id", rule.deviceId],
    ] as const)
      if (t) checkNames(t, fieldAllowed, at(field));
    return rule;
  });
  return {
    rules,
    match(topic) {
      for (const rule of rules) {
        const vars = rule.pattern.match(topic);
        if (vars) return { rule, vars };
      }
      return undefined;
    },
  };
}

export interface MessageSource {
  topic: string;
  /** The publishing client's id (embedded broker); unknown when read from an external broker. */
  clientId?: string;
}

export type Resolved<T> = { ok: true; value: T } | { ok: false; detail: string };

/** Variables for a rule's field templates: the placeholders plus the source. */
export function sourceVars(m: TopicMatch, source: MessageSource): Record<string, string> {
  // A match's vars are a fresh object per match: extended in place rather than copied (per message).
  const vars = m.vars as Record<string, string>;
  vars.mqtt_topic = source.topic;
  if (source.clientId !== undefined) vars.client_id = source.clientId;
  return vars;
}

/** Defaults for readings read through this rule: the rule's templates, else same-named placeholders. */
export function readingDefaults(
  m: TopicMatch,
  vars: TopicVars,
): Resolved<{ room?: string; sensorType?: string; deviceId?: string }> {
  const field = (t: Template | undefined, name: string): Resolved<string | undefined> => {
    if (!t) return { ok: true, value: Object.hasOwn(vars, name) ? vars[name] : undefined };
    const r = t.render(vars);
    return r.ok
      ? { ok: true, value: r.text }
      : { ok: false, detail: `${name}: the topic has no "${r.missing}"` };
  };
  const room = field(m.rule.room, "room");
  if (!room.ok) return room;
  const sensorType = field(m.rule.sensorType, "sensor_type");
  if (!sensorType.ok) return sensorType;
  let deviceId = field(m.rule.deviceId, "device_id");
  if (!deviceId.ok) return deviceId;
  // The device is best named by the topic (`+device`), else by its MQTT client id.
  if (deviceId.value === undefined && !m.rule.deviceId)
    deviceId = { ok: true, value: vars.device ?? vars.client_id };
  return { ok: true, value: { room: room.value, sensorType: sensorType.value, deviceId: deviceId.value } };
}

/** Kafka topic and key of one reading: templates over placeholders, source and the reading's fields. */
export function recordAddress(
  m: TopicMatch,
  vars: TopicVars,
  reading: Reading,
): Resolved<{ topic: string; key: string }> {
  // The reading's own fields win over same-named placeholders: the key is the room the reading is about.
  const lookup = (name: string): string | undefined => {
    if (name === "room") return reading.room;
    if (name === "sensor_type") return reading.sensor_type;
    if (name === "device_id") return reading.device_id;
    return Object.hasOwn(vars, name) ? vars[name] : undefined;
  };
  const topic = m.rule.topic.renderWith(lookup);
  if (!topic.ok) return { ok: false, detail: `topic: no "${topic.missing}" for this message` };
  const key = m.rule.key.renderWith(lookup);
  if (!key.ok) return { ok: false, detail: `key: no "${key.missing}" for this message` };
  if (topic.text.length === 0) return { ok: false, detail: "topic: renders empty" };
  return { ok: true, value: { topic: topic.text, key: key.text } };
}
