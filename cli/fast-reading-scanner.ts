// A scanner for the reading lines logs are made of, straight from the file's bytes: a flat JSON
// object with exactly the five reading fields, in any order, written compactly (our own wire format)
// or with Python's json.dumps separators (the original producer), plain ASCII strings, a JSON
// number and an ISO timestamp "YYYY-MM-DDTHH:MM:SS[.fraction][Z]". For such a line it gives the
// very result `parseReadingJson` gives, without building a string per line, JSON.parse, zod or the
// timestamp regex. Any other line, valid or not (escapes, other fields, an offset, an error to
// report), it declines, and the caller parses the line the general way: that path alone words the
// errors. A property test holds the two together.
//
// Logs repeat themselves: the same keys, a few names, a hundred readings within one second. So
// the bytes are compared four at a time against what was read before: keys against their text, a
// name against the names seen before that start with the same four bytes, a timestamp's
// "YYYY-MM-DDTHH:MM:SS" against the last one (whose parse then stands). A name seen for the first
// time is checked byte by byte once.
import type { TimedReading } from "@homestream/core/reading";
import { BINARY_SENSOR_TYPES, MAX_NAME_LENGTH } from "@homestream/core/reading-rules";
import { parseTimestamp } from "@homestream/core/time";

const QUOTE = 0x22;
const SPACE = 0x20;
const TAB = 0x09;
const LF = 0x0a;
const CR = 0x0d;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN = 0x7b;
const CLOSE = 0x7d;
const MINUS = 0x2d;
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;

const FIELD_ROOM = 1;
const FIELD_SENSOR = 2;
const FIELD_VALUE = 4;
const FIELD_TIMESTAMP = 8;
const FIELD_DEVICE = 16;
const ALL_FIELDS = 31;

/** Bytes that end a plain string or decline it: the quote, a backslash, controls, DEL, non-ASCII. */
const STRING_STOP = new Uint8Array(256);
for (let c = 0; c < 256; c++) STRING_STOP[c] = c < SPACE || c === QUOTE || c === 0x5c || c > 0x7e ? 1 : 0;

/** Powers of ten exactly representable as doubles (10^0..10^22). */
const POW10: number[] = Array.from({ length: 23 }, (_, i) => 10 ** i);

/** ".000Z" .. ".999Z": a canonical timestamp's tail by milliseconds. */
const MS_TAIL: string[] = Array.from({ length: 1000 }, (_, i) => `.${String(i).padStart(3, "0")}Z`);

/**
 * A run of bytes to compare four at a time: its whole 32-bit words (little-endian), then, when
 * the length is not a multiple of four, the word ending at its last byte (overlapping the one
 * before). Runs shorter than four bytes are compared byte by byte.
 */
class ByteRun {
  readonly length: number;
  readonly bytes: Uint8Array;
  readonly words: Uint32Array;
  readonly lastWord: number;

  constructor(bytes: Uint8Array) {
    this.bytes = bytes;
    this.length = bytes.length;
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.words = new Uint32Array(bytes.length >> 2);
    for (let w = 0; w < this.words.length; w++) this.words[w] = view.getUint32(w * 4, true);
    this.lastWord = bytes.length >= 4 ? view.getUint32(bytes.length - 4, true) : 0;
  }
}

/** A name seen before: its text, its bytes and a number of its own. */
class Name extends ByteRun {
  constructor(
    readonly text: string,
    bytes: Uint8Array,
    readonly id: number,
  ) {
    super(bytes);
  }
}

/**
 * A line's shape: its five fields in order and the bytes around their values (braces, keys, colons,
 * commas and blanks, exactly as written), learned from a line read field by field. A line made of
 * the same bytes around values that read the same way is read value by value, with no key to find.
 */
class Layout {
  constructor(
    /** The fields in the order written. */
    readonly fields: Uint8Array,
    /** Before each field's value, then from the last value to just past the "}". */
    readonly runs: ByteRun[],
  ) {}
}

/** Layouts kept: a log mostly has one, some two (our form and the producer's mixed). */
const LAYOUTS = 2;
/** Once this many layouts were learned, at most one more every LEARN_EVERY lines (a log of shapeless lines learns little). */
const LEARN_FREELY = 8;
const LEARN_EVERY = 32;

const KEY_ROOM = new ByteRun(Buffer.from('"room"'));
const KEY_SENSOR = new ByteRun(Buffer.from('"sensor_type"'));
const KEY_VALUE = new ByteRun(Buffer.from('"value"'));
const KEY_TIMESTAMP = new ByteRun(Buffer.from('"timestamp"'));
const KEY_DEVICE = new ByteRun(Buffer.from('"device_id"'));

