// What a simulation yields: a valid reading with its event time, or a deliberately invalid
// payload (the `malformed` fault) that outputs must send verbatim so consumers can be tested
// against it. A reading event is a TimedReading, so it goes wherever one is accepted.
import type { Reading, TimedReading } from "@homestream/core/reading";
import { toIso } from "@homestream/core/time";
import { deviceId } from "./home.js";

export type FaultKind = "stuck" | "dropout" | "spike" | "malformed" | "late";

export interface ReadingEvent extends TimedReading {
  kind: "reading";
  /** The fault that shaped this reading, if any (never part of the wire format). */
  fault?: Exclude<FaultKind, "malformed" | "dropout">;
}

export interface MalformedEvent {
  kind: "malformed";
  /** Event time of the reading this payload replaced. */
  time: number;
  /** The exact payload to send: one line of text, no newline. */
  text: string;
  /** Why it is invalid, for tests and logs. */
  reason: string;
  fault: "malformed";
}

export type SimEvent = ReadingEvent | MalformedEvent;

/** A reading event with the original's device naming and an ISO `Z` timestamp. */
export function readingEvent(room: string, sensorType: string, value: number, time: number): ReadingEvent {
  const reading: Reading = {
    room,
    sensor_type: sensorType,
    value,
    timestamp: toIso(time),
    device_id: deviceId(room, sensorType),
  };
  return { kind: "reading", reading, time };
}

/** The same reading with another value (and the fault that changed it). */
export function withValue(event: ReadingEvent, value: number, fault: ReadingEvent["fault"]): ReadingEvent {
  return { kind: "reading", reading: { ...event.reading, value }, time: event.time, fault };
}

/** The payload text an output sends for an event. */
export function eventText(event: SimEvent): string {
  return event.kind === "reading" ? JSON.stringify(event.reading) : event.text;
}
