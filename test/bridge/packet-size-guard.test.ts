// The packet size guard against an oracle: a stream of MQTT packets, split into chunks anywhere, comes
// out as the same packets with every oversize PUBLISH payload cut to the limit + 1 bytes (header
// rewritten to match), whatever the chunking; other packets over their limit end the connection.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { PacketSizeGuard } from "../../bridge/packet-size-guard.js";

const MAX_PAYLOAD = 10;
const MAX_PACKET = 40;

function varint(n: number): Buffer {
  const out: number[] = [];
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    out.push(b);
  } while (n > 0);
  return Buffer.from(out);
}

interface Publish {
  kind: "publish";
  qos: number;
  topic: string;
  payload: number;
}
interface Other {
  kind: "other";
  type: number;
  body: number;
}

function publishParts(p: Publish, payloadBytes: number): Buffer {
  const topic = Buffer.from(p.topic);
  const head = Buffer.alloc(2);
  head.writeUInt16BE(topic.length);
  const id = p.qos > 0 ? Buffer.from([0x12, 0x34]) : Buffer.alloc(0);
  const payload = Buffer.alloc(payloadBytes, 0x61);
  const body = Buffer.concat([head, topic, id, payload]);
  return Buffer.concat([Buffer.from([0x30 | (p.qos << 1) | 1]), varint(body.length), body]);
}

function encode(packet: Publish | Other): Buffer {
  if (packet.kind === "publish") return publishParts(packet, packet.payload);
  return Buffer.concat([
    Buffer.from([packet.type << 4]),
    varint(packet.body),
    Buffer.alloc(packet.body, 0x62),
  ]);
}

/** What the parser should see: oversize payloads cut to MAX_PAYLOAD + 1 bytes. */
function expected(packet: Publish | Other): Buffer {
  if (packet.kind === "publish" && packet.payload > MAX_PAYLOAD) return publishParts(packet, MAX_PAYLOAD + 1);
  return encode(packet);
}

const publish = fc.record({
  kind: fc.constant("publish" as const),
  qos: fc.constantFrom(0, 1, 2),
  topic: fc.string({ maxLength: 200 }),
  // Sizes around the limit, and far beyond it (a multi-byte length).
  payload: fc.oneof(fc.integer({ min: 0, max: 14 }), fc.integer({ min: 0, max: 40_000 })),
});
// PUBACK, SUBSCRIBE, PINGREQ ... within their limit.
const other = fc.record({
  kind: fc.constant("other" as const),
  type: fc.constantFrom(4, 8, 12, 14),
  body: fc.integer({ min: 0, max: MAX_PACKET }),
});

/** Splits `bytes` at the given cut points (sorted, deduplicated, inside the buffer). */
function chunks(bytes: Buffer, cuts: number[]): Buffer[] {
  const at = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let from = 0;
  for (const c of [...at, bytes.length]) {
    out.push(bytes.subarray(from, c));
    from = c;
  }
  return out.filter((c) => c.length > 0);
}

function run(input: Buffer[]) {
  const cut: number[] = [];
  const tooLarge: number[] = [];
  const guard = new PacketSizeGuard({
    maxPayloadBytes: MAX_PAYLOAD,
    maxPacketBytes: MAX_PACKET,
    onTruncated: (n) => cut.push(n),
    onTooLarge: (n) => tooLarge.push(n),
  });
  const out: Buffer[] = [];
  let error: Error | undefined;
  for (const c of input) {
    const r = guard.transform(c);
    if (r instanceof Error) {
      error = r;
      break;
    }
    out.push(r);
  }
  return {
    output: Buffer.concat(out),
    cut,
    tooLarge,
    error,
    passedAsIs: out.every((o, i) => o === input[i]),
  };
}

describe("PacketSizeGuard", () => {
  it("passes packets on and cuts oversize payloads, however the stream is chunked", () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(publish, other), { minLength: 1, maxLength: 12 }),
        fc.array(fc.nat(), { maxLength: 30 }),
        (packets, cuts) => {
          const stream = Buffer.concat(packets.map(encode));
          const r = run(chunks(stream, cuts));
          expect(r.error).toBeUndefined();
          expect(r.output.equals(Buffer.concat(packets.map(expected)))).toBe(true);
          const cutSizes = packets.flatMap((p) =>
            p.kind === "publish" && p.payload > MAX_PAYLOAD ? [p.payload] : [],
          );
          expect(r.cut).toEqual(cutSizes);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("hands small packets in whole chunks on as they are (no copy)", () => {
    const packets: Publish[] = [
      { kind: "publish", qos: 1, topic: "home/kitchen/light", payload: 3 },
      { kind: "publish", qos: 0, topic: "a", payload: MAX_PAYLOAD },
    ];
    const r = run([Buffer.concat(packets.map(encode))]);
    expect(r.passedAsIs).toBe(true);
  });

  it("ends the connection for another packet over its limit, before its body arrives", () => {
    const subscribe = Buffer.concat([Buffer.from([0x82]), varint(MAX_PACKET + 1)]);
    const r = run([encode({ kind: "other", type: 12, body: 0 }), subscribe]);
    expect(r.error?.message).toMatch(/packet of 41 bytes exceeds the 40-byte limit/);
    expect(r.tooLarge).toEqual([MAX_PACKET + 1]);
  });
});