/**
 * Names by their first four bytes, their field and the name read before them on the line (a device
 * id mostly follows its sensor type): two candidates each, the latest first.
 */
const RECENT_SLOTS = 4096;
/** Names by a hash of all their bytes, for a name missing from its recent slot. */
const KNOWN_SLOTS = 4096;

export class ReadingLineScanner {
  private readonly utc: boolean;
  private buf: Buffer = Buffer.alloc(0);
  private view: DataView<ArrayBufferLike> = new DataView(new ArrayBuffer(0));
  private end = 0;
  private readonly recent: Array<Name | undefined> = new Array(RECENT_SLOTS).fill(undefined);
  private readonly known: Array<Name | undefined> = new Array(KNOWN_SLOTS).fill(undefined);
  private names = 0;
  /** The latest layouts learned, the latest first. */
  private readonly layouts: Layout[] = [];
  private learned = 0;
  private sinceLearned = 0;
  // Where the field-by-field reading found each value, to learn the line's layout from.
  private readonly order = new Uint8Array(5);
  private readonly valueStart = new Int32Array(5);
  private readonly valueEnd = new Int32Array(5);
  /** The last name read on this line, 0 at its start. */
  private previousName = 0;
  /** The last timestamp's "YYYY-MM-DDTHH:MM:SS" (text, and bytes as words) and its wall-clock second, -1 before any. */
  private lastSecondText = "";
  private readonly lastSecondWords = new Uint32Array(5);
  private lastSecond = -1;

  // One scan's results (fields rather than objects: no allocation until the reading).
  private room = "";
  private sensorType = "";
  private deviceId = "";
  private value = 0;
  private name = "";
  private time = 0;
  private timestamp = "";

  /** After a line taken by `scanLine`: the index just past its "\n". */
  next = 0;

  constructor(private readonly timeZone: string) {
    this.utc = timeZone === "UTC" || timeZone === "Etc/UTC";
  }

  /** The reading on bytes [start, end) of `buf` (a line without its "\n"), or undefined when the line needs the general parser. */
  scan(buf: Buffer, start: number, end: number): TimedReading | undefined {
    this.bind(buf, end);
    let pos = this.object(start);
    if (pos < 0) return undefined;
    // After the object: a CR where the line ended in CRLF.
    if (pos === end - 1 && buf[pos] === CR) pos++;
    if (pos !== end) return undefined;
    return this.reading();
  }

  /**
   * The reading on the line starting at `start`, ended by a "\n" before `limit`; `next` is then the
   * index past that "\n". Undefined when the line needs the general parser or has no "\n" before
   * `limit`: the caller cuts it itself. What it takes, `scan` takes over the line's bytes too.
   */
  scanLine(buf: Buffer, start: number, limit: number): TimedReading | undefined {
    this.bind(buf, limit);
    let pos = this.object(start);
    if (pos < 0) return undefined;
    if (pos < limit && buf[pos] === CR) pos++;
    if (pos >= limit || buf[pos] !== LF) return undefined;
    this.next = pos + 1;
    return this.reading();
  }

  private bind(buf: Buffer, end: number): void {
    if (buf !== this.buf) {
      this.buf = buf;
      this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    }
    this.end = end;
  }

  private reading(): TimedReading {
    return {
      reading: {
        room: this.room,
        sensor_type: this.sensorType,
        value: this.value,
        timestamp: this.timestamp,
        device_id: this.deviceId,
      },
      time: this.time,
    };
  }

  /** The object at `start` (blanks before and after it skipped): its fields read, the index after it; or -1. */
  private object(start: number): number {
    this.sinceLearned++;
    const layouts = this.layouts;
    for (let i = 0; i < layouts.length; i++) {
      const pos = this.objectAs(start, layouts[i] as Layout);
      if (pos >= 0) return pos;
    }
    const pos = this.objectByFields(start);
    if (pos >= 0 && (this.learned < LEARN_FREELY || this.sinceLearned >= LEARN_EVERY)) this.learn(start);
    return pos;
  }

  /** The object at `start` read as `layout` says: the index after it (and blanks), or -1. */
  private objectAs(start: number, layout: Layout): number {
    const end = this.end;
    const fields = layout.fields;
    const runs = layout.runs;
    this.previousName = 0;
    let pos = start;
    for (let i = 0; i < 5; i++) {
      const run = runs[i] as ByteRun;
      if (pos + run.length > end || !this.matches(pos, run)) return -1;
      pos += run.length;
      pos = this.fieldValue(pos, fields[i] as number);
      if (pos < 0) return -1;
    }
    const close = runs[5] as ByteRun;
    if (pos + close.length > end || !this.matches(pos, close)) return -1;
    return this.checked(pos + close.length);
  }

