// Keeps oversize packets from being buffered whole by the MQTT parser (a client could otherwise make the
// broker hold a 256 MB packet, the protocol's maximum, in memory):
// - a PUBLISH whose payload is over the limit is cut on the way in: the parser gets the same packet
//   (fixed header flags, topic, packet id) with only the first `maxPayloadBytes + 1` payload bytes, and
//   the rest is skipped as it arrives. The bridge then dead-letters it as payload_too_large, keeping the
//   first bytes and the original size, and acknowledges it like any rejected message: the device does
//   not send it again and again, and the connection stays up.
// - any other packet over `maxPacketBytes` (a CONNECT or SUBSCRIBE that large is no device's) ends the
//   connection before it is buffered.
import type { Duplex } from "node:stream";

export interface PacketSizeLimits {
  /** Payloads larger than this reach the broker cut to this + 1 bytes. */
  maxPayloadBytes: number;
  /** Other packets larger than this end the connection. */
  maxPacketBytes: number;
  /** A PUBLISH was cut: its payload had `payloadBytes` bytes. Called before the parser sees it. */
  onTruncated(payloadBytes: number): void;
  /** A packet of `length` bytes ended the connection. */
  onTooLarge(length: number): void;
}

const PUBLISH = 3;

function varint(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    out.push(b);
  } while (n > 0);
  return out;
}

/**
 * The framing state machine over the bytes of one connection. `transform` takes each chunk the socket
 * gives and returns what the parser should see: the chunk itself in the common case (nothing cut, no
 * header split across chunks), else a new buffer; or an Error when the connection must end.
 */
export class PacketSizeGuard {
  // 0 = expecting a fixed header byte, 1 = reading the length varint, 2 = reading a PUBLISH's topic and
  // packet id (only when its payload may be over the limit), 3 = passing a body on, 4 = skipping bytes.
  #state = 0;
  #length = 0;
  #multiplier = 1;
  /** Bytes to pass on (state 3), then bytes to skip (state 4). */
  #pass = 0;
  #skip = 0;
  /** The current packet's header bytes (fixed header, length, and in state 2 topic and packet id). */
  #held = Buffer.allocUnsafe(16);
  #heldLen = 0;
  /** Where the held header starts in the current chunk; -1 when it began in an earlier one. */
  #heldStart = -1;
  /** Held bytes the PUBLISH needs before its payload size is known (through the packet id). */
  #need = 0;
  #topicKnown = false;

  constructor(private readonly limits: PacketSizeLimits) {}

