// Payload adapters: MQTT payload bytes -> zero or more readings, each validated by the one reading
// schema, plus the reasons anything was rejected. Pure: the receive time is passed in.
import { formatIssues, parseReading, type TimedReading } from "./reading.js";

/**
 * How a rule reads payloads; `auto` recognises each of the first four. `availability` reads a device's
 * online/offline message (Tasmota's LWT, zigbee2mqtt's availability, a will) into an availability reading.
 */
export const PAYLOAD_FORMATS = ["auto", "reading", "value", "zigbee2mqtt", "availability"] as const;
export type PayloadFormat = (typeof PAYLOAD_FORMATS)[number];

/** Why input was rejected: a small fixed set, so it can label a metric. */
export const REJECT_REASONS = [
  "unmatched_topic",
  "payload_too_large",
  "empty_payload",
  "invalid_utf8",
  "invalid_json",
  "unsupported_payload",
  "invalid_reading",
  "template_error",
  "room_mismatch",
  "sensor_type_mismatch",
] as const;
export type RejectReason = (typeof REJECT_REASONS)[number];

export interface Rejection {
  reason: RejectReason;
  /** Human-readable: names the field and the problem. */
  detail: string;
}

export interface AdaptContext {
  /**
   * The room the topic (or rule) is for. A reading object may repeat it, but naming another room is
   * rejected (room_mismatch) unless `trustPayload`: the broker authorised the topic, not the payload.
   */
  room?: string;
  /** Likewise for the sensor type (sensor_type_mismatch). */
  sensorType?: string;
  /** The payload's own room and sensor type win over the topic's (a rule's `trust_payload`). */
  trustPayload?: boolean;
  deviceId?: string;
  /** Receive time in epoch ms: the timestamp of payloads that carry none. */
  receivedAt: number;
  /** Zone for naive ISO timestamps (see the reading schema). */
  timeZone?: string;
}

export interface Adapted {
  readings: TimedReading[];
  rejections: Rejection[];
}

/**
 * zigbee2mqtt-style fields and the sensor type each becomes. Other fields (battery, linkquality,
 * voltage...) are device housekeeping and are ignored.
 */
export const ZIGBEE_FIELDS: Readonly<Record<string, string>> = {
  temperature: "temperature",
  humidity: "humidity",
  occupancy: "presence",
  illuminance: "illuminance",
  state: "light",
};

// Decimal numbers as devices write them; deliberately not Number()'s looser grammar ("0x10", " ").
const NUMBER_TEXT = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const WORD_VALUES = new Set(["on", "off", "true", "false"]);
const NOT_FINITE = new Set(["nan", "infinity", "+infinity", "-infinity", "inf", "-inf"]);

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

const reject = (reason: RejectReason, detail: string): Adapted => ({
  readings: [],
  rejections: [{ reason, detail }],
});

