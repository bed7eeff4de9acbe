// `late`: a reading is held back (a device that buffered while offline, a slow gateway) and sent
// after later readings, so its event time is out of order on arrival. The delay is drawn from
// [durationMs / 10, durationMs] of event time; what is still held at the end of input is flushed.
import type { SimEvent } from "../events.js";
import type { Rng } from "../rng.js";
import type { FaultParams, FaultStage } from "./stage.js";

export function lateFault(params: FaultParams, rng: Rng): FaultStage {
  // Kept sorted by release time (then arrival), so releases are deterministic.
  const held: Array<{ releaseAt: number; event: SimEvent }> = [];
  const release = (upTo: number, out: SimEvent[]): void => {
    while (held.length > 0 && (held[0] as { releaseAt: number }).releaseAt <= upTo) {
      out.push((held.shift() as { event: SimEvent }).event);
    }
  };
  return {
    process(event, out) {
      release(event.time, out);
      if (!rng.chance(params.probability)) return void out.push(event);
      const delay = rng.uniform(params.durationMs / 10, params.durationMs);
      const late: SimEvent = event.kind === "reading" ? { ...event, fault: "late" } : event;
      const entry = { releaseAt: event.time + delay, event: late };
      let i = held.length;
      while (i > 0 && (held[i - 1] as { releaseAt: number }).releaseAt > entry.releaseAt) i--;
      held.splice(i, 0, entry);
    },
    flush(out) {
      release(Number.POSITIVE_INFINITY, out);
    },
  };
}
