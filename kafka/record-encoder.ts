// Kafka records (message format v2, "DefaultRecord") written straight into one buffer, for the produce
// request encoder in produce-request.ts. kafkajs builds each record through a fresh 512-byte zero-filled
// Encoder and 64-bit Long arithmetic; at our record sizes that was the largest cost of a produce request
// (measured with bench/kafka.mjs). The bytes are kafkajs's (test/kafka/produce-request.test.ts).
//
//   length varint, attributes int8, timestampDelta varlong, offsetDelta varint,
//   key (varint length or -1, bytes), value (likewise), header count varint,
//   headers: key (varint length, UTF-8), value (varint length or -1, bytes)

export type Bytes = string | Buffer | null | undefined;
export type HeaderValue = string | Buffer | (string | Buffer)[] | undefined;

export interface RecordInput {
  offsetDelta?: number;
  timestampDelta?: number;
  key?: Bytes;
  value?: Bytes;
  headers?: Record<string, HeaderValue>;
}

/** A string with its UTF-8 length, raw bytes, or null (written as length -1). */
type Field = { text: string; length: number } | Buffer | null;

export interface PreparedRecord {
  timestampDelta: number;
  offsetDelta: number;
  key: Field;
  value: Field;
  /** Name, value, name, value, ... */
  headers: Field[];
  /** Bytes after the length prefix. */
  body: number;
  /** Bytes in all. */
  size: number;
}

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

const fitsInt32 = (n: number) => Number.isInteger(n) && n >= INT32_MIN && n <= INT32_MAX;
// Zig-zag of a 32-bit value, as unsigned: equal to Kafka's 64-bit zig-zag for values in int32 range.
const zigZag = (n: number) => ((n << 1) ^ (n >> 31)) >>> 0;

function sizeOfVarInt(n: number): number {
  let v = zigZag(n);
  let bytes = 1;
  while (v >= 0x80) {
    bytes++;
    v >>>= 7;
  }
  return bytes;
}

function writeVarInt(buf: Buffer, offset: number, n: number): number {
  let v = zigZag(n);
  while (v >= 0x80) {
    buf[offset++] = (v & 0x7f) | 0x80;
    v >>>= 7;
  }
  buf[offset++] = v;
  return offset;
}

// Header names repeat on every record (the bridge writes the same four): measured once each.
const names = new Map<string, Field>();
function nameField(name: string): Field {
  let f = names.get(name);
  if (f === undefined) {
    if (names.size >= 1000) names.clear();
    f = { text: name, length: Buffer.byteLength(name) };
    names.set(name, f);
  }
  return f;
}

function field(v: unknown): Field | undefined {
  if (v == null) return null;
  if (Buffer.isBuffer(v)) return v;
  if (typeof v === "string") return { text: v, length: Buffer.byteLength(v) };
  return undefined;
}

const lengthOf = (f: Field) => (f === null ? -1 : Buffer.isBuffer(f) ? f.length : f.length);
const sizeOfField = (f: Field) => (f === null ? 1 : sizeOfVarInt(lengthOf(f)) + lengthOf(f));

function writeField(buf: Buffer, offset: number, f: Field): number {
  if (f === null) return writeVarInt(buf, offset, -1);
  if (Buffer.isBuffer(f)) {
    offset = writeVarInt(buf, offset, f.length);
    f.copy(buf, offset);
    return offset + f.length;
  }
  offset = writeVarInt(buf, offset, f.length);
  buf.write(f.text, offset, f.length, "utf8");
  return offset + f.length;
}

/**
 * Measures a record, or returns undefined for one to leave to kafkajs (deltas beyond 32 bits, keys or
 * values that are neither text nor bytes, null header values: kafkajs's own handling of those differs).
 * Header values that are arrays become one header each, in order, as in kafkajs.
 */
export function prepareRecord(input: RecordInput): PreparedRecord | undefined {
  const { offsetDelta = 0, timestampDelta = 0, key, value, headers } = input;
  return prepareFields(key, value, headers, offsetDelta, timestampDelta);
}

/** prepareRecord() with the fields as arguments (no input object per record). */
export function prepareFields(
  key: Bytes,
  value: Bytes,
  headers: RecordInput["headers"],
  offsetDelta: number,
  timestampDelta: number,
): PreparedRecord | undefined {
  if (!fitsInt32(offsetDelta) || !fitsInt32(timestampDelta) || headers === null) return undefined;
  const k = field(key);
  const v = field(value);
  if (k === undefined || v === undefined) return undefined;
  const list: Field[] = [];
  let body = 1 + sizeOfVarInt(timestampDelta) + sizeOfVarInt(offsetDelta) + sizeOfField(k) + sizeOfField(v);
  if (headers) {
    for (const name in headers) {
      if (!Object.hasOwn(headers, name)) continue;
      const raw = headers[name];
      const hk = nameField(name);
      if (Array.isArray(raw)) {
        for (const one of raw) {
          const hv = field(one);
          if (hv === undefined || hv === null) return undefined;
          body += sizeOfField(hk) + sizeOfField(hv);
          list.push(hk, hv);
        }
      } else {
        const hv = field(raw);
        if (hv === undefined || hv === null) return undefined;
        body += sizeOfField(hk) + sizeOfField(hv);
        list.push(hk, hv);
      }
    }
  }
  body += sizeOfVarInt(list.length / 2);
  return {
    timestampDelta,
    offsetDelta,
    key: k,
    value: v,
    headers: list,
    body,
    size: sizeOfVarInt(body) + body,
  };
}

/** Writes a prepared record at `offset`; returns the offset after it. */
export function writeRecord(buf: Buffer, offset: number, r: PreparedRecord): number {
  offset = writeVarInt(buf, offset, r.body);
  buf[offset++] = 0; // attributes: none are defined for records
  offset = writeVarInt(buf, offset, r.timestampDelta);
  offset = writeVarInt(buf, offset, r.offsetDelta);
  offset = writeField(buf, offset, r.key);
  offset = writeField(buf, offset, r.value);
  const headers = r.headers;
  offset = writeVarInt(buf, offset, headers.length / 2);
  for (let i = 0; i < headers.length; i++) offset = writeField(buf, offset, headers[i] as Field);
  return offset;
}

/** One record's bytes (or undefined, see prepareRecord). */
export function encodeRecordBytes(input: RecordInput): Buffer | undefined {
  const r = prepareRecord(input);
  if (!r) return undefined;
  const buf = Buffer.allocUnsafe(r.size);
  writeRecord(buf, 0, r);
  return buf;
}