  /** The value of `field` at `pos`, kept in its member: the index after it, or -1. */
  private fieldValue(pos: number, field: number): number {
    if (field === FIELD_VALUE) {
      const after = this.number(pos);
      if (after >= 0) this.value = this.num;
      return after;
    }
    if (field === FIELD_TIMESTAMP) return this.timestampString(pos);
    const after = this.nameString(pos, field);
    if (after < 0) return -1;
    if (field === FIELD_ROOM) this.room = this.name;
    else if (field === FIELD_SENSOR) this.sensorType = this.name;
    else this.deviceId = this.name;
    return after;
  }

  /** The layout of the line at `start`, just read field by field. */
  private learn(start: number): void {
    const buf = this.buf;
    const runs: ByteRun[] = [];
    let from = start;
    for (let i = 0; i < 5; i++) {
      runs.push(new ByteRun(Uint8Array.from(buf.subarray(from, this.valueStart[i]))));
      from = this.valueEnd[i] as number;
    }
    runs.push(new ByteRun(Uint8Array.from(buf.subarray(from, this.closeEnd))));
    if (this.layouts.length >= LAYOUTS) this.layouts.pop();
    this.layouts.unshift(new Layout(Uint8Array.from(this.order), runs));
    this.learned++;
    this.sinceLearned = 0;
  }

  /** Index just past the "}" of the object last read field by field. */
  private closeEnd = 0;

  /** The object at `start`, read key by key: the index after it (and blanks), or -1. */
  private objectByFields(start: number): number {
    const buf = this.buf;
    const end = this.end;
    let pos = this.skipSpace(start);
    if (pos >= end || buf[pos] !== OPEN) return -1;
    pos++;
    this.previousName = 0;
    let seen = 0;
    let fieldsRead = 0;
    for (;;) {
      pos = this.skipSpace(pos);
      const field = this.key(pos);
      if (field === 0 || (seen & field) !== 0) return -1;
      seen |= field;
      pos = this.skipSpace(this.afterKey);
      if (pos >= end || buf[pos] !== COLON) return -1;
      pos = this.skipSpace(pos + 1);
      const k = fieldsRead++;
      this.order[k] = field;
      this.valueStart[k] = pos;
      pos = this.fieldValue(pos, field);
      if (pos < 0) return -1;
      this.valueEnd[k] = pos;
      pos = this.skipSpace(pos);
      if (pos >= end) return -1;
      const c = buf[pos++];
      if (c === CLOSE) break;
      if (c !== COMMA) return -1;
    }
    if (seen !== ALL_FIELDS) return -1;
    this.closeEnd = pos;
    return this.checked(pos);
  }

  /** The checks of a value beyond its syntax (as the schema makes them): the index after blanks from `pos`, or -1. */
  private checked(pos: number): number {
    const value = this.value;
    if (!Number.isFinite(value)) return -1;
    if (value !== 0 && value !== 1 && BINARY_SENSOR_TYPES.has(this.sensorType)) return -1;
    return this.skipSpace(pos);
  }

  private skipSpace(from: number): number {
    const buf = this.buf;
    const end = this.end;
    let pos = from;
    while (pos < end) {
      const c = buf[pos];
      if (c !== SPACE && c !== TAB) break;
      pos++;
    }
    return pos;
  }

  /** Whether bytes at `at` are `run`'s; the caller has checked that `at + run.length <= end`. */
  private matches(at: number, run: ByteRun): boolean {
    const length = run.length;
    if (length < 4) {
      const buf = this.buf;
      const bytes = run.bytes;
      for (let i = 0; i < length; i++) if (buf[at + i] !== bytes[i]) return false;
      return true;
    }
    const view = this.view;
    const words = run.words;
    for (let w = 0; w < words.length; w++) if (view.getUint32(at + w * 4, true) !== words[w]) return false;
    return (length & 3) === 0 || view.getUint32(at + length - 4, true) === run.lastWord;
  }

  /** Index after the key ending a `key` call that found one. */
  private afterKey = 0;

