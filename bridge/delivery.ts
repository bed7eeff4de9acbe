// Records to Kafka with the guarantee each QoS asks for. QoS 1/2: every record is retried (with
// backoff) until Kafka acknowledges it, and only then may the device be acknowledged; a record is
// given up only when the bridge stops, and then the device is not acknowledged and sends again.
// QoS 0: one attempt, through a bounded number of records in flight; beyond it records are dropped
// and counted, so a dead Kafka cannot grow memory.
import { setTimeout as sleep } from "node:timers/promises";
import type { Logger } from "./logger.js";
import type { BridgeMetrics } from "./metrics.js";
import type { OutRecord, RecordSink } from "./record-sink.js";
import type { Plan } from "./records.js";

export interface DeliveryOptions {
  /** QoS 0 records in flight at most (the best-effort buffer). */
  qos0Capacity: number;
  retryBaseMs: number;
  retryMaxMs: number;
}

export class Delivery {
  #stop = new AbortController();
  #reliable = 0;
  #qos0 = 0;
  #idle: Array<() => void> = [];
  #lastErrorLog = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly sink: RecordSink,
    private readonly metrics: BridgeMetrics,
    private readonly log: Logger,
    private readonly options: DeliveryOptions,
  ) {}

  /** Reliable deliveries under way (QoS 1/2 messages). */
  get pending(): number {
    return this.#reliable;
  }

  /**
   * QoS 1/2: resolves true once Kafka has acknowledged every record of the plan, false if the bridge
   * stopped first (the device must then not be acknowledged).
   */
  async deliver(plan: Plan): Promise<boolean> {
    if (plan.records.length === 0) return true;
    this.#reliable++;
    try {
      if (plan.records.length === 1)
        return await this.#untilAcked(plan.records[0] as OutRecord, plan.readings > 0);
      const results = await Promise.all(plan.records.map((r, i) => this.#untilAcked(r, i < plan.readings)));
      return results.every(Boolean);
    } finally {
      this.#reliable--;
      if (this.#reliable === 0) for (const wake of this.#idle.splice(0)) wake();
    }
  }

  /** QoS 0: hands the records over if the best-effort buffer has room; false when dropped. */
  offer(plan: Plan): boolean {
    const n = plan.records.length;
    if (n === 0) return true;
    if (this.#qos0 + n > this.options.qos0Capacity || this.#stop.signal.aborted) {
      this.metrics.droppedQos0.inc(n);
      return false;
    }
    this.#qos0 += n;
    plan.records.forEach((record, i) => {
      this.#once(record, i < plan.readings)
        .then(
          () => {},
          (err) => {
            this.metrics.droppedQos0.inc();
            this.#logSendError(err, record, false);
          },
        )
        .finally(() => {
          this.#qos0--;
        });
    });
    return true;
  }

  /** Waits until no reliable delivery is pending, at most `timeoutMs`; true when everything settled. */
  async drain(timeoutMs: number): Promise<boolean> {
    if (this.#reliable === 0) return true;
    const settled = new Promise<true>((resolve) => this.#idle.push(() => resolve(true)));
    const timer = sleep(timeoutMs, false as const, { ref: false });
    return Promise.race([settled, timer]);
  }

  /** Stops retrying: pending reliable deliveries resolve false, new QoS 0 records are dropped. */
  abandon(): void {
    this.#stop.abort();
  }

  async #once(record: OutRecord, isReading: boolean): Promise<void> {
    const started = performance.now();
    this.metrics.inFlight.inc();
    try {
      await this.sink.send(record);
    } finally {
      this.metrics.inFlight.dec();
    }
    this.metrics.ackLatency.observe((performance.now() - started) / 1000);
    if (isReading) this.metrics.forwarded.inc();
    else this.metrics.deadLettered.inc();
  }

  async #untilAcked(record: OutRecord, isReading: boolean): Promise<boolean> {
    const signal = this.#stop.signal;
    for (let attempt = 0; ; attempt++) {
      if (signal.aborted) return false;
      try {
        await this.#once(record, isReading);
        return true;
      } catch (err) {
        if (signal.aborted) return false;
        this.metrics.sendRetries.inc();
        this.#logSendError(err, record, true);
        const delay = Math.min(
          this.options.retryMaxMs,
          this.options.retryBaseMs * 2 ** Math.min(attempt, 20),
        );
        try {
          await sleep(delay * (0.8 + 0.4 * Math.random()), undefined, { signal });
        } catch {
          return false;
        }
      }
    }
  }

  #logSendError(err: unknown, record: OutRecord, retrying: boolean): void {
    // One line a second at most: while Kafka is away every record fails the same way.
    const now = Date.now();
    if (now - this.#lastErrorLog < 1000) return;
    this.#lastErrorLog = now;
    this.log.warn(
      { err: err instanceof Error ? err.message : String(err), topic: record.topic },
      retrying
        ? "Kafka send failed; retrying (the device is not acknowledged yet)"
        : "Kafka send failed; QoS 0 record dropped",
    );
  }
}