  transform(chunk: Buffer): Buffer | Error {
    const out: Buffer[] = [];
    let seg = 0; // chunk[seg, i) is passed on as it is, unless held
    let touched = false;
    const n = chunk.length;
    let i = 0;
    while (i < n) {
      switch (this.#state) {
        case 3: {
          const k = Math.min(this.#pass, n - i);
          this.#pass -= k;
          i += k;
          if (this.#pass === 0) this.#state = this.#skip > 0 ? 4 : 0;
          break;
        }
        case 4: {
          const k = Math.min(this.#skip, n - i);
          out.push(chunk.subarray(seg, i));
          this.#skip -= k;
          i += k;
          seg = i;
          touched = true;
          if (this.#skip === 0) this.#state = 0;
          break;
        }
        case 0: {
          this.#heldStart = i;
          this.#heldLen = 0;
          this.#hold(chunk[i++] as number);
          this.#length = 0;
          this.#multiplier = 1;
          this.#state = 1;
          break;
        }
        case 1: {
          const byte = chunk[i++] as number;
          this.#hold(byte);
          this.#length += (byte & 0x7f) * this.#multiplier;
          this.#multiplier *= 128;
          if (byte & 0x80) {
            // A fifth length byte is malformed [MQTT-2.2.3]: the parser reports it.
            if (this.#multiplier > 128 ** 3 && this.#release(out, 0)) {
              touched = true;
              seg = i;
            }
            break;
          }
          const type = (this.#held[0] as number) >> 4;
          // A PUBLISH's payload is at most its length minus the 2-byte topic length.
          if (type === PUBLISH && this.#length > this.limits.maxPayloadBytes + 2) {
            this.#need = this.#heldLen + 2;
            this.#topicKnown = false;
            this.#state = 2;
            break;
          }
          if (type !== PUBLISH && this.#length > this.limits.maxPacketBytes) {
            this.limits.onTooLarge(this.#length);
            return new Error(
              `packet of ${this.#length} bytes exceeds the ${this.limits.maxPacketBytes}-byte limit`,
            );
          }
          if (this.#release(out, this.#length)) {
            touched = true;
            seg = i;
          }
          break;
        }
        case 2: {
          this.#hold(chunk[i++] as number);
          if (this.#heldLen < this.#need) break;
          const headerEnd = this.#headerEnd();
          if (!this.#topicKnown) {
            // The topic length is known: the topic and (QoS > 0) the packet id follow.
            this.#topicKnown = true;
            const qos = ((this.#held[0] as number) >> 1) & 3;
            this.#need += this.#held.readUInt16BE(headerEnd) + (qos > 0 ? 2 : 0);
            if (this.#need - headerEnd > this.#length) {
              // Malformed (a topic longer than the packet): the parser reports it.
              if (this.#release(out, this.#length - (this.#heldLen - headerEnd))) {
                touched = true;
                seg = i;
              }
              break;
            }
            if (this.#heldLen < this.#need) break;
          }
          const varHeader = this.#need - headerEnd;
          const payload = this.#length - varHeader;
          if (payload <= this.limits.maxPayloadBytes) {
            if (this.#release(out, payload)) {
              touched = true;
              seg = i;
            }
            break;
          }
          // Cut: the same packet with the first maxPayloadBytes + 1 payload bytes; the rest is skipped.
          const keep = this.limits.maxPayloadBytes + 1;
          this.limits.onTruncated(payload);
          if (this.#heldStart >= 0) out.push(chunk.subarray(seg, this.#heldStart));
          out.push(
            Buffer.from([this.#held[0] as number, ...varint(varHeader + keep)]),
            Buffer.from(this.#held.subarray(headerEnd, this.#need)),
          );
          touched = true;
          seg = i;
          this.#pass = keep;
          this.#skip = payload - keep;
          this.#state = 3;
          this.#shrinkHeld();
          break;
        }
      }
    }
    if (this.#state === 1 || this.#state === 2) {
      // A header split across chunks: held back (copied) until the rest arrives.
      if (this.#heldStart >= 0) {
        out.push(chunk.subarray(seg, this.#heldStart));
        this.#heldStart = -1;
      }
      seg = n;
      touched = true;
    }
    if (!touched) return chunk;
    out.push(chunk.subarray(seg, n));
    return out.length === 1 ? (out[0] as Buffer) : Buffer.concat(out);
  }

  #hold(byte: number): void {
    if (this.#heldLen === this.#held.length) {
      const bigger = Buffer.allocUnsafe(this.#held.length * 2);
      this.#held.copy(bigger);
      this.#held = bigger;
    }
    this.#held[this.#heldLen++] = byte;
  }

  /** Where the fixed header (type byte and length varint) ends in the held bytes. */
  #headerEnd(): number {
    let k = 1;
    while ((this.#held[k] as number) & 0x80) k++;
    return k + 1;
  }

  /** A long topic's header buffer is not kept for the connection's lifetime. */
  #shrinkHeld(): void {
    if (this.#held.length > 1024) this.#held = Buffer.allocUnsafe(16);
  }

  /**
   * The held header goes on unchanged, then `rest` body bytes. Returns true when it had to be pushed as
   * a copy (it began in an earlier chunk), so the caller moves its segment start past it.
   */
  #release(out: Buffer[], rest: number): boolean {
    this.#pass = rest;
    this.#skip = 0;
    this.#state = rest > 0 ? 3 : 0;
    if (this.#heldStart >= 0) return false; // all in this chunk, still inside chunk[seg, i)
    out.push(Buffer.from(this.#held.subarray(0, this.#heldLen)));
    this.#shrinkHeld();
    return true;
  }
}

/**
 * Applies a PacketSizeGuard to what the broker reads from `stream` (aedes reads with `read()` in paused
 * mode, so the guard wraps that method; no extra stream, no copy in the common case).
 */
export function guardPacketSize(stream: Duplex, limits: PacketSizeLimits): void {
  const guard = new PacketSizeGuard(limits);
  const read = stream.read.bind(stream);
  stream.read = (size?: number) => {
    const chunk = read(size);
    if (!chunk || !Buffer.isBuffer(chunk)) return chunk;
    const out = guard.transform(chunk);
    if (out instanceof Error) {
      stream.destroy(out);
      return null;
    }
    return out;
  };
}