  /** A quoted key at `at`: which reading field it names, or 0 (any other key declines the line). */
  private key(at: number): number {
    if (at + 1 >= this.end || this.buf[at] !== QUOTE) return 0;
    let field: number;
    let run: ByteRun;
    switch (this.buf[at + 1]) {
      case 0x72: // r
        field = FIELD_ROOM;
        run = KEY_ROOM;
        break;
      case 0x73: // s
        field = FIELD_SENSOR;
        run = KEY_SENSOR;
        break;
      case 0x76: // v
        field = FIELD_VALUE;
        run = KEY_VALUE;
        break;
      case 0x74: // t
        field = FIELD_TIMESTAMP;
        run = KEY_TIMESTAMP;
        break;
      case 0x64: // d
        field = FIELD_DEVICE;
        run = KEY_DEVICE;
        break;
      default:
        return 0;
    }
    // The whole key with both quotes: "roomy" or an escape in a key does not match.
    if (at + run.length > this.end || !this.matches(at, run)) return 0;
    this.afterKey = at + run.length;
    return field;
  }

  /**
   * A name at `at`: a string of 1..MAX_NAME_LENGTH printable ASCII characters without escapes,
   * into `name`; the index after it, or -1 (anything else declines).
   */
  private nameString(at: number, field: number): number {
    const buf = this.buf;
    const end = this.end;
    if (at >= end || buf[at] !== QUOTE) return -1;
    const start = at + 1;
    // A name read before: the bytes equal it and the quote follows.
    const recent = this.recent;
    let slot = -1;
    if (start + 4 <= end) {
      const first = this.view.getUint32(start, true);
      const h = Math.imul(Math.imul(first ^ field, 0x9e3779b1) ^ this.previousName, 0x85ebca6b);
      slot = (h >>> 20) & (RECENT_SLOTS - 2);
      for (let c = slot; c < slot + 2; c++) {
        const name = recent[c];
        if (name === undefined) break;
        const close = start + name.length;
        if (close < end && buf[close] === QUOTE && this.matches(start, name)) {
          this.name = name.text;
          this.previousName = name.id;
          return close + 1;
        }
      }
    }
    let i = start;
    let hash = 0x811c9dc5;
    for (; i < end; i++) {
      const c = buf[i] as number;
      if (STRING_STOP[c] !== 0) break;
      hash = Math.imul(hash ^ c, 0x01000193);
    }
    if (i >= end || buf[i] !== QUOTE) return -1;
    const length = i - start;
    if (length === 0 || length > MAX_NAME_LENGTH) return -1;
    const knownSlot = (hash >>> 0) & (KNOWN_SLOTS - 1);
    let name = this.known[knownSlot];
    if (name === undefined || name.length !== length || !this.matches(start, name)) {
      name = new Name(
        buf.toString("latin1", start, i),
        Uint8Array.from(buf.subarray(start, i)),
        ++this.names,
      );
      this.known[knownSlot] = name;
    }
    if (slot >= 0) {
      recent[slot + 1] = recent[slot];
      recent[slot] = name;
    }
    this.name = name.text;
    this.previousName = name.id;
    return i + 1;
  }

  private num = 0;

  /** A JSON number (RFC 8259 grammar) at `start` into num; the index after it, or -1. */
  private number(start: number): number {
    const buf = this.buf;
    const end = this.end;
    let i = start;
    let negative = false;
    if (i < end && buf[i] === MINUS) {
      negative = true;
      i++;
    }
    let mantissa = 0;
    let digits = 0;
    let fractionDigits = 0;
    const intStart = i;
    while (i < end) {
      const c = buf[i] as number;
      if (c < ZERO || c > NINE) break;
      mantissa = mantissa * 10 + (c - ZERO);
      digits++;
      i++;
    }
    if (i === intStart) return -1;
    if (buf[intStart] === ZERO && i - intStart > 1) return -1; // no leading zeros in JSON
    if (i < end && buf[i] === DOT) {
      i++;
      const fracStart = i;
      while (i < end) {
        const c = buf[i] as number;
        if (c < ZERO || c > NINE) break;
        mantissa = mantissa * 10 + (c - ZERO);
        digits++;
        i++;
      }
      fractionDigits = i - fracStart;
      if (fractionDigits === 0) return -1;
    }
    let exponent = false;
    if (i < end && (buf[i] === 0x65 || buf[i] === 0x45)) {
      // Rare in logs: exact conversion of the text, as JSON.parse does it.
      i++;
      if (i < end && (buf[i] === 0x2b || buf[i] === MINUS)) i++;
      const expStart = i;
      while (i < end && (buf[i] as number) >= ZERO && (buf[i] as number) <= NINE) i++;
      if (i === expStart) return -1;
      exponent = true;
    }
    const scale = fractionDigits;
    if (digits <= 15 && scale <= 22 && !exponent) {
      // Both exact doubles, so one division is the correctly rounded result (Clinger's fast path),
      // the same double JSON.parse gives.
      const magnitude = scale === 0 ? mantissa : mantissa / (POW10[scale] as number);
      this.num = negative ? -magnitude : magnitude;
    } else {
      this.num = Number(buf.toString("latin1", start, i));
    }
    return i;
  }

