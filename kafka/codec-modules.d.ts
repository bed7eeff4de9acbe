// Types for the two codec packages (they ship none); only what kafka/codecs.ts uses.
declare module "kafkajs-snappy" {
  const createSnappyCodec: () => unknown;
  export = createSnappyCodec;
}
declare module "lz4js" {
  export function compress(src: Uint8Array, maxSize?: number): Uint8Array;
  export function decompress(src: Uint8Array, maxSize?: number): Uint8Array;
}
declare module "lz4js/xxh32.js" {
  export function hash(seed: number, src: Uint8Array, index: number, length: number): number;
}
