// A scanner for the reading lines logs are made of, straight from the file's bytes: a flat JSON
// object with exactly the five reading fields, in any order, written compactly (our own wire format)
// or with Python's json.dumps separators (the original producer), plain ASCII strings, a JSON
// number and an ISO timestamp "YYYY-MM-DDTHH:MM:SS[.fraction][Z]". For such a line it gives the
// very result `parseReadingJson` gives, without building a string per line, JSON.parse, zod or the
// timestamp regex. Any other line, valid or not (escapes, other fields, an offset, an error to
// report), it declines, and the caller parses the line the general way: that path alone words the
// errors. A property test holds the two together.
import type { TimedReading } from "@homestream/core/reading";
import { BINARY_SENSOR_TYPES, MAX_NAME_LENGTH } from "@homestream/core/reading-rules";
import { parseTimestamp } from "@homestream/core/time";

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const SPACE = 0x20;
const TAB = 0x09;
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

/** The keys as they are written, quotes included. */
const KEY_ROOM = Buffer.from('"room"');
const KEY_SENSOR = Buffer.from('"sensor_type"');
const KEY_VALUE = Buffer.from('"value"');
const KEY_TIMESTAMP = Buffer.from('"timestamp"');
const KEY_DEVICE = Buffer.from('"device_id"');

/** Powers of ten exactly representable as doubles (10^0..10^22). */
const POW10: number[] = Array.from({ length: 23 }, (_, i) => 10 ** i);

/** ".000Z" .. ".999Z": a canonical timestamp's tail by milliseconds. */
const MS_TAIL: string[] = Array.from({ length: 1000 }, (_, i) => `.${String(i).padStart(3, "0")}Z`);

const INTERN_SLOTS = 1024;

export class ReadingLineScanner {
  private readonly utc: boolean;
  private buf: Buffer = Buffer.alloc(0);
  private pos = 0;
  private end = 0;
  /** Strings seen before (rooms, sensor types, device ids), by a hash of their bytes. */
  private readonly interned: Array<string | undefined> = new Array(INTERN_SLOTS);
  /** The last timestamp's "YYYY-MM-DDTHH:MM:SS" and the wall-clock second it stands for. */
  private lastSecondText = "";
  private lastSecond = Number.NaN;

  // One scan's results (fields rather than objects: no allocation until the reading).
  private strStart = 0;
  private strEnd = 0;
  private num = 0;

  constructor(private readonly timeZone: string) {
    this.utc = timeZone === "UTC" || timeZone === "Etc/UTC";
  }

  /** The reading on bytes [start, end) of `buf`, or undefined when the line needs the general parser. */
  scan(buf: Buffer, start: number, end: number): TimedReading | undefined {
    this.buf = buf;
    this.pos = start;
    this.end = end;
    this.skipSpace();
    if (this.pos >= end || buf[this.pos] !== OPEN) return undefined;
    this.pos++;

    let seen = 0;
    let room = "";
    let sensorType = "";
    let deviceId = "";
    let value = 0;
    let tsStart = 0;
    let tsEnd = 0;
    for (;;) {
      this.skipSpace();
      const field = this.key();
      if (field === 0 || (seen & field) !== 0) return undefined;
      seen |= field;
      this.skipSpace();
      if (this.pos >= end || buf[this.pos] !== COLON) return undefined;
      this.pos++;
      this.skipSpace();
      if (field === FIELD_VALUE) {
        if (!this.number()) return undefined;
        value = this.num;
      } else {
        if (!this.asciiString()) return undefined;
        if (field === FIELD_TIMESTAMP) {
          tsStart = this.strStart;
          tsEnd = this.strEnd;
        } else {
          const name = this.internedString();
          if (name === undefined) return undefined;
          if (field === FIELD_ROOM) room = name;
          else if (field === FIELD_SENSOR) sensorType = name;
          else deviceId = name;
        }
      }
      this.skipSpace();
      if (this.pos >= end) return undefined;
      const c = buf[this.pos++];
      if (c === CLOSE) break;
      if (c !== COMMA) return undefined;
    }
    if (seen !== ALL_FIELDS) return undefined;
    // After the object: blanks, and a CR where the line ended in CRLF.
    this.skipSpace();
    if (this.pos < end && buf[this.pos] === CR && this.pos === end - 1) this.pos++;
    if (this.pos !== end) return undefined;

    if (!Number.isFinite(value)) return undefined;
    if (BINARY_SENSOR_TYPES.has(sensorType) && value !== 0 && value !== 1) return undefined;
    return this.timed(room, sensorType, value, deviceId, tsStart, tsEnd);
  }

  private skipSpace(): void {
    const buf = this.buf;
    while (this.pos < this.end) {
      const c = buf[this.pos];
      if (c !== SPACE && c !== TAB) return;
      this.pos++;
    }
  }

  /** A quoted key: which reading field it names, or 0 (any other key declines the line). */
  private key(): number {
    const buf = this.buf;
    const at = this.pos;
    if (at + 1 >= this.end || buf[at] !== QUOTE) return 0;
    let field: number;
    let text: Uint8Array;
    switch (buf[at + 1]) {
      case 0x72: // r
        field = FIELD_ROOM;
        text = KEY_ROOM;
        break;
      case 0x73: // s
        field = FIELD_SENSOR;
        text = KEY_SENSOR;
        break;
      case 0x76: // v
        field = FIELD_VALUE;
        text = KEY_VALUE;
        break;
      case 0x74: // t
        field = FIELD_TIMESTAMP;
        text = KEY_TIMESTAMP;
        break;
      case 0x64: // d
        field = FIELD_DEVICE;
        text = KEY_DEVICE;
        break;
      default:
        return 0;
    }
    // The whole key with both quotes: "roomy" or an escape in a key does not match.
    if (at + text.length > this.end) return 0;
    for (let i = 2; i < text.length; i++) if (buf[at + i] !== text[i]) return 0;
    this.pos = at + text.length;
    return field;
  }

