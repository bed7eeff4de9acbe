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

import snappyCodec = require("kafkajs-snappy");
import lz4js = require("lz4js");
import xxh32 = require("lz4js/xxh32.js");

import type { Compression } from "./config.js";

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
function lz4Frame(input: Buffer): Buffer {
  if (input.length > LZ4JS_BLOCK_BYTES) {
    throw new Error(`LZ4: a record batch of ${input.length} bytes is over 4 MB; lower maxBatchBytes`);
  }
  const frame = Buffer.from(lz4js.compress(input));
  frame[4] = (frame[4] as number) | LZ4_FLG_BLOCK_INDEPENDENCE; // FLG follows the 4-byte magic
  frame[6] = (xxh32.hash(0, frame, 4, 2) >>> 8) & 0xff; // HC over FLG and BD
  return frame;
}

const lz4Codec = (): Codec => ({
  async compress(encoder) {
    return lz4Frame(encoder.buffer);
  },
  async decompress(buffer) {
    return Buffer.from(lz4js.decompress(buffer));
  },
});

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
 * Adds Snappy and LZ4 to kafkajs's codec table, leaving any codec someone else registered in
 * place. Idempotent; called whenever a client is made.
 */
export function registerCompressionCodecs(): void {
  if (registered) return;
  registered = true;
  const table = CompressionCodecs as unknown as Record<number, (() => Codec) | undefined>;
  if (missing(table[CompressionTypes.Snappy]))
    table[CompressionTypes.Snappy] = snappyCodec as unknown as () => Codec;
  if (missing(table[CompressionTypes.LZ4])) table[CompressionTypes.LZ4] = lz4Codec;
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
