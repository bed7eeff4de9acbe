// MQTT messages on their way from the broker thread to the ingest worker (ingest-thread.ts): many
// messages packed into one buffer whose memory is handed over (transferred), not copied object by object.
// Structured cloning would copy the whole pool a small Buffer is a view of, for every payload.
//
// Per message: seq uint32, qos uint8, flags uint8 (1: has a client id, 2: the broker made it up,
// 4: has a username, 8: the payload was cut), receivedAt float64, topic length uint32, client id length
// uint16, payload length uint32, username length uint16, original payload size uint32, then the topic,
// client id and username (UTF-8) and the payload bytes.
import type { InboundMessage } from "./records.js";

const HEADER = 4 + 1 + 1 + 8 + 4 + 2 + 4 + 2 + 4;
const HAS_CLIENT_ID = 1;
const CLIENT_ID_ASSIGNED = 2;
const HAS_USERNAME = 4;
const PAYLOAD_CUT = 8;

export class MessagePacker {
  #buf = Buffer.allocUnsafe(64 * 1024);
  #used = 0;
  #count = 0;

  /** Bytes packed so far. */
  get size(): number {
    return this.#used;
  }

  get count(): number {
    return this.#count;
  }

  add(seq: number, msg: InboundMessage): void {
    const clientId = msg.clientId;
    const username = msg.username;
    // UTF-8 takes at most 3 bytes per UTF-16 unit.
    const most =
      HEADER +
      (msg.topic.length + (clientId?.length ?? 0) + (username?.length ?? 0)) * 3 +
      msg.payload.length;
    if (this.#used + most > this.#buf.length) {
      const bigger = Buffer.allocUnsafe(Math.max(this.#buf.length * 2, this.#used + most));
      this.#buf.copy(bigger, 0, 0, this.#used);
      this.#buf = bigger;
    }
    const b = this.#buf;
    const at = this.#used;
    b.writeUInt32LE(seq, at);
    b[at + 4] = msg.qos;
    b[at + 5] =
      (clientId === undefined ? 0 : HAS_CLIENT_ID) |
      (msg.clientIdAssigned ? CLIENT_ID_ASSIGNED : 0) |
      (username === undefined ? 0 : HAS_USERNAME) |
      (msg.payloadBytes === undefined ? 0 : PAYLOAD_CUT);
    b.writeDoubleLE(msg.receivedAt, at + 6);
    let off = at + HEADER;
    const topicBytes = b.write(msg.topic, off, "utf8");
    off += topicBytes;
    const clientIdBytes = clientId === undefined ? 0 : b.write(clientId, off, "utf8");
    off += clientIdBytes;
    const usernameBytes = username === undefined ? 0 : b.write(username, off, "utf8");
    off += usernameBytes;
    msg.payload.copy(b, off);
    off += msg.payload.length;
    b.writeUInt32LE(topicBytes, at + 14);
    b.writeUInt16LE(clientIdBytes, at + 18);
    b.writeUInt32LE(msg.payload.length, at + 20);
    b.writeUInt16LE(usernameBytes, at + 24);
    b.writeUInt32LE(msg.payloadBytes ?? 0, at + 26);
    this.#used = off;
    this.#count++;
  }

  /** The packed messages in memory of their own (to transfer), or undefined when there are none; resets. */
  take(): ArrayBuffer | undefined {
    if (this.#count === 0) return undefined;
    const out = new ArrayBuffer(this.#used);
    new Uint8Array(out).set(this.#buf.subarray(0, this.#used));
    this.#used = 0;
    this.#count = 0;
    // A burst's big buffer is not kept for good.
    if (this.#buf.length > 4 * 1024 * 1024) this.#buf = Buffer.allocUnsafe(64 * 1024);
    return out;
  }
}

/** Calls `each` for every message of a packed batch, in order. Payloads are views of `batch`. */
export function unpackMessages(batch: ArrayBuffer, each: (seq: number, msg: InboundMessage) => void): void {
  const b = Buffer.from(batch);
  let at = 0;
  while (at < b.length) {
    if (b.length - at < HEADER) throw new Error(`truncated message header at byte ${at}`);
    const seq = b.readUInt32LE(at);
    const qos = b[at + 4] as 0 | 1 | 2;
    const flags = b[at + 5] as number;
    const receivedAt = b.readDoubleLE(at + 6);
    const topicBytes = b.readUInt32LE(at + 14);
    const clientIdBytes = b.readUInt16LE(at + 18);
    const payloadBytes = b.readUInt32LE(at + 20);
    const usernameBytes = b.readUInt16LE(at + 24);
    let off = at + HEADER;
    const end = off + topicBytes + clientIdBytes + usernameBytes + payloadBytes;
    if (end > b.length) throw new Error(`truncated message at byte ${at}`);
    const topic = b.toString("utf8", off, off + topicBytes);
    off += topicBytes;
    const clientId = flags & HAS_CLIENT_ID ? b.toString("utf8", off, off + clientIdBytes) : undefined;
    off += clientIdBytes;
    const username = flags & HAS_USERNAME ? b.toString("utf8", off, off + usernameBytes) : undefined;
    off += usernameBytes;
    const msg: InboundMessage = { topic, payload: b.subarray(off, off + payloadBytes), qos, receivedAt };
    if (clientId !== undefined) msg.clientId = clientId;
    if (username !== undefined) msg.username = username;
    if (flags & PAYLOAD_CUT) msg.payloadBytes = b.readUInt32LE(at + 26);
    if (flags & CLIENT_ID_ASSIGNED) msg.clientIdAssigned = true;
    at = end;
    each(seq, msg);
  }
}

/** Requests the bridge thread makes of the ingest worker; each is answered with a `reply`. */
export type WorkerCall =
  | { op: "drain"; timeoutMs: number }
  | { op: "abandon" }
  | { op: "metrics" }
  | { op: "close"; timeoutMs: number };

export type ToWorker = { batch: ArrayBuffer } | ({ call: number } & WorkerCall);

export type FromWorker =
  | { ready: true }
  | { failed: string }
  /** QoS 1/2 outcomes (seq when Kafka has the records, -seq when the bridge stopped first) and how
   *  many QoS 0 messages were handed to Kafka or dropped since the last report. */
  | { acks: Int32Array; qos0: number }
  | { reachable: boolean }
  /** One log line (pino JSON) for the bridge thread's logger. */
  | { log: string }
  | { reply: number; value: unknown };
