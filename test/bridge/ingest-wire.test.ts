// Messages packed for the ingest worker come out as they went in: topics, client ids and usernames in any script,
// payloads of any size (the buffer grows), the QoS and the flags, over several batches.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MessagePacker, unpackMessages } from "../../bridge/ingest-wire.js";
import type { InboundMessage } from "../../bridge/records.js";

const message = fc.record(
  {
    topic: fc.string({ unit: "grapheme", minLength: 1, maxLength: 60 }),
    payload: fc.oneof(
      fc.uint8Array({ maxLength: 300 }),
      fc.uint8Array({ minLength: 70_000, maxLength: 90_000 }),
    ),
    qos: fc.constantFrom(0, 1, 2),
    clientId: fc.option(fc.string({ unit: "grapheme", maxLength: 40 }), { nil: undefined }),
    clientIdAssigned: fc.option(fc.constant(true), { nil: undefined }),
    username: fc.option(fc.string({ unit: "grapheme", maxLength: 40 }), { nil: undefined }),
    payloadBytes: fc.option(fc.integer({ min: 0, max: 2 ** 32 - 1 }), { nil: undefined }),
    receivedAt: fc.integer({ min: 0, max: 4_102_444_800_000 }),
  },
  { requiredKeys: ["topic", "payload", "qos", "receivedAt"] },
);

function unpacked(batch: ArrayBuffer | undefined): Array<[number, InboundMessage]> {
  const out: Array<[number, InboundMessage]> = [];
  if (batch) unpackMessages(batch, (seq, msg) => out.push([seq, msg]));
  return out;
}

describe("ingest wire format", () => {
  it("round-trips every field, batch after batch", () => {
    const packer = new MessagePacker();
    fc.assert(
      fc.property(fc.array(message, { minLength: 1, maxLength: 30 }), (raw) => {
        const sent = raw.map((m, i) => {
          const msg: InboundMessage = { ...m, payload: Buffer.from(m.payload), qos: m.qos as 0 | 1 | 2 };
          return [i * 7919 + 1, msg] as [number, InboundMessage];
        });
        for (const [seq, msg] of sent) packer.add(seq, msg);
        expect(packer.count).toBe(sent.length);
        const got = unpacked(packer.take());
        expect(packer.count).toBe(0);
        expect(got).toHaveLength(sent.length);
        got.forEach(([seq, msg], i) => {
          const [wantSeq, want] = sent[i] as [number, InboundMessage];
          expect(seq).toBe(wantSeq);
          expect(msg.topic).toBe(want.topic);
          expect(Buffer.compare(msg.payload, want.payload)).toBe(0);
          expect(msg.qos).toBe(want.qos);
          expect(msg.clientId).toBe(want.clientId);
          expect(msg.clientIdAssigned).toBe(want.clientIdAssigned);
          expect(msg.username).toBe(want.username);
          expect(msg.payloadBytes).toBe(want.payloadBytes);
          expect(msg.receivedAt).toBe(want.receivedAt);
        });
      }),
      { numRuns: 60 },
    );
  });

  it("has nothing to send when nothing was added", () => {
    expect(new MessagePacker().take()).toBeUndefined();
  });

  it("refuses a truncated batch rather than inventing messages", () => {
    const packer = new MessagePacker();
    packer.add(1, { topic: "home/kitchen/temperature", payload: Buffer.from("21.5"), qos: 1, receivedAt: 1 });
    const whole = packer.take() as ArrayBuffer;
    expect(() => unpacked(whole.slice(0, whole.byteLength - 1))).toThrow(/truncated message/);
    expect(() => unpacked(whole.slice(0, 10))).toThrow(/truncated message header/);
  });
});
