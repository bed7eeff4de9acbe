// A fault is a stage events flow through: it may pass an event on, change it, drop it, replace
// it or hold it back. Stages are push-based so the same code serves a generator, an async log
// replay and a Node-RED node fed by a timer.
import type { SimEvent } from "../events.js";

export interface FaultStage {
  /** Handles one event, appending what comes out (nothing, the event, or others) to `out`. */
  process(event: SimEvent, out: SimEvent[]): void;
  /** End of input: appends anything still held back. */
  flush(out: SimEvent[]): void;
}

export interface FaultParams {
  probability: number;
  durationMs: number;
}
