// The Produce request encoder that replaces kafkajs's must write exactly kafkajs's bytes (property test
// against kafkajs's own encoder, uncompressed and gzip), and kafkajs must actually be using it once the
// speed-ups are applied (as the app's processes do).
import { createRequire } from "node:module";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { applyKafkajsSpeedups, patched } from "../../kafka/kafkajs-patches.js";
import type { ProduceArgs } from "../../kafka/produce-request.js";
import { encodeRecordBytes } from "../../kafka/record-encoder.js";

type RequestFactory = ((args: ProduceArgs) => {
  apiKey: number;
  apiVersion: number;
  apiName: string;
  expectResponse: () => boolean;
  encode: () => Promise<{ buffer: Buffer }>;
}) & { original?: RequestFactory };

applyKafkajsSpeedups();
const require = createRequire(import.meta.url);
const installed = require("kafkajs/src/protocol/requests/produce/v3/request.js") as RequestFactory;
const kafkajsRequest = installed.original as RequestFactory;
const Long = require("kafkajs/src/utils/long.js") as { fromNumber(n: number): unknown };

const text = fc.string({ unit: "grapheme", maxLength: 200 });
const bytes = fc.uint8Array({ maxLength: 200 }).map((a) => Buffer.from(a));
const headerValue = fc.oneof(fc.string({ unit: "grapheme", maxLength: 30 }), bytes);
const NOW = 1_795_000_000_000;
const message = fc.record(
  {
    key: fc.oneof(fc.constant(null), text, bytes),
    value: fc.oneof(fc.constant(null), text, bytes),
    headers: fc.dictionary(
      fc.string({ unit: "grapheme", minLength: 1, maxLength: 12 }),
      fc.oneof(headerValue, fc.array(headerValue, { maxLength: 3 })),
      { maxKeys: 3 },
    ),
    // Producer timestamps as ours are (ms since epoch, as text), a little before or after "now", and
    // runs of one timestamp (the producer stamps many records with the same millisecond).
    timestamp: fc.oneof(
      fc.integer({ min: NOW - 5_000_000, max: NOW + 5_000_000 }).map(String),
      fc.constantFrom(String(NOW), String(NOW + 1)),
    ),
  },
  { requiredKeys: ["value"] },
);
const args: fc.Arbitrary<ProduceArgs> = fc.record({
  acks: fc.constantFrom(-1, 0, 1),
  timeout: fc.integer({ min: 0, max: 60_000 }),
  transactionalId: fc.oneof(fc.constant(null), fc.string({ minLength: 1, maxLength: 10 })),
  producerId: fc.integer({ min: -1, max: 2 ** 40 }).map((n) => Long.fromNumber(n)),
  producerEpoch: fc.integer({ min: 0, max: 32_767 }),
  compression: fc.constantFrom(0, 1),
  topicData: fc.array(
    fc.record({
      topic: fc.string({ minLength: 1, maxLength: 20 }),
      partitions: fc.array(
        fc.record({
          partition: fc.integer({ min: 0, max: 100 }),
          firstSequence: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
          messages: fc.array(message, { minLength: 1, maxLength: 12 }),
        }),
        { minLength: 1, maxLength: 3 },
      ),
    }),
    { minLength: 1, maxLength: 2 },
  ),
});

describe("Produce request encoder", () => {
  beforeAll(() => {
    vi.spyOn(Date, "now").mockReturnValue(NOW); // both encoders stamp records without a timestamp
  });
  afterAll(() => {
    vi.restoreAllMocks();
  });

  it("is installed in kafkajs, with the linear grouping and the timer clamp", () => {
    expect(kafkajsRequest).toBeTypeOf("function");
    expect(patched).toEqual({ grouping: true, produceRequest: true, requestQueue: true });
  });

  it("writes the same bytes as kafkajs's encoder", async () => {
    await fc.assert(
      fc.asyncProperty(args, async (a) => {
        const ours = installed(a);
        const theirs = kafkajsRequest(a);
        expect([ours.apiKey, ours.apiVersion, ours.apiName, ours.expectResponse()]).toEqual([
          theirs.apiKey,
          theirs.apiVersion,
          theirs.apiName,
          theirs.expectResponse(),
        ]);
        const [x, y] = await Promise.all([ours.encode(), theirs.encode()]);
        expect(x.buffer.equals(y.buffer)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it("rejects once when records of several topics cannot be encoded, leaving no rejection unhandled", async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on("unhandledRejection", onUnhandled);
    try {
      // a header value that is not text or bytes (a caller outside the types): kafkajs's record encoder throws
      const bad = { value: "v", headers: { h: undefined as unknown as string }, timestamp: String(NOW) };
      const a: ProduceArgs = {
        acks: -1,
        timeout: 1000,
        compression: 0,
        topicData: ["t1", "t2", "t3"].map((topic) => ({
          topic,
          partitions: [{ partition: 0, messages: [bad] }],
        })),
      };
      await expect(installed(a).encode()).rejects.toThrow(TypeError);
      await expect(kafkajsRequest(a).encode()).rejects.toThrow(TypeError);
      // unhandled rejections are reported after the microtask queue drains
      await new Promise((resolve) => setImmediate(resolve));
      await new Promise((resolve) => setImmediate(resolve));
      expect(unhandled).toEqual([]);
    } finally {
      process.off("unhandledRejection", onUnhandled);
    }
  });

  it("writes records without a timestamp, or with deltas beyond 32 bits, like kafkajs", async () => {
    const messages = [
      { value: "a" },
      { value: "b", timestamp: String(NOW + 2 ** 33) },
      { value: "c", timestamp: String(NOW) },
    ];
    const a: ProduceArgs = {
      acks: -1,
      timeout: 30_000,
      topicData: [{ topic: "t", partitions: [{ partition: 0, messages }] }],
    };
    const [x, y] = await Promise.all([installed(a).encode(), kafkajsRequest(a).encode()]);
    expect(x.buffer.equals(y.buffer)).toBe(true);
    expect(encodeRecordBytes({ timestampDelta: 2 ** 33, value: "b" })).toBeUndefined();
  });

  it("writes large batches, with headers around records left to kafkajs, like kafkajs", async () => {
    // More records and headers than the encoder's scratch space holds at first; every 500th record has
    // a timestamp delta beyond 32 bits (kafkajs encodes it) between records whose headers we encode.
    const messages = Array.from({ length: 3000 }, (_, i) => ({
      key: i % 3 === 0 ? null : `room-${i % 7}`,
      value: i % 5 === 0 ? Buffer.from(`bytes ${i}`) : `value ${i} ✓`,
      headers: { a: `h${i}`, "b-é": [Buffer.from([i & 0xff]), "x"] },
      timestamp: String(i % 500 === 250 ? NOW + 2 ** 33 : NOW + (i >> 4)),
    }));
    const a: ProduceArgs = {
      acks: -1,
      timeout: 30_000,
      compression: 1,
      topicData: [{ topic: "t", partitions: [{ partition: 0, messages }] }],
    };
    const [x, y] = await Promise.all([installed(a).encode(), kafkajsRequest(a).encode()]);
    expect(x.buffer.equals(y.buffer)).toBe(true);
  });
});
