// kafkajs 2.2.4 (unmaintained) schedules its request-queue check with a negative delay whenever nothing
// is pending (throttledUntil starts at -1, so the delay is about -Date.now()). Node >= 23 warns about
// that once per process ("TimeoutNegativeWarning"), on the console of every CLI and Node-RED using us.
// Node already treats the delay as 1 ms, so clamping it to 0 changes nothing else; the method below is
// kafkajs's own (src/network/requestQueue/index.js) with that clamp.
import { createRequire } from "node:module";

interface RequestQueueLike {
  throttledUntil: number;
  throttleCheckTimeoutId: NodeJS.Timeout | null;
  pending: unknown[];
  checkPendingRequests(): void;
}

const CHECK_PENDING_REQUESTS_INTERVAL = 10; // kafkajs's constant

let applied = false;

export function applyKafkajsTimerFix(): void {
  if (applied) return;
  applied = true;
  try {
    const require = createRequire(__filename);
    const RequestQueue = require("kafkajs/src/network/requestQueue/index.js") as {
      prototype: RequestQueueLike & { scheduleCheckPendingRequests(): void };
    };
    RequestQueue.prototype.scheduleCheckPendingRequests = function (this: RequestQueueLike) {
      let scheduleAt = this.throttledUntil - Date.now();
      if (!this.throttleCheckTimeoutId) {
        if (this.pending.length > 0)
          scheduleAt = scheduleAt > 0 ? scheduleAt : CHECK_PENDING_REQUESTS_INTERVAL;
        this.throttleCheckTimeoutId = setTimeout(
          () => {
            this.throttleCheckTimeoutId = null;
            this.checkPendingRequests();
          },
          Math.max(0, scheduleAt),
        );
      }
    };
  } catch {
    // A kafkajs without this file: nothing to fix, at worst the warning shows.
  }
}
