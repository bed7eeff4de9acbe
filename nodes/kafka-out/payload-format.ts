// kafka-out's payload formats: how msg.payload becomes a record value. `reading` validates and
// normalises a HomeStream reading (the default); `json`, `string` and `buffer` take any payload, as
// Node-RED's other Kafka nodes do. `raw` is what a node saved before formats existed wrote with
// "check each payload is a reading" off, kept so such flows behave as before.
export const PAYLOAD_FORMATS = ["reading", "json", "string", "buffer"] as const;
export type PayloadFormat = (typeof PAYLOAD_FORMATS)[number] | "raw";

function json(payload: unknown): string | Error {
  try {
    const text = JSON.stringify(payload);
    // functions and symbols have no JSON form
    return text === undefined ? new Error(`msg.payload: a ${typeof payload} has no JSON form`) : text;
  } catch (err) {
    return new Error(`msg.payload cannot be written as JSON: ${(err as Error).message}`);
  }
}

/** The record value for a non-reading payload, or an Error naming msg.payload and the reason. */
export function recordValue(
  format: Exclude<PayloadFormat, "reading">,
  payload: unknown,
): string | Buffer | Error {
  if (payload === undefined) return new Error("msg.payload is missing");
  switch (format) {
    case "json":
      // JSON text stays as it is once checked; anything else is written as JSON.
      if (typeof payload === "string") {
        try {
          JSON.parse(payload);
          return payload;
        } catch (err) {
          return new Error(
            `msg.payload: text that is not JSON (${(err as Error).message}); use the string format`,
          );
        }
      }
      if (Buffer.isBuffer(payload))
        return new Error("msg.payload: a Buffer is not JSON; use the buffer format");
      return json(payload);
    case "string":
      if (typeof payload === "string") return payload;
      if (Buffer.isBuffer(payload)) return payload.toString("utf8");
      return json(payload);
    case "buffer":
      if (Buffer.isBuffer(payload)) return payload;
      if (typeof payload === "string") return Buffer.from(payload, "utf8");
      if (Array.isArray(payload) && payload.every((b) => Number.isInteger(b) && b >= 0 && b <= 255)) {
        return Buffer.from(payload as number[]);
      }
      return new Error("msg.payload: the buffer format needs a Buffer, text or an array of bytes");
    default:
      // raw (before formats): strings and Buffers as they are, anything else as JSON
      if (typeof payload === "string" || Buffer.isBuffer(payload)) return payload;
      return json(payload);
  }
}

/** A record key from msg.key or a chosen property: text, a Buffer, or a number/boolean as text. */
export function keyOf(v: unknown, where: string): string | Buffer | null | Error {
  if (v === undefined || v === null) return null;
  if (typeof v === "string" || Buffer.isBuffer(v)) return v;
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  return new Error(
    `${where}: a key must be text, a Buffer, a number or a boolean, got ${Array.isArray(v) ? "array" : typeof v}`,
  );
}
