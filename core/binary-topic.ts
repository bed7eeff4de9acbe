// Light and presence states as Node-RED users' MQTT and Home Assistant flows carry them: the
// room and the kind (light or presence) from the message topic through a topic pattern
// (`+room/+kind`, the syntax of core/topic-pattern.ts), the state from whatever the device sends
// (core/message-value.ts). The result is a reading, validated by the one reading schema. Pure:
// the receive time is passed in.
import { type BinaryKind, binaryKind, binaryValue } from "./message-value.js";
import { formatIssues, parseReading, type TimedReading } from "./reading.js";
import { compileTopicPattern, type TopicPattern } from "./topic-pattern.js";

export const DEFAULT_STATE_TOPIC_PATTERN = "+room/+kind";

export type TopicStateResult =
  | { kind: "reading"; value: TimedReading }
  /** The topic names a kind other than light or presence: nothing for the rule. */
  | { kind: "ignored"; detail: string }
  | { kind: "rejected"; reason: string };

/**
 * Compiles a pattern for state topics; it must name a `room` placeholder. Without a `kind`
 * placeholder the kind comes from the payload's fields (zigbee2mqtt's `occupancy` is presence,
 * `state` is a light). Throws an Error saying what is wrong.
 */
export function compileStateTopicPattern(source: string): TopicPattern {
  const p = compileTopicPattern(source);
  if (!p.names.includes("room")) {
    throw new Error(`topic pattern "${source}" must name the room with a +room placeholder`);
  }
  return p;
}

function kindFromFields(payload: unknown): BinaryKind | undefined {
  if (typeof payload !== "object" || payload === null || Array.isArray(payload)) return undefined;
  if (Object.hasOwn(payload, "occupancy")) return "presence";
  if (Object.hasOwn(payload, "state")) return "light";
  return undefined;
}

/** A light or presence reading from a topic and payload; `receivedAt` is its event time. */
export function stateFromTopic(
  pattern: TopicPattern,
  topic: unknown,
  payload: unknown,
  receivedAt: number,
): TopicStateResult {
  if (typeof topic !== "string" || topic === "") {
    return { kind: "rejected", reason: "topic: the message has no msg.topic to take room and kind from" };
  }
  const vars = pattern.match(topic);
  if (!vars) return { kind: "rejected", reason: `topic: "${topic}" does not match ${pattern.source}` };
  let kind: BinaryKind | undefined;
  if (pattern.names.includes("kind")) {
    kind = binaryKind(vars.kind ?? "");
    if (!kind) return { kind: "ignored", detail: `"${vars.kind}" is neither a light nor a presence` };
  } else {
    kind = kindFromFields(payload);
    if (!kind) return { kind: "ignored", detail: "the payload has neither occupancy nor state" };
  }
  const v = binaryValue(payload, kind);
  if (!v.ok) return { kind: "rejected", reason: `payload: ${v.reason}` };
  const r = parseReading({
    room: vars.room,
    sensor_type: kind,
    value: v.value,
    timestamp: receivedAt,
    device_id: topic,
  });
  return r.ok ? { kind: "reading", value: r.value } : { kind: "rejected", reason: formatIssues(r.issues) };
}
