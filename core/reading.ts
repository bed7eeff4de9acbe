// The reading: the one wire format on MQTT and Kafka (see shared design, "The reading").
// This zod schema is its single definition; every entry point parses through it.
import { z } from "zod";
import { canonicalReading } from "./canonical-reading.js";
import { fieldIssues } from "./issues.js";

export { formatIssues } from "./issues.js";

import { BINARY_SENSOR_TYPES, CONTROL, MAX_NAME_LENGTH, type TimedReading } from "./reading-rules.js";
import { assertTimeZone, clip, describeType, parseTimestamp, toIso } from "./time.js";

export type { Reading, TimedReading } from "./reading-rules.js";

export interface ReadingIssue {
  /** Dotted path of the offending field, or "" for the whole payload. */
  field: string;
  message: string;
}

export type ParseResult = { ok: true; value: TimedReading } | { ok: false; issues: ReadingIssue[] };

export interface ReadingOptions {
  /** IANA zone for ISO timestamps without `Z` or offset (the original producer wrote naive local time). */
  timeZone?: string;
}

export { BINARY_SENSOR_TYPES, CORE_SENSOR_TYPES, MAX_NAME_LENGTH } from "./reading-rules.js";

const name = z
  .string({
    error: (iss) =>
      iss.input === undefined ? "is required" : `must be a string, got ${describeType(iss.input)}`,
  })
  .min(1, "must not be empty")
  .max(MAX_NAME_LENGTH, `must be at most ${MAX_NAME_LENGTH} characters`)
  .refine((s) => !CONTROL.test(s), "must not contain control characters");

const ON_OFF: Record<string, number> = { on: 1, off: 0, true: 1, false: 0 };

/** Normalises a value for its sensor type, or says why it cannot be. */
function normaliseValue(sensorType: string, raw: unknown): number | string {
  if (BINARY_SENSOR_TYPES.has(sensorType)) {
    if (typeof raw === "boolean") return raw ? 1 : 0;
    if (typeof raw === "string") {
      const v = ON_OFF[raw.trim().toLowerCase()];
      return v ?? `must be 0, 1, true, false, "ON" or "OFF" for ${sensorType}, got "${clip(raw)}"`;
    }
    if (raw === 0 || raw === 1) return raw;
    return `must be 0 or 1 for ${sensorType}, got ${typeof raw === "number" ? raw : describeType(raw)}`;
  }
  if (typeof raw !== "number") return `must be a finite number, got ${describeType(raw)}`;
  if (!Number.isFinite(raw)) return `must be a finite number, got ${raw}`;
  return raw;
}

function buildSchema(timeZone: string) {
  return z
    .object(
      {
        room: name,
        sensor_type: name,
        value: z.unknown().refine((v) => v !== undefined && v !== null, { error: "is required" }),
        timestamp: z.unknown().refine((v) => v !== undefined && v !== null, {
          error: "is required",
        }),
        device_id: name,
      },
      { error: (iss) => `a reading must be a JSON object, got ${describeType(iss.input)}` },
    )
    .transform((r, ctx): TimedReading => {
      const value = normaliseValue(r.sensor_type, r.value);
      if (typeof value === "string") ctx.addIssue({ code: "custom", path: ["value"], message: value });
      const ts = parseTimestamp(r.timestamp, timeZone);
      if (!ts.ok) ctx.addIssue({ code: "custom", path: ["timestamp"], message: ts.reason });
      if (typeof value === "string" || !ts.ok) return z.NEVER;
      return {
        reading: {
          room: r.room,
          sensor_type: r.sensor_type,
          value,
          timestamp: toIso(ts.epochMs),
          device_id: r.device_id,
        },
        time: ts.epochMs,
      };
    });
}

export type ReadingSchema = ReturnType<typeof buildSchema>;

const schemas = new Map<string, ReadingSchema>();

/** The reading schema for a zone (cached). Throws a RangeError for an unknown zone. */
export function readingSchema(options: ReadingOptions = {}): ReadingSchema {
  const zone = options.timeZone ?? "UTC";
  let s = schemas.get(zone);
  if (!s) {
    assertTimeZone(zone);
    s = buildSchema(zone);
    schemas.set(zone, s);
  }
  return s;
}

/** Validates and normalises one reading. Never throws on bad input. */
export function parseReading(input: unknown, options: ReadingOptions = {}): ParseResult {
  if (typeof input === "object" && input !== null) {
    const fast = canonicalReading(input as Record<string, unknown>);
    if (fast) return { ok: true, value: fast };
  }
  const result = readingSchema(options).safeParse(input);
  if (result.success) return { ok: true, value: result.data };
  return {
    ok: false,
    issues: fieldIssues(result.error.issues),
  };
}

/** Parses a JSON text into a reading; JSON syntax errors are reported like schema issues. */
export function parseReadingJson(text: string, options: ReadingOptions = {}): ParseResult {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    return { ok: false, issues: [{ field: "", message: `invalid JSON: ${(err as Error).message}` }] };
  }
  return parseReading(data, options);
}
