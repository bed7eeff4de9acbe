// Kafka records (message format v2, "DefaultRecord") written straight into one buffer per record batch,
// for the produce request encoder in produce-request.ts. kafkajs builds each record through a fresh
// 512-byte zero-filled Encoder and 64-bit Long arithmetic; at our record sizes that was the largest cost
// of a produce request (measured with bench/kafka.mjs). Here a batch is measured in one pass and written
// in a second, with the lengths in between kept in scratch arrays: no object per record, since the
// garbage collector's work grew with every object a record left behind (bench:kafka, V8's worker
// threads). The bytes are kafkajs's (test/kafka/produce-request.test.ts).
//
//   length varint, attributes int8, timestampDelta varlong, offsetDelta varint,
//   key (varint length or -1, bytes), value (likewise), header count varint,
//   headers: key (varint length, UTF-8), value (varint length or -1, bytes)

export type Bytes = string | Buffer | null | undefined;
export type HeaderValue = string | Buffer | (string | Buffer)[] | undefined;
export type Headers = Record<string, HeaderValue>;

export interface RecordInput {
  offsetDelta?: number;
  timestampDelta?: number;
  key?: Bytes;
  value?: Bytes;
  headers?: Headers;
}

/** A record of a batch as kafkajs hands it over (a producer message). */
export interface BatchRecord {
  key?: unknown;
  value?: unknown;
  headers?: unknown;
  timestamp?: string | number | null;
}

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;
/** Marks a record this module leaves to kafkajs's own encoder (see measure()). */
const DECLINED = -2;

const fitsInt32 = (n: number) => Number.isInteger(n) && n >= INT32_MIN && n <= INT32_MAX;

function sizeOfVarInt(n: number): number {
  // Zig-zag of a 32-bit value, as unsigned: equal to Kafka's 64-bit zig-zag for values in int32 range.
  let v = ((n << 1) ^ (n >> 31)) >>> 0;
  let bytes = 1;
  while (v >= 0x80) {
    bytes++;
    v >>>= 7;
  }
  return bytes;
}

function writeVarInt(buf: Buffer, offset: number, n: number): number {
  let v = ((n << 1) ^ (n >> 31)) >>> 0;
  while (v >= 0x80) {
    buf[offset++] = (v & 0x7f) | 0x80;
    v >>>= 7;
  }
  buf[offset++] = v;
  return offset;
}

/** Byte length of a key, value or header value: -1 for null, DECLINED for what is neither text nor bytes. */
function lengthOf(v: unknown): number {
  if (v == null) return -1;
  if (typeof v === "string") return Buffer.byteLength(v);
  if (Buffer.isBuffer(v)) return v.length;
  return DECLINED;
}

const sizeOfField = (length: number) => (length < 0 ? 1 : sizeOfVarInt(length) + length);

function writeField(buf: Buffer, offset: number, v: unknown, length: number): number {
  offset = writeVarInt(buf, offset, length);
  if (length > 0) {
    // Text whose UTF-8 length is its length in UTF-16 units is ASCII, whose bytes latin1 writes
    // faster (the JSON readings we produce are).
    if (typeof v === "string") buf.write(v, offset, length, length === v.length ? "latin1" : "utf8");
    else (v as Buffer).copy(buf, offset);
    offset += length;
  }
  return offset;
}

/**
 * Lengths measured by the first pass, read back by the second (both run synchronously, so one set
 * serves every batch): per record its body size (or DECLINED), key and value lengths, header count and
 * timestamp delta (when it fits in 32 bits, which a record not declined needs);
 * per header its name's and value's lengths, in order.
 */
const PER_RECORD = 5;
let recordLengths = new Int32Array(PER_RECORD * 1024);
let headerLengths = new Int32Array(8 * 1024);
/** Header lengths measured so far (first pass) or read so far (second pass). */
let headerCursor = 0;

function reserve(records: number): void {
  headerCursor = 0;
  if (PER_RECORD * records > recordLengths.length)
    recordLengths = new Int32Array(Math.max(PER_RECORD * records, 2 * recordLengths.length));
}

function pushHeaderLengths(name: number, value: number): void {
  if (headerCursor + 2 > headerLengths.length) {
    const next = new Int32Array(2 * headerLengths.length);
    next.set(headerLengths);
    headerLengths = next;
  }
  headerLengths[headerCursor++] = name;
  headerLengths[headerCursor++] = value;
}

/**
 * Measures the headers of one record into the scratch lengths; returns their count, or DECLINED for
 * headers kafkajs handles differently (null, null values, values neither text nor bytes). Header values
 * that are arrays become one header each, in order, as in kafkajs.
 */
function measureHeaders(headers: unknown): number {
  if (headers === undefined) return 0;
  if (headers === null || typeof headers !== "object") return DECLINED;
  let count = 0;
  const h = headers as Headers;
  for (const name in h) {
    if (!Object.hasOwn(h, name)) continue;
    const raw = h[name];
    const nameLength = Buffer.byteLength(name);
    if (Array.isArray(raw)) {
      for (let j = 0; j < raw.length; j++) {
        const length = lengthOf(raw[j]);
        if (length < 0) return DECLINED;
        pushHeaderLengths(nameLength, length);
        count++;
      }
    } else {
      const length = lengthOf(raw);
      if (length < 0) return DECLINED;
      pushHeaderLengths(nameLength, length);
      count++;
    }
  }
  return count;
}

/**
 * Measures a record into scratch slot `slot`; returns its size in bytes, or DECLINED for a record to
 * leave to kafkajs (deltas beyond 32 bits, a key or value neither text nor bytes, headers as
 * measureHeaders() declines them).
 */
