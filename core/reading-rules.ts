// A reading's shape and the limits of its fields, shared by the schema (reading.ts) and its canonical
// fast path (canonical-reading.ts), which reading.ts uses: the dependency runs one way.

export interface Reading {
  room: string;
  sensor_type: string;
  value: number;
  /** ISO 8601 with `Z`, always. */
  timestamp: string;
  device_id: string;
}

/** A validated reading and its event time in epoch milliseconds. */
export interface TimedReading {
  reading: Reading;
  time: number;
}

export const CORE_SENSOR_TYPES = ["temperature", "humidity", "presence", "light"] as const;
export const BINARY_SENSOR_TYPES: ReadonlySet<string> = new Set(["presence", "light"]);
export const MAX_NAME_LENGTH = 128;

// C0 controls, DEL and C1 controls: the point of this pattern.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is its purpose
export const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
