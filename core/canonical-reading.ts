// The reading schema's fast path. Most readings in a flow or on a topic are already canonical (the
// simulator's, kafka-in's, another node's output): exactly the schema's normalised form. For those
// alone this check gives the very result the schema would, without its cost; anything else, valid
// or not, goes through the schema. A property test holds the two together.
import { BINARY_SENSOR_TYPES, CONTROL, MAX_NAME_LENGTH, type TimedReading } from "./reading-rules.js";

function isName(v: unknown): v is string {
  return typeof v === "string" && v.length > 0 && v.length <= MAX_NAME_LENGTH && !CONTROL.test(v);
}

const DIGIT_0 = 48;
/** The number written by the `n` digits of `s` at `at`, or -1 if one is not a digit. */
function digits(s: string, at: number, n: number): number {
  let v = 0;
  for (let i = at; i < at + n; i++) {
    const d = s.charCodeAt(i) - DIGIT_0;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v;
}

/**
 * Epoch ms of a timestamp in exactly the form the schema emits ("2026-11-27T21:00:00.000Z", as
 * Date#toISOString writes years 1970-9999), or undefined for any other form or an impossible
 * date. Such a string is its own normalised form.
 */
export function canonicalTime(s: string): number | undefined {
  // A reading sent to several nodes carries the same string to each: remember the last one.
  if (s === lastText) return lastTime;
  const t = parseCanonicalTime(s);
  lastText = s;
  lastTime = t;
  return t;
}

let lastText = "";
let lastTime: number | undefined;

function parseCanonicalTime(s: string): number | undefined {
  if (s.length !== 24 || s.charCodeAt(23) !== 90 /* Z */) return undefined;
  if (s[4] !== "-" || s[7] !== "-" || s[10] !== "T" || s[13] !== ":" || s[16] !== ":" || s[19] !== ".") {
    return undefined;
  }
  const year = digits(s, 0, 4);
  const month = digits(s, 5, 2);
  const day = digits(s, 8, 2);
  const hour = digits(s, 11, 2);
  const minute = digits(s, 14, 2);
  const second = digits(s, 17, 2);
  const ms = digits(s, 20, 3);
  if (
    year < 1970 ||
    month < 1 ||
    month > 12 ||
    day < 1 ||
    hour > 23 ||
    minute > 59 ||
    second > 59 ||
    ms < 0
  ) {
    return undefined;
  }
  const t = Date.UTC(year, month - 1, day, hour, minute, second, ms);
  // the day must exist in that month (Date.UTC would roll 2026-02-30 over into March)
  if (day > 28 && new Date(t).getUTCDate() !== day) return undefined;
  return t;
}

/**
 * The schema's result for a payload already in canonical form, or undefined when the payload
 * needs the schema (another timestamp form, a value to normalise, anything invalid).
 */
export function canonicalReading(p: Record<string, unknown>): TimedReading | undefined {
  const { room, sensor_type, value, timestamp, device_id } = p;
  if (!isName(room) || !isName(sensor_type) || !isName(device_id)) return undefined;
  if (typeof value !== "number" || !Number.isFinite(value)) return undefined;
  if (BINARY_SENSOR_TYPES.has(sensor_type) && value !== 0 && value !== 1) return undefined;
  if (typeof timestamp !== "string") return undefined;
  const time = canonicalTime(timestamp);
  if (time === undefined) return undefined;
  return { reading: { room, sensor_type, value, timestamp, device_id }, time };
}
