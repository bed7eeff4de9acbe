// Opt-in speed-ups for kafkajs 2.2.4, which is unmaintained (pinned exactly, so its internals cannot shift
// under us). Each replaces an internal function with an equivalent one. They change a library other
// packages may share, so nothing applies them on import: only a process we own calls
// applyKafkajsSpeedups() (the `homestream` app and the bridge's worker), before anything loads kafkajs.
// The Node-RED nodes never do: in a user's Node-RED, kafkajs is shared with other palette packages.
//
// 1. groupMessagesPerPartition builds each partition's list with `[...current, message]`, O(n^2) per
//    partition: at 2000 records a request it cost a third of the producer's CPU (measured, see
//    bench/kafka.mjs). The replacement appends, with the same result (same partitions, same order).
//    It is swapped in through require's cache, so it must run before kafkajs's producer modules load.
// 2. The Produce request encoder: see produce-request.ts (same bytes, far fewer allocations and copies).
// 3. The request queue schedules its check with a negative delay whenever nothing is pending
//    (throttledUntil starts at -1), and Node >= 23 prints a TimeoutNegativeWarning on the console of
//    every process using us. Node already treats the delay as 1 ms; clamping it to 0 changes nothing else.
import { createRequire } from "node:module";
import { createProduceRequestV3, type KafkajsInternals } from "./produce-request.js";

interface PartitionerArgs {
  topic: string;
  partitionMetadata: unknown[];
  message: unknown;
}

function groupMessagesPerPartition({
  topic,
  partitionMetadata,
  messages,
  partitioner,
}: {
  topic: string;
  partitionMetadata: unknown[];
  messages: unknown[];
  partitioner: (args: PartitionerArgs) => number;
}): Record<number, unknown[]> {
  if (partitionMetadata.length === 0) return {};
  const result: Record<number, unknown[]> = {};
  for (let i = 0; i < messages.length; i++) {
    const message = messages[i];
    const partition = partitioner({ topic, partitionMetadata, message });
    const list = result[partition];
    if (list) list.push(message);
    else result[partition] = [message];
  }
  return result;
}

interface RequestQueueLike {
  throttledUntil: number;
  throttleCheckTimeoutId: NodeJS.Timeout | null;
  pending: unknown[];
  checkPendingRequests(): void;
}

const CHECK_PENDING_REQUESTS_INTERVAL = 10; // kafkajs's constant

function scheduleCheckPendingRequests(this: RequestQueueLike): void {
  let scheduleAt = this.throttledUntil - Date.now();
  if (!this.throttleCheckTimeoutId) {
    if (this.pending.length > 0) scheduleAt = scheduleAt > 0 ? scheduleAt : CHECK_PENDING_REQUESTS_INTERVAL;
    this.throttleCheckTimeoutId = setTimeout(
      () => {
        this.throttleCheckTimeoutId = null;
        this.checkPendingRequests();
      },
      Math.max(0, scheduleAt),
    );
  }
}

/** Which replacements are in place (not those whose users kafkajs had loaded before they were applied). */
export const patched = { grouping: false, produceRequest: false, requestQueue: false };

/** Marks our replacements, so anyone can tell a patched kafkajs from the published one. */
export const SPEEDUP_MARK = Symbol.for("homestream.kafkajs-speedup");

let applied = false;

/**
 * Applies the speed-ups to this process's kafkajs, once. Call it before anything loads kafkajs's
 * producer (a replacement whose users are already loaded is skipped; see `patched`).
 */
export function applyKafkajsSpeedups(): Readonly<typeof patched> {
  if (applied) return patched;
  applied = true;
  try {
    install();
  } catch {
    // A kafkajs laid out differently: nothing to patch; it works as shipped, only slower and noisier.
  }
  return patched;
}

/** Whether this thread called applyKafkajsSpeedups(): a worker of ours follows its process's choice. */
export function kafkajsSpeedupsApplied(): boolean {
  return applied;
}

function install(): void {
  const require = createRequire(__filename);
  // Replaces module `path` in require's cache, unless one of `users` (which capture it when they load)
  // already did.
  const replace = (path: string, users: string[], make: (original: never) => unknown): boolean => {
    if (users.some((user) => require.cache[require.resolve(user)])) return false;
    const resolved = require.resolve(path);
    const original = require(resolved);
    const cached = require.cache[resolved];
    if (!cached) return false;
    const replacement = make(original as never);
    // Tests compare the replacement with what it replaces.
    if (typeof replacement === "function") Object.assign(replacement, { original, [SPEEDUP_MARK]: true });
    cached.exports = replacement;
    return true;
  };
  const src = "kafkajs/src/";
  patched.grouping = replace(
    `${src}producer/groupMessagesPerPartition.js`,
    [`${src}producer/sendMessages.js`],
    () => groupMessagesPerPartition,
  );
  patched.produceRequest = replace(
    `${src}protocol/requests/produce/v3/request.js`,
    [`${src}protocol/requests/produce/v4/request.js`, `${src}protocol/requests/produce/v5/request.js`],
    () =>
      createProduceRequestV3({
        Encoder: require(`${src}protocol/encoder.js`),
        crc32C: require(`${src}protocol/recordBatch/crc32C/index.js`),
        lookupCodec: require(`${src}protocol/message/compression/index.js`).lookupCodec,
        apiKey: require(`${src}protocol/requests/apiKeys.js`).Produce,
        defaultProducerId: require(`${src}utils/long.js`).fromInt(-1),
        encodeRecord: require(`${src}protocol/recordBatch/record/v0/index.js`),
      } satisfies KafkajsInternals),
  );
  const RequestQueue = require("kafkajs/src/network/requestQueue/index.js") as {
    prototype: { scheduleCheckPendingRequests(): void };
  };
  Object.assign(scheduleCheckPendingRequests, { [SPEEDUP_MARK]: true });
  RequestQueue.prototype.scheduleCheckPendingRequests = scheduleCheckPendingRequests;
  patched.requestQueue = true;
}
