// Rejections are counted by reason (every one) and logged at a limited rate (a few lines per interval,
// then one line saying how many were left out), so a device spewing junk cannot flood the log.
import type { Rejection } from "@homestream/core/payload-adapters";
import type { Logger } from "./logger.js";
import type { BridgeMetrics } from "./metrics.js";
import type { NotForwardedReason } from "./records.js";

export interface RejectionLogOptions {
  /** Lines logged per interval at most. */
  linesPerInterval: number;
  intervalMs: number;
  /** Clock in ms; injected for tests. */
  now?: () => number;
}

export class RejectionLog {
  #windowStart = Number.NEGATIVE_INFINITY;
  #logged = 0;
  #suppressed = 0;

  constructor(
    private readonly log: Logger,
    private readonly metrics: BridgeMetrics,
    private readonly options: RejectionLogOptions,
  ) {}

  /** A message that is ordinary traffic, not for Kafka: counted, and logged at debug only. */
  notForwarded(topic: string, clientId: string | undefined, reason: NotForwardedReason): void {
    this.metrics.countNotForwarded(reason);
    if (this.log.isLevelEnabled("debug")) this.log.debug({ topic, clientId, reason }, "not for Kafka");
  }

  record(topic: string, clientId: string | undefined, rejections: readonly Rejection[]): void {
    for (const r of rejections) this.metrics.rejected.inc({ reason: r.reason });
    const now = (this.options.now ?? Date.now)();
    if (now - this.#windowStart >= this.options.intervalMs) {
      if (this.#suppressed > 0)
        this.log.warn(
          { suppressed: this.#suppressed },
          `${this.#suppressed} more rejected messages not logged`,
        );
      this.#windowStart = now;
      this.#logged = 0;
      this.#suppressed = 0;
    }
    if (this.#logged >= this.options.linesPerInterval) {
      this.#suppressed++;
      return;
    }
    this.#logged++;
    const first = rejections[0];
    this.log.warn(
      { topic, clientId, reason: first?.reason, detail: rejections.map((r) => r.detail).join("; ") },
      "rejected payload",
    );
  }
}