function measure(
  slot: number,
  offsetDelta: number,
  timestampDelta: number,
  key: unknown,
  value: unknown,
  headers: unknown,
): number {
  const at = PER_RECORD * slot;
  recordLengths[at] = DECLINED;
  if (!fitsInt32(timestampDelta) || !fitsInt32(offsetDelta)) return DECLINED;
  const k = lengthOf(key);
  const v = lengthOf(value);
  if (k === DECLINED || v === DECLINED) return DECLINED;
  const headersStart = headerCursor;
  const count = measureHeaders(headers);
  if (count === DECLINED) {
    headerCursor = headersStart;
    return DECLINED;
  }
  let body = 1 + sizeOfVarInt(timestampDelta) + sizeOfVarInt(offsetDelta) + sizeOfField(k) + sizeOfField(v);
  body += sizeOfVarInt(count);
  for (let j = headersStart; j < headerCursor; j++) body += sizeOfField(headerLengths[j] as number);
  recordLengths[at] = body;
  recordLengths[at + 1] = k;
  recordLengths[at + 2] = v;
  recordLengths[at + 3] = count;
  return sizeOfVarInt(body) + body;
}

/** Writes the record measured into slot `slot` at `offset`; returns the offset after it. */
function write(
  buf: Buffer,
  offset: number,
  slot: number,
  offsetDelta: number,
  timestampDelta: number,
  key: unknown,
  value: unknown,
  headers: unknown,
): number {
  const at = PER_RECORD * slot;
  offset = writeVarInt(buf, offset, recordLengths[at] as number);
  buf[offset++] = 0; // attributes: none are defined for records
  offset = writeVarInt(buf, offset, timestampDelta);
  offset = writeVarInt(buf, offset, offsetDelta);
  offset = writeField(buf, offset, key, recordLengths[at + 1] as number);
  offset = writeField(buf, offset, value, recordLengths[at + 2] as number);
  const count = recordLengths[at + 3] as number;
  offset = writeVarInt(buf, offset, count);
  if (count > 0) offset = writeHeaders(buf, offset, headers as Headers);
  return offset;
}

/** Writes the headers in measureHeaders()'s order (the same object, unchanged in between). */
function writeHeaders(buf: Buffer, offset: number, headers: Headers): number {
  for (const name in headers) {
    if (!Object.hasOwn(headers, name)) continue;
    const raw = headers[name];
    if (Array.isArray(raw)) {
      for (let j = 0; j < raw.length; j++) {
        offset = writeField(buf, offset, name, headerLengths[headerCursor++] as number);
        offset = writeField(buf, offset, raw[j], headerLengths[headerCursor++] as number);
      }
    } else {
      offset = writeField(buf, offset, name, headerLengths[headerCursor++] as number);
      offset = writeField(buf, offset, raw, headerLengths[headerCursor++] as number);
    }
  }
  return offset;
}

/**
 * The records of one batch, encoded back to back: record i has offset delta i and timestamp delta
 * `(timestamp || now) - firstTimestamp` (kafkajs's arithmetic, timestamps being text or numbers).
 * Records this module declines are encoded by `fallback` (kafkajs's own record encoder).
 * Timestamps come as text (kafkajs's type) and each text-to-number conversion allocates, so a run of
 * equal timestamps (the producer stamps thousands of records with the same millisecond) costs one.
 */
export function encodeRecords(
  messages: readonly BatchRecord[],
  firstTimestamp: string | number,
  now: number,
  fallback: (input: RecordInput) => Buffer,
): Buffer {
  const n = messages.length;
  reserve(n);
  let declined: Map<number, Buffer> | undefined;
  let size = 0;
  let lastTimestamp: unknown;
  let timestampDelta = 0;
  for (let i = 0; i < n; i++) {
    const m = messages[i] as BatchRecord;
    const timestamp = m.timestamp || now;
    if (i === 0 || timestamp !== lastTimestamp) {
      lastTimestamp = timestamp;
      timestampDelta = (timestamp as number) - (firstTimestamp as number);
    }
    recordLengths[PER_RECORD * i + 4] = timestampDelta;
    const bytes = measure(i, i, timestampDelta, m.key, m.value, m.headers);
    if (bytes !== DECLINED) {
      size += bytes;
      continue;
    }
    const record = fallback({
      ...(m as RecordInput),
      key: m.key as Bytes,
      value: m.value as Bytes,
      offsetDelta: i,
      timestampDelta,
    });
    declined ??= new Map();
    declined.set(i, record);
    size += record.length;
  }
  const buf = Buffer.allocUnsafe(size);
  let offset = 0;
  headerCursor = 0;
  for (let i = 0; i < n; i++) {
    const m = messages[i] as BatchRecord;
    if (recordLengths[PER_RECORD * i] === DECLINED) {
      const record = declined?.get(i) as Buffer;
      record.copy(buf, offset);
      offset += record.length;
      continue;
    }
    offset = write(buf, offset, i, i, recordLengths[PER_RECORD * i + 4] as number, m.key, m.value, m.headers);
  }
  return buf;
}

/** One record's bytes, or undefined for one this module leaves to kafkajs (see encodeRecords()). */
export function encodeRecordBytes(input: RecordInput): Buffer | undefined {
  const { offsetDelta = 0, timestampDelta = 0, key, value, headers } = input;
  reserve(1);
  const size = measure(0, offsetDelta, timestampDelta, key, value, headers);
  if (size === DECLINED) return undefined;
  const buf = Buffer.allocUnsafe(size);
  headerCursor = 0;
  write(buf, 0, 0, offsetDelta, timestampDelta, key, value, headers);
  return buf;
}