  /**
   * A string of printable ASCII without escapes, its content's bounds in strStart/strEnd and a
   * hash of it in num. Anything else (an escape, a control or non-ASCII byte) declines.
   */
  private asciiString(): boolean {
    const buf = this.buf;
    const end = this.end;
    if (this.pos >= end || buf[this.pos] !== QUOTE) return false;
    const start = ++this.pos;
    let hash = 0x811c9dc5;
    for (let i = start; i < end; i++) {
      const c = buf[i] as number;
      if (c === QUOTE) {
        this.strStart = start;
        this.strEnd = i;
        this.pos = i + 1;
        this.num = hash;
        return true;
      }
      if (c < SPACE || c > 0x7e || c === BACKSLASH) return false;
      hash = Math.imul(hash ^ c, 0x01000193);
    }
    return false;
  }

  /** The last string scanned as a name (1..MAX_NAME_LENGTH printable characters), interned. */
  private internedString(): string | undefined {
    const start = this.strStart;
    const length = this.strEnd - start;
    if (length === 0 || length > MAX_NAME_LENGTH) return undefined;
    const slot = (this.num >>> 0) & (INTERN_SLOTS - 1);
    const known = this.interned[slot];
    if (known !== undefined && known.length === length) {
      const buf = this.buf;
      let same = true;
      for (let i = 0; i < length; i++) {
        if (buf[start + i] !== known.charCodeAt(i)) {
          same = false;
          break;
        }
      }
      if (same) return known;
    }
    const text = this.buf.toString("latin1", start, this.strEnd);
    this.interned[slot] = text;
    return text;
  }

  /** A JSON number (RFC 8259 grammar) into num, or false. */
  private number(): boolean {
    const buf = this.buf;
    const end = this.end;
    const start = this.pos;
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
    if (i === intStart) return false;
    if (buf[intStart] === ZERO && i - intStart > 1) return false; // no leading zeros in JSON
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
      if (fractionDigits === 0) return false;
    }
    let exponent = false;
    if (i < end && (buf[i] === 0x65 || buf[i] === 0x45)) {
      // Rare in logs: exact conversion of the text, as JSON.parse does it.
      i++;
      if (i < end && (buf[i] === 0x2b || buf[i] === MINUS)) i++;
      const expStart = i;
      while (i < end && (buf[i] as number) >= ZERO && (buf[i] as number) <= NINE) i++;
      if (i === expStart) return false;
      exponent = true;
    }
    this.pos = i;
    const scale = fractionDigits;
    if (digits <= 15 && scale <= 22 && !exponent) {
      // Both exact doubles, so one division is the correctly rounded result (Clinger's fast path),
      // the same double JSON.parse gives.
      const magnitude = scale === 0 ? mantissa : mantissa / (POW10[scale] as number);
      this.num = negative ? -magnitude : magnitude;
    } else {
      this.num = Number(buf.toString("latin1", start, i));
    }
    return true;
  }

  /** The reading with its timestamp parsed from bytes [start, end), or undefined. */
  private timed(
    room: string,
    sensorType: string,
    value: number,
    deviceId: string,
    start: number,
    end: number,
  ): TimedReading | undefined {
    const buf = this.buf;
    const length = end - start;
    if (length < 19) return undefined;
    if (
      buf[start + 4] !== MINUS ||
      buf[start + 7] !== MINUS ||
      buf[start + 10] !== 0x54 /* T */ ||
      buf[start + 13] !== COLON ||
      buf[start + 16] !== COLON
    ) {
      return undefined;
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
      return undefined;
    }
    let i = start + 19;
    let ms = 0;
    if (i < end && buf[i] === DOT) {
      i++;
      const fracStart = i;
      while (i < end && (buf[i] as number) >= ZERO && (buf[i] as number) <= NINE) i++;
      const n = i - fracStart;
      if (n < 1 || n > 9) return undefined;
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
    if (i !== end) return undefined;
    const wallSecond = Date.UTC(year, month - 1, day, hour, minute, second);
    // The day must exist in its month (Date.UTC rolls 2026-02-30 over into March).
    if (day > 28 && new Date(wallSecond).getUTCDate() !== day) return undefined;

    let time: number;
    let timestamp: string;
    if (zulu || this.utc) {
      time = wallSecond + ms;
      if (wallSecond !== this.lastSecond) {
        this.lastSecond = wallSecond;
        this.lastSecondText = buf.toString("latin1", start, start + 19);
      }
      timestamp = this.lastSecondText + MS_TAIL[ms];
    } else {
      // A naive time in another zone: the schema's own zone arithmetic on this one string.
      const parsed = parseTimestamp(buf.toString("latin1", start, end), this.timeZone);
      if (!parsed.ok) return undefined;
      time = parsed.epochMs;
      timestamp = new Date(time).toISOString();
    }
    return {
      reading: { room, sensor_type: sensorType, value, timestamp, device_id: deviceId },
      time,
    };
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
