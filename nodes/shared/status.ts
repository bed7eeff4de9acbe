// Node status that tells the truth without flooding the editor: at tens of thousands of
// messages a second, one status event per message would cost more than the work itself, so
// updates are coalesced to one a second and the latest always lands (a trailing update).
import type { NodeStatus } from "./red.js";

/** A status, or how to make it: made only when shown (translating the text costs microseconds). */
export type StatusSource = NodeStatus | (() => NodeStatus);

const make = (s: StatusSource): NodeStatus => (typeof s === "function" ? s() : s);

export class StatusThrottle {
  private last = 0;
  private pending: StatusSource | undefined;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly show: (status: NodeStatus) => void,
    private readonly intervalMs = 1000,
  ) {}

  /** Shows `status` now if the interval has passed, otherwise shortly after (the latest one given). */
  set(status: StatusSource): void {
    if (this.closed) return;
    const now = Date.now();
    if (now - this.last >= this.intervalMs && this.timer === undefined) {
      this.last = now;
      this.show(make(status));
      return;
    }
    this.pending = status;
    if (this.timer === undefined) {
      this.timer = setTimeout(() => this.flush(), Math.max(0, this.intervalMs - (now - this.last)));
    }
  }

  /** Shows `status` now (errors, state changes) and drops any pending update. */
  now(status: StatusSource): void {
    if (this.closed) return;
    this.cancel();
    this.last = Date.now();
    this.show(make(status));
  }

  /** Stops for good; the node is closing. */
  close(): void {
    this.closed = true;
    this.cancel();
  }

  private flush(): void {
    this.timer = undefined;
    const status = this.pending;
    this.pending = undefined;
    if (status) {
      this.last = Date.now();
      this.show(make(status));
    }
  }

  private cancel(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.pending = undefined;
  }
}