function own(obj: Record<string, unknown>, key: string): unknown {
  return Object.hasOwn(obj, key) ? obj[key] : undefined;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function validate(candidate: Record<string, unknown>, ctx: AdaptContext, out: Adapted, prefix = ""): void {
  const r = parseReading(candidate, { timeZone: ctx.timeZone });
  if (r.ok) out.readings.push(r.value);
  else out.rejections.push({ reason: "invalid_reading", detail: prefix + formatIssues(r.issues) });
}

function fallbackDeviceId(ctx: AdaptContext, room: unknown, sensorType: unknown): unknown {
  if (ctx.deviceId !== undefined) return ctx.deviceId;
  return typeof room === "string" && typeof sensorType === "string" ? `${room}_${sensorType}` : undefined;
}

/** A canonical reading; fields it omits come from the topic/rule, the timestamp from the receive time. */
function fromReadingObject(obj: Record<string, unknown>, ctx: AdaptContext): Adapted {
  const room = own(obj, "room") ?? ctx.room;
  const sensorType = own(obj, "sensor_type") ?? ctx.sensorType;
  const out: Adapted = { readings: [], rejections: [] };
  if (!ctx.trustPayload) {
    if (ctx.room !== undefined && room !== ctx.room)
      out.rejections.push({
        reason: "room_mismatch",
        detail: `room: the payload names ${JSON.stringify(room)}, but the topic is for "${ctx.room}"`,
      });
    if (ctx.sensorType !== undefined && sensorType !== ctx.sensorType)
      out.rejections.push({
        reason: "sensor_type_mismatch",
        detail: `sensor_type: the payload names ${JSON.stringify(sensorType)}, but the topic is for "${ctx.sensorType}"`,
      });
    if (out.rejections.length > 0) return out;
  }
  validate(
    {
      room,
      sensor_type: sensorType,
      value: own(obj, "value"),
      timestamp: own(obj, "timestamp") ?? ctx.receivedAt,
      device_id: own(obj, "device_id") ?? fallbackDeviceId(ctx, room, sensorType),
    },
    ctx,
    out,
  );
  return out;
}

/** A bare value: room and sensor type come from the topic or rule. */
function fromValue(value: unknown, ctx: AdaptContext): Adapted {
  const out: Adapted = { readings: [], rejections: [] };
  validate(
    {
      room: ctx.room,
      sensor_type: ctx.sensorType,
      value,
      timestamp: ctx.receivedAt,
      device_id: fallbackDeviceId(ctx, ctx.room, ctx.sensorType),
    },
    ctx,
    out,
  );
  return out;
}

/** One reading per known field of a zigbee2mqtt-style object; each bad field is its own rejection. */
function fromZigbeeObject(obj: Record<string, unknown>, ctx: AdaptContext): Adapted {
  const out: Adapted = { readings: [], rejections: [] };
  for (const [field, sensorType] of Object.entries(ZIGBEE_FIELDS)) {
    if (!Object.hasOwn(obj, field)) continue;
    validate(
      {
        room: ctx.room,
        sensor_type: sensorType,
        value: obj[field],
        timestamp: ctx.receivedAt,
        device_id: fallbackDeviceId(ctx, ctx.room, sensorType),
      },
      ctx,
      out,
      `${field}: `,
    );
  }
  if (out.readings.length === 0 && out.rejections.length === 0) {
    return reject(
      "unsupported_payload",
      `no known sensor field (expected one of ${Object.keys(ZIGBEE_FIELDS).join(", ")})`,
    );
  }
  return out;
}

function hasZigbeeField(obj: Record<string, unknown>): boolean {
  return Object.keys(ZIGBEE_FIELDS).some((f) => Object.hasOwn(obj, f));
}

type Decoded = { ok: true; kind: "json"; data: unknown } | { ok: true; kind: "word"; data: string | number };

/** Bytes -> JSON value or bare word/number; the rejection when neither. */
function decode(payload: Uint8Array): Decoded | Adapted {
  if (payload.length === 0) return reject("empty_payload", "the payload is empty");
  let text: string;
  try {
    text = utf8.decode(payload);
  } catch {
    return reject("invalid_utf8", "the payload is not valid UTF-8");
  }
  text = text.trim();
  if (text.length === 0) return reject("empty_payload", "the payload is only whitespace");
  const first = text[0];
  if (first === "{" || first === "[" || first === '"') {
    try {
      return { ok: true, kind: "json", data: JSON.parse(text) };
    } catch (err) {
      return reject("invalid_json", `invalid JSON: ${(err as Error).message}`);
    }
  }
  if (NUMBER_TEXT.test(text)) return { ok: true, kind: "word", data: Number(text) };
  const lower = text.toLowerCase();
  if (WORD_VALUES.has(lower)) return { ok: true, kind: "word", data: text };
  if (NOT_FINITE.has(lower)) return reject("invalid_reading", `value: must be a finite number, got ${text}`);
  return reject(
    "unsupported_payload",
    `not a reading, a number, ON/OFF, true/false or a sensor object: "${text.slice(0, 40)}"`,
  );
}

/** The sensor type of availability readings: value 1 online, 0 offline. */
export const AVAILABILITY = "availability";

// Tasmota's LWT says Online/Offline, zigbee2mqtt online/offline (legacy) or {"state":"online"}; wills and
// other devices often use true/false or 1/0.
const AVAILABILITY_WORDS: Readonly<Record<string, 0 | 1>> = {
  online: 1,
  offline: 0,
  true: 1,
  false: 0,
  "1": 1,
  "0": 0,
};

/** A device's availability message -> one availability reading (value 1 online, 0 offline). */
function fromAvailability(payload: Uint8Array, ctx: AdaptContext): Adapted {
  if (payload.length === 0) return reject("empty_payload", "the payload is empty");
  let text: string;
  try {
    text = utf8.decode(payload).trim();
  } catch {
    return reject("invalid_utf8", "the payload is not valid UTF-8");
  }
  let word: unknown = text;
  if (text.startsWith("{") || text.startsWith('"')) {
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch (err) {
      return reject("invalid_json", `invalid JSON: ${(err as Error).message}`);
    }
    word = isPlainObject(data) ? own(data, "state") : data;
  }
  const value = typeof word === "string" ? AVAILABILITY_WORDS[word.toLowerCase()] : undefined;
  if (value === undefined)
    return reject(
      "unsupported_payload",
      `not an availability message (online/offline, {"state":"online"|"offline"}, true/false, 1/0): "${text.slice(0, 40)}"`,
    );
  const sensorType = ctx.sensorType ?? AVAILABILITY;
  const out: Adapted = { readings: [], rejections: [] };
  validate(
    {
      room: ctx.room,
      sensor_type: sensorType,
      value,
      timestamp: ctx.receivedAt,
      device_id: fallbackDeviceId(ctx, ctx.room, sensorType),
    },
    ctx,
    out,
  );
  return out;
}

/** Reads one MQTT payload in the given format. Never throws on bad input. */
export function adaptPayload(payload: Uint8Array, format: PayloadFormat, ctx: AdaptContext): Adapted {
  if (format === "availability") return fromAvailability(payload, ctx);
  const decoded = decode(payload);
  if (!("ok" in decoded)) return decoded;
  const data = decoded.data;
  if (isPlainObject(data)) {
    const looksLikeReading = Object.hasOwn(data, "value");
    if (format === "reading" || (format === "auto" && looksLikeReading)) return fromReadingObject(data, ctx);
    if (format === "zigbee2mqtt" || (format === "auto" && hasZigbeeField(data)))
      return fromZigbeeObject(data, ctx);
    if (format === "value") return reject("unsupported_payload", "expected a bare value, got a JSON object");
    return reject(
      "unsupported_payload",
      `a JSON object with neither "value" nor a known sensor field (${Object.keys(ZIGBEE_FIELDS).join(", ")})`,
    );
  }
  if (Array.isArray(data)) return reject("unsupported_payload", "a JSON array is not a reading");
  if (data === null) return reject("unsupported_payload", "the payload is JSON null");
  if (format === "reading" || format === "zigbee2mqtt")
    return reject("unsupported_payload", `expected a JSON object, got a bare ${typeof data}`);
  return fromValue(data, ctx);
}
