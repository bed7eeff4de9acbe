// Exponential backoff with jitter for reconnect loops, and a sleep that can be cut short.

/** Delay before retry number `attempt` (0-based): base * 2^attempt, capped, with +-20% jitter so that
 *  many clients losing the same broker do not come back in lock-step. */
export function backoffDelay(attempt: number, baseMs: number, maxMs: number, random = Math.random): number {
  const exp = Math.min(maxMs, baseMs * 2 ** Math.min(attempt, 30));
  return Math.round(exp * (0.8 + 0.4 * random()));
}

/** setTimeout as a promise that `wake()` resolves early (used to interrupt backoff and linger waits). */
export class WakeableSleep {
  #wake: (() => void) | undefined;

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      const self = this;
      function done() {
        clearTimeout(timer);
        if (self.#wake === done) self.#wake = undefined;
        resolve();
      }
      this.#wake = done;
    });
  }

  wake(): void {
    this.#wake?.();
  }
}
