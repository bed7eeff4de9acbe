// Records to Kafka with the guarantee each QoS asks for. QoS 1/2: every record is retried (with
// backoff) until Kafka acknowledges it, and only then may the device be acknowledged; a record is
// given up only when the bridge stops, and then the device is not acknowledged and sends again.
// QoS 0: one attempt, through a bounded number of records in flight; beyond it records are dropped
// and counted, so a dead Kafka cannot grow memory.
import { setTimeout as sleep } from "node:timers/promises";
import { backoffDelay } from "@homestream/kafka/backoff";
import Denque from "denque";
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

type Done = (delivered: boolean) => void;

interface RoomWaiter {
  /** performance.now() after which the message is dropped. */
  deadline: number;
  resolve(room: boolean): void;
}

export class Delivery {
  #stopped = false;
  #reliable = 0;
  #qos0 = 0;
  #idle: Array<() => void> = [];
  #roomWaiters = new Denque<RoomWaiter>(); // tens of thousands of QoS 0 messages can wait at once
  #sweeper: NodeJS.Timeout | undefined;
  /** Retries waiting for their backoff to pass, with what to run if the bridge stops first. */
  #retries = new Map<NodeJS.Timeout, () => void>();
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
   * stopped first (the device must then not be acknowledged). Callbacks rather than async functions:
   * this runs for every message, and each promise less is garbage less.
   */
  deliver(plan: Plan): Promise<boolean> {
    const records = plan.records;
    if (records.length === 0) return Promise.resolve(true);
    this.#reliable++;
    return new Promise<boolean>((resolve) => {
      let left = records.length;
      let all = true;
      const done: Done = (delivered) => {
        all &&= delivered;
        if (--left > 0) return;
        this.#reliable--;
        if (this.#reliable === 0) for (const wake of this.#idle.splice(0)) wake();
        resolve(all);
      };
      for (let i = 0; i < records.length; i++)
        this.#attempt(records[i] as OutRecord, i < plan.readings, 0, done);
    });
  }

  /** False while the best-effort buffer is full: a QoS 0 message now would be dropped. */
  get acceptsBestEffort(): boolean {
    // Messages already waiting for room go first.
    return this.#qos0 < this.options.qos0Capacity && this.#roomWaiters.length === 0 && !this.#stopped;
  }

  /**
   * Resolves true once the best-effort buffer has room (a slot is then reserved: pass `reserved` to
   * offer()), false after `timeoutMs` without. The caller
   * holds the connection's next read meanwhile (aedes and mqtt.js read on only when a message is
   * handled), so an overloaded bridge slows QoS 0 senders down through TCP instead of parsing
   * messages only to drop them.
   */
  roomForBestEffort(timeoutMs: number): Promise<boolean> {
    if (this.acceptsBestEffort) return Promise.resolve(true);
    if (this.#stopped) return Promise.resolve(false);
    return new Promise((resolve) => {
      // No timer per message (thousands wait at once under overload): waiters queue in arrival order
      // with the same timeout, so their deadlines are in order too and one sweep expires them.
      this.#roomWaiters.push({ deadline: performance.now() + timeoutMs, resolve });
      this.#sweeper ??= setInterval(() => this.#expireWaiters(), Math.max(10, Math.min(100, timeoutMs / 4)));
      this.#sweeper.unref();
    });
  }

  #expireWaiters(): void {
    const now = performance.now();
    for (let w = this.#roomWaiters.peekFront(); w && w.deadline <= now; w = this.#roomWaiters.peekFront()) {
      this.#roomWaiters.shift();
      // Freed room always goes to the oldest waiter first, so an expired one had none to get.
      w.resolve(false);
    }
    if (this.#roomWaiters.length === 0) {
      clearInterval(this.#sweeper);
      this.#sweeper = undefined;
    }
  }

  /** Counts a QoS 0 message dropped before it was even parsed. */
  dropBestEffort(): void {
    this.metrics.droppedQos0.inc();
  }

  #qos0Settled(): void {
    this.#qos0--;
    // Hand freed room to waiting senders, oldest first, reserving a slot for each as it is woken:
    // their messages are parsed later, and must not all find the same slot.
    while (this.#qos0 < this.options.qos0Capacity) {
      const waiter = this.#roomWaiters.shift();
      if (!waiter) break;
      this.#qos0++;
      waiter.resolve(true);
    }
  }

  /** QoS 0: hands the records over if the best-effort buffer has room; false when dropped. */
  offer(plan: Plan, reserved = false): boolean {
    const n = plan.records.length;
    if (reserved) {
      // The slot roomForBestEffort reserved counts as one record already.
      if (n === 0) {
        this.#qos0Settled();
        return true;
      }
      this.#qos0 += n - 1;
    } else {
      if (n === 0) return true;
      if (this.#qos0 + n > this.options.qos0Capacity || this.#stopped) {
        this.metrics.droppedQos0.inc(n);
        return false;
      }
      this.#qos0 += n;
    }
    // One callback per kind of record (readings, then at most one dead letter), not one per record.
    const records = plan.records;
    const readings = plan.readings;
    const started = performance.now();
    this.metrics.addInFlight(n);
    const settled = (err: Error | null, isReading: boolean, topic: string) => {
      this.#qos0Settled();
      if (!err) {
        this.#acked(started, isReading);
        return;
      }
      this.metrics.addInFlight(-1);
      this.metrics.droppedQos0.inc();
      this.#logSendError(err, topic, false);
    };
    if (readings > 0) {
      const topic = (records[0] as OutRecord).topic;
      const onReading = (err: Error | null) => settled(err, true, topic);
      for (let i = 0; i < readings; i++) this.sink.send(records[i] as OutRecord, onReading);
    }
    if (readings < n) {
      const deadLetter = records[readings] as OutRecord;
      this.sink.send(deadLetter, (err) => settled(err, false, deadLetter.topic));
    }
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
    this.#stopped = true;
    for (let w = this.#roomWaiters.shift(); w; w = this.#roomWaiters.shift()) w.resolve(false);
    clearInterval(this.#sweeper);
    this.#sweeper = undefined;
    const waiting = [...this.#retries];
    this.#retries.clear();
    for (const [timer, run] of waiting) {
      clearTimeout(timer);
      run(); // sees #stopped: the delivery ends unacknowledged
    }
  }

  #acked(started: number, isReading: boolean): void {
    this.metrics.addInFlight(-1);
    this.metrics.ackLatency.observe((performance.now() - started) / 1000);
    if (isReading) this.metrics.countForwarded();
    else this.metrics.deadLettered.inc();
  }

  /** One send of `record`; on failure, another after a backoff, until acknowledged or stopped. */
  #attempt(record: OutRecord, isReading: boolean, attempt: number, done: Done): void {
    if (this.#stopped) {
      done(false);
      return;
    }
    const started = performance.now();
    this.metrics.addInFlight(1);
    this.sink.send(record, (err) => {
      if (!err) {
        this.#acked(started, isReading);
        done(true);
        return;
      }
      this.metrics.addInFlight(-1);
      if (this.#stopped) {
        done(false);
        return;
      }
      this.metrics.sendRetries.inc();
      this.#logSendError(err, record.topic, true);
      const run = () => this.#attempt(record, isReading, attempt + 1, done);
      const timer = setTimeout(
        () => {
          this.#retries.delete(timer);
          run();
        },
        backoffDelay(attempt, this.options.retryBaseMs, this.options.retryMaxMs),
      );
      this.#retries.set(timer, run);
    });
  }

  #logSendError(err: unknown, topic: string, retrying: boolean): void {
    // One line a second at most: while Kafka is away every record fails the same way.
    const now = Date.now();
    if (now - this.#lastErrorLog < 1000) return;
    this.#lastErrorLog = now;
    this.log.warn(
      { err: err instanceof Error ? err.message : String(err), topic },
      retrying
        ? "Kafka send failed; retrying (the device is not acknowledged yet)"
        : "Kafka send failed; QoS 0 record dropped",
    );
  }
}
