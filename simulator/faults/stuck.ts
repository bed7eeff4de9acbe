// `stuck`: a device freezes and keeps reporting one value for a while (a hung sensor whose
// radio still works). The reading that starts the episode is sent as measured; the following
// ones of that device repeat its value until the episode ends.
import { withValue } from "../events.js";
import type { Rng } from "../rng.js";
import type { FaultParams, FaultStage } from "./stage.js";

export function stuckFault(params: FaultParams, rng: Rng): FaultStage {
  const stuck = new Map<string, { until: number; value: number }>();
  return {
    process(event, out) {
      if (event.kind !== "reading") return void out.push(event);
      const id = event.reading.device_id;
      const episode = stuck.get(id);
      if (episode && event.time < episode.until)
        return void out.push(withValue(event, episode.value, "stuck"));
      if (episode) stuck.delete(id);
      if (rng.chance(params.probability)) {
        stuck.set(id, { until: event.time + params.durationMs, value: event.reading.value });
      }
      out.push(event);
    },
    flush() {},
  };
}
