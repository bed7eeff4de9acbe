// Plays a simulator event stream out on the wall clock: each event is due when the pacing says
// (simulator/pacing.ts), and is emitted then. Start/stop keep the stream's place; a pacing
// change takes effect from the next event. Events go out in batches with a yield to the event
// loop between batches, so Node-RED delivers what was sent before more is produced: the number
// of messages in flight stays bounded even "as fast as possible".
import { performance } from "node:perf_hooks";
import type { SimEvent } from "@homestream/simulator/events";
import { PaceSchedule, type Pacing } from "@homestream/simulator/pacing";

/** Where events come from: a scenario generator (sync) or a log replay (async). */
export interface EventSource {
  /** The next event, undefined at the end of the stream. */
  next(): SimEvent | undefined | Promise<SimEvent | undefined>;
  close(): void;
}

export function syncSource(events: Generator<SimEvent, unknown>): EventSource {
  return {
    next: () => {
      const r = events.next();
      return r.done ? undefined : r.value;
    },
    close: () => void events.return(undefined),
  };
}

export function asyncSource(events: AsyncGenerator<SimEvent, unknown>): EventSource {
  return {
    next: async () => {
      const r = await events.next();
      return r.done ? undefined : r.value;
    },
    close: () => void events.return(undefined).catch(() => undefined),
  };
}

/** Most events emitted before yielding to the event loop. */
const BATCH = 500;
/** Further behind schedule than this, the runner stops trying to catch up (no bursts after a stall). */
const MAX_LAG_MS = 1000;

export interface SimRunnerEvents {
  emit(event: SimEvent): void;
  /**
   * The runner is about to give the event loop back (a batch of due events was emitted, or it
   * waits for the next one): what the emitter holds back to send together goes out now.
   */
  pause?(): void;
  /** The stream ended, or the count limit was reached. */
  end(): void;
  /** Reading the stream failed (a replay file vanished, say). */
  fail(err: Error): void;
}

export class SimRunner {
  private schedule: PaceSchedule;
  private startedAt = 0;
  private running = false;
  private finished = false;
  private fetching = false;
  private pending: { event: SimEvent; dueAt: number } | undefined;
  private timer: NodeJS.Timeout | undefined;
  private immediate: NodeJS.Immediate | undefined;
  /** Events emitted since this runner was made. */
  emitted = 0;

  constructor(
    private readonly source: EventSource,
    pacing: Pacing,
    /** Stop after this many events; 0 for no limit. */
    private readonly limit: number,
    private readonly on: SimRunnerEvents,
  ) {
    this.schedule = new PaceSchedule(pacing);
  }

  get isRunning(): boolean {
    return this.running;
  }

  get isFinished(): boolean {
    return this.finished;
  }

  get pacing(): Pacing {
    return this.schedule.pacing;
  }

  start(): void {
    if (this.running || this.finished) return;
    this.running = true;
    this.rebase();
    if (!this.fetching) this.step();
  }

  stop(): void {
    this.running = false;
    this.cancelWake();
  }

  /** New pacing from the next event on. */
  setPacing(pacing: Pacing): void {
    this.schedule = new PaceSchedule(pacing);
    this.rebase();
    if (this.running && !this.fetching) {
      this.cancelWake();
      this.step();
    }
  }

  /** Stops for good and releases the stream. */
  close(): void {
    this.stop();
    this.finished = true;
    this.pending = undefined;
    this.source.close();
  }

  /** Restarts the wall clock at now: the pending event is due at once, later ones relative to it. */
  private rebase(): void {
    this.schedule = new PaceSchedule(this.schedule.pacing);
    this.startedAt = performance.now();
    if (this.pending) this.pending.dueAt = this.startedAt + this.schedule.next(this.pending.event.time);
  }

  private cancelWake(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    if (this.immediate !== undefined) clearImmediate(this.immediate);
    this.timer = undefined;
    this.immediate = undefined;
  }

  private readonly step = (): void => {
    this.timer = undefined;
    this.immediate = undefined;
    this.emitDue();
    this.on.pause?.();
  };

  private emitDue(): void {
    for (let budget = BATCH; this.running && budget > 0; budget--) {
      if (this.pending === undefined) {
        let next: SimEvent | undefined | Promise<SimEvent | undefined>;
        try {
          next = this.source.next();
        } catch (err) {
          this.fail(err as Error);
          return;
        }
        if (next instanceof Promise) {
          this.fetching = true;
          next.then(
            (event) => {
              this.fetching = false;
              if (this.finished) return;
              if (event === undefined) this.end();
              else {
                this.queue(event);
                if (this.running) this.step();
              }
            },
            (err: Error) => {
              this.fetching = false;
              if (!this.finished) this.fail(err);
            },
          );
          return;
        }
        if (next === undefined) {
          this.end();
          return;
        }
        this.queue(next);
      }
      const pending = this.pending as { event: SimEvent; dueAt: number };
      const wait = pending.dueAt - performance.now();
      if (wait > 0) {
        this.timer = setTimeout(this.step, wait);
        return;
      }
      if (wait < -MAX_LAG_MS) this.startedAt -= wait;
      this.pending = undefined;
      this.emitted++;
      this.on.emit(pending.event);
      if (this.limit > 0 && this.emitted >= this.limit) {
        this.end();
        return;
      }
    }
    if (this.running) this.immediate = setImmediate(this.step);
  }

  private queue(event: SimEvent): void {
    this.pending = { event, dueAt: this.startedAt + this.schedule.next(event.time) };
  }

  private end(): void {
    this.close();
    this.on.pause?.();
    this.on.end();
  }

  private fail(err: Error): void {
    this.close();
    this.on.pause?.();
    this.on.fail(err);
  }
}
