// A reading from a message payload: an object, JSON text or a Buffer of JSON text, validated by
// the one reading schema (core/reading.ts), so every node rejects the same inputs the same way.
// A payload that is an array is a batch: many readings in one message (sensor-sim's "readings
// per message"), each validated alone, so one bad item never costs the good ones beside it.
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

/** A batch item that was not a reading: its place in msg.payload and why. */
export interface RejectedItem {
  index: number;
  reason: string;
}

/**
 * Visits each item of a batch in order: `accept` gets the valid readings, the rejected ones are
 * returned (in order) for one error that names them all (see batchError).
 */
export function eachReadingOfBatch(
  items: readonly unknown[],
  timeZone: string,
  accept: (reading: TimedReading, index: number) => void,
): RejectedItem[] {
  const rejected: RejectedItem[] = [];
  for (let i = 0; i < items.length; i++) {
    const r = readingFromPayload(items[i], timeZone);
    if (r.ok) accept(r.value, i);
    else rejected.push({ index: i, reason: r.reason });
  }
  return rejected;
}

/** How many items of a batch are named in its error; the rest are counted. */
const NAMED_IN_ERROR = 3;

/** One error for a batch's rejected items: "2 of 500 readings in msg.payload rejected: [17] invalid reading: …". */
export function batchError(rejected: readonly RejectedItem[], total: number): Error {
  const named = rejected.slice(0, NAMED_IN_ERROR).map((r) => `msg.payload[${r.index}]: ${r.reason}`);
  const more = rejected.length - named.length;
  return new Error(
    `${rejected.length} of ${total} readings in msg.payload rejected (the others were processed): ${named.join("; ")}${more > 0 ? `; and ${more} more` : ""}`,
  );
}

/** "kitchen/temperature": the topic our nodes give a reading. */
export function readingTopic(room: string, sensorType: string): string {
  return `${room}/${sensorType}`;
}
