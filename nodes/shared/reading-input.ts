// A reading from a message payload: an object, JSON text or a Buffer of JSON text, validated by
// the one reading schema (core/reading.ts), so every node rejects the same inputs the same way.
import { formatIssues, parseReading, parseReadingJson, type TimedReading } from "@homestream/core/reading";

export type PayloadReading = { ok: true; value: TimedReading } | { ok: false; reason: string };

export function readingFromPayload(payload: unknown, timeZone: string): PayloadReading {
  const r =
    typeof payload === "string"
      ? parseReadingJson(payload, { timeZone })
      : Buffer.isBuffer(payload)
        ? parseReadingJson(payload.toString("utf8"), { timeZone })
        : parseReading(payload, { timeZone });
  return r.ok ? r : { ok: false, reason: `invalid reading: ${formatIssues(r.issues)}` };
}

/** "kitchen/temperature": the topic our nodes give a reading. */
export function readingTopic(room: string, sensorType: string): string {
  return `${room}/${sensorType}`;
}