  /**
   * A quoted "YYYY-MM-DDTHH:MM:SS[.fraction][Z]" at `at` into `time` and `timestamp`; the index
   * after it, or -1.
   */
  private timestampString(at: number): number {
    const buf = this.buf;
    const end = this.end;
    const start = at + 1;
    if (start + 20 > end || buf[at] !== QUOTE) return -1;
    // The same second as a line before (most lines): its parse stands.
    const last = this.lastSecondWords;
    const view = this.view;
    const same =
      this.lastSecond >= 0 &&
      view.getUint32(start, true) === last[0] &&
      view.getUint32(start + 4, true) === last[1] &&
      view.getUint32(start + 8, true) === last[2] &&
      view.getUint32(start + 12, true) === last[3] &&
      view.getUint32(start + 15, true) === last[4];
    const wallSecond = same ? this.lastSecond : this.wallSecond(start);
    if (wallSecond < 0) return -1;
    let i = start + 19;
    let ms = 0;
    if (buf[i] === DOT) {
      i++;
      const fracStart = i;
      while (i < end && (buf[i] as number) >= ZERO && (buf[i] as number) <= NINE) i++;
      const n = i - fracStart;
      if (n < 1 || n > 9) return -1;
      // Milliseconds: the first three digits, padded (the schema truncates, as toISOString would).
      ms = ((buf[fracStart] as number) - ZERO) * 100;
      if (n > 1) ms += ((buf[fracStart + 1] as number) - ZERO) * 10;
      if (n > 2) ms += (buf[fracStart + 2] as number) - ZERO;
    }
    let zulu = false;
    if (i < end && buf[i] === 0x5a /* Z */) {
      zulu = true;
      i++;
    }
    if (i >= end || buf[i] !== QUOTE) return -1;
    if (!same) {
      this.lastSecond = wallSecond;
      this.lastSecondText = buf.toString("latin1", start, start + 19);
      for (let w = 0; w < 4; w++) last[w] = view.getUint32(start + w * 4, true);
      last[4] = view.getUint32(start + 15, true);
    }
    if (zulu || this.utc) {
      this.time = wallSecond + ms;
      this.timestamp = this.lastSecondText + MS_TAIL[ms];
      return i + 1;
    }
    // A naive time in another zone: the schema's own zone arithmetic on this one string.
    const parsed = parseTimestamp(buf.toString("latin1", start, i), this.timeZone);
    if (!parsed.ok) return -1;
    this.time = parsed.epochMs;
    this.timestamp = new Date(parsed.epochMs).toISOString();
    return i + 1;
  }

  /** The epoch ms of "YYYY-MM-DDTHH:MM:SS" at `start` read as UTC, or -1 when it is not one (or before 1970). */
  private wallSecond(start: number): number {
    const buf = this.buf;
    if (
      buf[start + 4] !== MINUS ||
      buf[start + 7] !== MINUS ||
      buf[start + 10] !== 0x54 /* T */ ||
      buf[start + 13] !== COLON ||
      buf[start + 16] !== COLON
    ) {
      return -1;
    }
    const year = this.digits(start, 4);
    const month = this.digits(start + 5, 2);
    const day = this.digits(start + 8, 2);
    const hour = this.digits(start + 11, 2);
    const minute = this.digits(start + 14, 2);
    const second = this.digits(start + 17, 2);
    if (
      year < 1970 ||
      month < 1 ||
      month > 12 ||
      day < 1 ||
      hour < 0 ||
      hour > 23 ||
      minute < 0 ||
      minute > 59 ||
      second < 0 ||
      second > 59
    ) {
      return -1;
    }
    const wallSecond = Date.UTC(year, month - 1, day, hour, minute, second);
    // The day must exist in its month (Date.UTC rolls 2026-02-30 over into March).
    if (day > 28 && new Date(wallSecond).getUTCDate() !== day) return -1;
    return wallSecond;
  }

  /** The number written by `n` digits at `at`, or -1 if one is not a digit. */
  private digits(at: number, n: number): number {
    const buf = this.buf;
    let v = 0;
    for (let i = at; i < at + n; i++) {
      const d = (buf[i] as number) - ZERO;
      if (d < 0 || d > 9) return -1;
      v = v * 10 + d;
    }
    return v;
  }
}
