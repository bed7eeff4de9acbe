// What the bridge hands its records to: the Kafka producer behind a small interface of our own, so the
// MQTT side can be tested (and reasoned about) without knowing the client library.

/** One Kafka record as the bridge builds it. */
export interface OutRecord {
  topic: string;
  /** Partitioning key: the reading's room (design: all sensors of a room in one partition). */
  key: string | null;
  value: Buffer | string;
  headers: Record<string, string | Buffer>;
}

export interface SinkStats {
  /** Records accepted and waiting to be sent. */
  buffered: number;
  /** Produce requests Kafka acknowledged. */
  requests: number;
  /** Records Kafka acknowledged. */
  acked: number;
}

export interface RecordSink {
  /** Connects (or starts connecting) to Kafka. */
  start(): Promise<void>;
  /**
   * Hands the record over; `done` is called once, with null when Kafka acknowledged it or the error that
   * ended it (possibly before send() returns). A callback, not a promise: one per record adds up.
   */
  send(record: OutRecord, done: (err: Error | null) => void): void;
  /** True while Kafka answers (drives /healthz). */
  reachable(): boolean;
  /** Producer counters, for metrics (optional: test sinks have none). */
  stats?(): SinkStats;
  /** Waits (at most `timeoutMs`) for every accepted record to be acknowledged or failed, then disconnects. */
  close(timeoutMs: number): Promise<void>;
}
