// Compression codecs beyond kafkajs's built-in gzip, registered the way kafkajs provides for
// (its CompressionCodecs table), so producers can write and consumers can read them. That table is
// kafkajs-wide (shared with other packages using the same kafkajs); only the entries kafkajs
// leaves as "not implemented" are filled, never a codec someone else registered. Only pure
// JavaScript codecs: nothing to compile at install, so every Node-RED/Node/CPU pair still installs.
// - Snappy: kafkajs-snappy (by kafkajs's author) over snappyjs; it also reads the xerial-framed
//   snappy that Java producers write.
// - LZ4: lz4js writes and reads the LZ4 frame format, which is what Kafka's record batches (magic
//   v2) carry (KIP-57 fixed the older header checksum); the adapter below is the whole codec.
// zstd has no pure-JavaScript codec for kafkajs (the packages wrap native or WebAssembly builds),
// so it is not offered.
import { CompressionCodecs, CompressionTypes } from "kafkajs";
import { type Compression, KafkaConfigError } from "./config.js";

// Optional dependencies: compression beyond gzip is a choice, and the layer works without them
// (choosing one that is not installed is a configuration error naming the package).
function optional<T>(name: string): T | undefined {
  try {
    return require(name) as T;
  } catch {
    return undefined;
  }
}
/** What kafka/codecs.ts uses of lz4js (it ships no types). */
interface Lz4js {
  compress(src: Uint8Array): Uint8Array;
  decompress(src: Uint8Array): Uint8Array;
}
interface Xxh32 {
  hash(seed: number, src: Uint8Array, index: number, length: number): number;
}
const snappyCodec = optional<() => Codec>("kafkajs-snappy");
const lz4js = optional<Lz4js>("lz4js");
const xxh32 = optional<Xxh32>("lz4js/xxh32.js");

/** The npm package each optional codec needs. */
const CODEC_PACKAGES: Partial<Record<Compression, string>> = { snappy: "kafkajs-snappy", lz4: "lz4js" };

interface Codec {
  compress(encoder: { buffer: Buffer }): Promise<Buffer>;
  decompress(buffer: Buffer): Promise<Buffer>;
}

/** lz4js's block size (its default, 4 MB): an input up to this size is one block. */
const LZ4JS_BLOCK_BYTES = 4 * 1024 * 1024;
const LZ4_FLG_BLOCK_INDEPENDENCE = 0x20;

/**
 * An LZ4 frame Kafka accepts. lz4js leaves the block-independence flag unset, and Kafka's reader
 * refuses dependent blocks ("Dependent block stream is unsupported"); a frame of one block has no
 * other block to depend on, so for inputs within one block the flag is set and the header
 * checksum (second byte of xxh32 over the descriptor, LZ4 frame format 1.6.x) recomputed.
 * Record batches are far below 4 MB (the producer's maxBatchBytes is 1 MB by default).
 */
function lz4Frame(lz4: Lz4js, hash: Xxh32, input: Buffer): Buffer {
  if (input.length > LZ4JS_BLOCK_BYTES) {
    throw new Error(`LZ4: a record batch of ${input.length} bytes is over 4 MB; lower maxBatchBytes`);
  }
  const frame = Buffer.from(lz4.compress(input));
  frame[4] = (frame[4] as number) | LZ4_FLG_BLOCK_INDEPENDENCE; // FLG follows the 4-byte magic
  frame[6] = (hash.hash(0, frame, 4, 2) >>> 8) & 0xff; // HC over FLG and BD
  return frame;
}

function lz4Codec(lz4: Lz4js, hash: Xxh32): () => Codec {
  return () => ({
    async compress(encoder) {
      return lz4Frame(lz4, hash, encoder.buffer);
    },
    async decompress(buffer) {
      return Buffer.from(lz4.decompress(buffer));
    },
  });
}

let registered = false;

/** kafkajs's table entry for a codec it lacks is a function that throws "not implemented". */
function missing(entry: (() => Codec) | undefined): boolean {
  if (entry === undefined) return true;
  try {
    entry();
    return false;
  } catch {
    return true;
  }
}

/**
 * Adds Snappy and LZ4 (those installed) to kafkajs's codec table, leaving any codec someone else
 * registered in place. Idempotent; called whenever a client is made.
 */
export function registerCompressionCodecs(): void {
  if (registered) return;
  registered = true;
  const table = CompressionCodecs as unknown as Record<number, (() => Codec) | undefined>;
  if (snappyCodec && missing(table[CompressionTypes.Snappy])) table[CompressionTypes.Snappy] = snappyCodec;
  if (lz4js && xxh32 && missing(table[CompressionTypes.LZ4]))
    table[CompressionTypes.LZ4] = lz4Codec(lz4js, xxh32);
}

/** Throws a KafkaConfigError when `c` needs an optional codec package that is not installed. */
export function assertCompressionAvailable(c: Compression): void {
  const pkg = CODEC_PACKAGES[c];
  const present =
    c === "snappy"
      ? snappyCodec !== undefined
      : c === "lz4"
        ? lz4js !== undefined && xxh32 !== undefined
        : true;
  if (pkg && !present) {
    throw new KafkaConfigError(
      `producer.compression: ${c} needs the optional package ${pkg}, which is not installed`,
    );
  }
}

/** kafkajs's code for a compression name. */
export function compressionType(c: Compression): CompressionTypes {
  switch (c) {
    case "gzip":
      return CompressionTypes.GZIP;
    case "snappy":
      return CompressionTypes.Snappy;
    case "lz4":
      return CompressionTypes.LZ4;
    default:
      return CompressionTypes.None;
  }
}
