// Status events of producers and consumers, for the Node-RED config node and the bridge to surface.

/**
 * connecting: first connection under way; connected: the last request succeeded; reconnecting: a request
 * failed and is being retried with backoff; disconnected: not connected and not trying (not started,
 * or stopped by a fatal error); closed: close()/stop() finished.
 */
export type ConnectionState = "connecting" | "connected" | "reconnecting" | "disconnected" | "closed";

export interface ProducerCounters {
  /** Records acknowledged by the broker. */
  acked: number;
  /** Records that ended with a delivery error (including timeouts and close). */
  failed: number;
  /** Records refused by send() because the buffer was full (whenFull "reject"). */
  rejected: number;
  /** Buffered records pushed out by newer ones (whenFull "drop-oldest"). */
  dropped: number;
  /** Produce requests that failed and were retried. */
  retries: number;
  /** Produce requests acknowledged. */
  batches: number;
  /** Records waiting to be sent right now. */
  buffered: number;
  /** Records in the produce request under way right now. */
  inFlight: number;
}

export interface ConsumerCounters {
  /** Records fetched and handed to decoding. */
  received: number;
  /** Records the handler finished with. */
  handled: number;
  /** Records that failed decoding/validation (sent to the dead-letter topic unless it is disabled). */
  invalid: number;
  /** Invalid records acknowledged by the dead-letter topic. */
  deadLettered: number;
  /** Handler calls that threw (the record is delivered again). */
  handlerErrors: number;
  /** Times the client crashed and restarted (broker away, handler errors). */
  restarts: number;
  /** Group (re)joins: each one is a rebalance. */
  rebalances: number;
}

export interface StatusEvent<C> {
  state: ConnectionState;
  /** What went wrong, for reconnecting/disconnected. */
  error?: string;
  counters: C;
}

export type ProducerStatus = StatusEvent<ProducerCounters>;
export type ConsumerStatus = StatusEvent<ConsumerCounters> & {
  /** Partitions this member owns, after the last rebalance. */
  assignment: { topic: string; partitions: number[] }[];
};
