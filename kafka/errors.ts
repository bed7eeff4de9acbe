// The errors a send() can end with, and how a failed produce attempt is classified.

/** send() on a full buffer with whenFull "reject": the record was not accepted. */
export class BufferFullError extends Error {
  override name = "BufferFullError";
}

/** A buffered record pushed out by a newer one (whenFull "drop-oldest"). */
export class RecordDroppedError extends Error {
  override name = "RecordDroppedError";
}

/** send() after close(), or a record still unsent when close() gave up waiting. */
export class ProducerClosedError extends Error {
  override name = "ProducerClosedError";
}

/** A record that could not be delivered: its cause is the broker's or the client's error. */
export class DeliveryError extends Error {
  override name = "DeliveryError";
}

/** A record not acknowledged within deliveryTimeoutMs (it may or may not have reached the broker). */
export class DeliveryTimeoutError extends DeliveryError {
  override name = "DeliveryTimeoutError";
}

/** A record send() refused outright (no topic, too large). */
export class InvalidRecordError extends Error {
  override name = "InvalidRecordError";
}

/** retry: the same batch again after backoff; reset-producer: the same, with a new producer id; fatal: the
 *  batch's records fail; refused: they fail too, and the connection is refused (credentials, TLS). */
export type AttemptOutcome = "retry" | "reset-producer" | "fatal" | "refused";

interface ClientError {
  name?: string;
  code?: string;
  type?: string;
  retriable?: boolean;
  cause?: unknown;
  originalError?: unknown;
}

// The broker no longer knows (or no longer accepts) this producer's id/sequence, e.g. after its state
// expired: a new producer id is needed, then the batch can be sent again.
const PRODUCER_STATE = new Set([
  "OUT_OF_ORDER_SEQUENCE_NUMBER",
  "UNKNOWN_PRODUCER_ID",
  "INVALID_PRODUCER_EPOCH",
  "INVALID_PRODUCER_ID_MAPPING",
]);

// Errors that sending the same batch again cannot cure.
const PERMANENT = new Set([
  "MESSAGE_TOO_LARGE",
  "RECORD_LIST_TOO_LARGE",
  "INVALID_TOPIC_EXCEPTION",
  "TOPIC_AUTHORIZATION_FAILED",
  "CLUSTER_AUTHORIZATION_FAILED",
  "INVALID_RECORD",
  "INVALID_REQUIRED_ACKS",
  "UNSUPPORTED_VERSION",
  "UNSUPPORTED_COMPRESSION_TYPE",
  "UNSUPPORTED_FOR_MESSAGE_FORMAT",
  "POLICY_VIOLATION",
]);

/** The innermost error of kafkajs's retry wrappers (KafkaJSNumberOfRetriesExceeded carries its cause). */
export function rootCause(err: unknown): unknown {
  let current = err;
  for (let depth = 0; depth < 10; depth++) {
    const e = current as ClientError | null;
    const next = e?.cause ?? e?.originalError;
    if (!next || typeof next !== "object") return current;
    current = next;
  }
  return current;
}

// Node's certificate verification failures (tls.TLSSocket "error" codes), which kafkajs passes on as `code`.
const TLS_REFUSAL = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER|HOSTNAME_MISMATCH|ERR_TLS_/;

/** Whether the broker refused us (SASL authentication) or we refused it (TLS verification). */
export function isRefusal(err: unknown): boolean {
  for (let e = err as ClientError | undefined, depth = 0; e && depth < 10; depth++) {
    if (e.name === "KafkaJSSASLAuthenticationError") return true;
    if (typeof e.code === "string" && TLS_REFUSAL.test(e.code)) return true;
    e = (e.cause ?? e.originalError) as ClientError | undefined;
  }
  return false;
}

/**
 * What to do after a produce attempt failed. Anything not known to be permanent is retried: an
 * unreachable broker, timeouts, leader changes and metadata errors all heal when the cluster does.
 */
export function classifyProduceError(err: unknown): AttemptOutcome {
  if (isRefusal(err)) return "refused";
  const cause = rootCause(err) as ClientError;
  const type = cause?.type;
  if (type && PRODUCER_STATE.has(type)) return "reset-producer";
  if (type && PERMANENT.has(type)) return "fatal";
  return "retry";
}

export function describeError(err: unknown): string {
  const cause = rootCause(err) as ClientError & { message?: string };
  const outer = err as { message?: string };
  const text = cause?.message ?? String(err);
  return outer?.message && outer.message !== text ? `${outer.message} (${text})` : text;
}
