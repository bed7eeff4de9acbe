// `dropout`: a device goes silent for a while (flat battery, lost link): its readings in the
// episode are never sent.
import type { Rng } from "../rng.js";
import type { FaultParams, FaultStage } from "./stage.js";

export function dropoutFault(params: FaultParams, rng: Rng): FaultStage {
  const silentUntil = new Map<string, number>();
  return {
    process(event, out) {
      if (event.kind !== "reading") return void out.push(event);
      const id = event.reading.device_id;
      const until = silentUntil.get(id);
      if (until !== undefined && event.time < until) return;
      if (rng.chance(params.probability)) {
        silentUntil.set(id, event.time + params.durationMs);
        return;
      }
      out.push(event);
    },
    flush() {},
  };
}
