// A faster drop-in for kafkajs's Produce request v3 encoder (src/protocol/requests/produce/v3/request.js,
// which v4-v7 reuse), installed by kafkajs-patches.ts. Same arguments, same bytes: per partition, the
// records are measured, then written into one exact-size buffer (record-encoder.ts), instead of one
// Encoder, one object spread and several copies per record. Records encodeRecords() declines go through
// kafkajs's own record encoder. test/kafka/produce-request.test.ts checks byte equality with kafkajs's encoder.
//
// Produce v3: transactional_id acks timeout [topic [partition record_set]], each record_set one
// RecordBatch (magic 2): baseOffset int64, length int32, partitionLeaderEpoch int32, magic int8,
// crc32c uint32 (of what follows), attributes int16, lastOffsetDelta int32, firstTimestamp int64,
// maxTimestamp int64, producerId int64, producerEpoch int16, baseSequence int32, count int32, records
// (compressed as one block when a codec is set).
import { type BatchRecord, encodeRecords, type RecordInput } from "./record-encoder.js";

/** kafkajs's Encoder, as far as this module uses it. */
export interface Encoder {
  buf: Buffer;
  offset: number;
  readonly buffer: Buffer;
  size(): number;
  writeInt8(v: number): Encoder;
  writeInt16(v: number): Encoder;
  writeInt32(v: number): Encoder;
  writeUInt32(v: number): Encoder;
  writeInt64(v: unknown): Encoder;
  writeString(v: string | null): Encoder;
  writeBytes(v: Buffer): Encoder;
  writeBuffer(v: Buffer): Encoder;
  writeEncoder(v: Encoder): Encoder;
  writeArray(v: Encoder[]): Encoder;
}

/** What the encoder needs from kafkajs's internals. */
export interface KafkajsInternals {
  Encoder: new () => Encoder;
  crc32C: (buffer: Buffer) => number;
  lookupCodec: (type: number) => { compress(encoder: Encoder): Promise<Buffer> } | null;
  apiKey: number;
  defaultProducerId: unknown;
  /** kafkajs's own record encoder, for the records prepareRecord() declines. */
  encodeRecord: (input: RecordInput) => Encoder;
}

type Message = BatchRecord;

export interface ProduceArgs {
  acks: number;
  timeout: number;
  transactionalId?: string | null;
  producerId?: unknown;
  producerEpoch?: number;
  compression?: number;
  topicData: {
    topic: string;
    partitions: { partition: number; firstSequence?: number; messages: Message[] }[];
  }[];
}

const NONE = 0;
const MAGIC_BYTE = 2;
const TRANSACTIONAL_MASK = 16;
const COMPRESSION_CODEC_MASK = 0x07;

export function createProduceRequestV3(k: KafkajsInternals) {
  // kafkajs orders timestamps with Array.prototype.sort(), i.e. by their text: the same order here.
  const textOf = (t: string | number) => String(t);

  async function recordBatch(
    messages: Message[],
    compression: number,
    transactional: boolean,
    producerId: unknown,
    producerEpoch: number,
    firstSequence: number,
  ): Promise<Encoder> {
    const dateNow = Date.now();
    let first: string | number | undefined;
    let max: string | number | undefined;
    for (let i = 0; i < messages.length; i++) {
      const t = (messages[i] as Message).timestamp;
      if (t == null) continue;
      if (first === undefined || textOf(t) < textOf(first)) first = t;
      if (max === undefined || textOf(t) >= textOf(max)) max = t;
    }
    const firstTimestamp = first ?? dateNow;
    const maxTimestamp = max ?? dateNow;

    let records = encodeRecords(messages, firstTimestamp, dateNow, (input) => k.encodeRecord(input).buffer);

    const codec = compression & COMPRESSION_CODEC_MASK;
    const body = new k.Encoder()
      .writeInt16(codec | (transactional ? TRANSACTIONAL_MASK : 0))
      .writeInt32(messages.length - 1)
      .writeInt64(firstTimestamp)
      .writeInt64(maxTimestamp)
      .writeInt64(producerId)
      .writeInt16(producerEpoch)
      .writeInt32(firstSequence)
      .writeInt32(messages.length);
    if (compression !== NONE) {
      const c = k.lookupCodec(compression);
      if (!c) throw new Error(`no codec for compression ${compression}`);
      const input = new k.Encoder();
      input.buf = records;
      input.offset = records.length;
      records = await c.compress(input);
    }
    body.writeBuffer(records);
    const batch = new k.Encoder()
      .writeInt32(0) // partitionLeaderEpoch
      .writeInt8(MAGIC_BYTE)
      .writeUInt32(k.crc32C(body.buffer))
      .writeEncoder(body);
    return new k.Encoder().writeInt64(0).writeBytes(batch.buffer);
  }

  return ({
    acks,
    timeout,
    transactionalId = null,
    producerId = k.defaultProducerId,
    producerEpoch = 0,
    compression = NONE,
    topicData,
  }: ProduceArgs) => ({
    apiKey: k.apiKey,
    apiVersion: 3,
    apiName: "Produce",
    expectResponse: () => acks !== 0,
    encode: async () => {
      // Partitions are encoded (compressed, in the thread pool) side by side rather than one after
      // another; the request lists them in their original order all the same. One Promise.all over
      // every topic: the first failure rejects encode(), and any later one is handled with it (not
      // left as an unhandled rejection).
      const batches = await Promise.all(
        topicData.map(({ partitions }) =>
          Promise.all(
            partitions.map(({ firstSequence = 0, messages }) =>
              recordBatch(messages, compression, !!transactionalId, producerId, producerEpoch, firstSequence),
            ),
          ),
        ),
      );
      const topics: Encoder[] = [];
      for (const [t, { topic, partitions }] of topicData.entries()) {
        const encoded = batches[t] ?? [];
        const encodedPartitions = partitions.map(({ partition }, i) => {
          const batch = encoded[i] as Encoder;
          return new k.Encoder().writeInt32(partition).writeInt32(batch.size()).writeEncoder(batch);
        });
        topics.push(new k.Encoder().writeString(topic).writeArray(encodedPartitions));
      }
      return new k.Encoder()
        .writeString(transactionalId)
        .writeInt16(acks)
        .writeInt32(timeout)
        .writeArray(topics);
    },
  });
}
