// The limits of a reading's fields, shared by the schema and its canonical fast path.

export const CORE_SENSOR_TYPES = ["temperature", "humidity", "presence", "light"] as const;
export const BINARY_SENSOR_TYPES: ReadonlySet<string> = new Set(["presence", "light"]);
export const MAX_NAME_LENGTH = 128;

// C0 controls, DEL and C1 controls: the point of this pattern.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is its purpose
export const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
