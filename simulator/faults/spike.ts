// `spike`: a single outlier from a measuring sensor (an electrical glitch): still a valid reading,
// but far outside anything the room could do. Binary sensors have no outliers, so presence and
// light pass untouched.
import { BINARY_SENSOR_TYPES } from "@homestream/core/reading";
import { withValue } from "../events.js";
import { roundToTenth } from "../home.js";
import type { Rng } from "../rng.js";
import type { FaultParams, FaultStage } from "./stage.js";

export function spikeValue(sensorType: string, value: number, rng: Rng): number {
  const sign = rng.chance(0.5) ? 1 : -1;
  if (sensorType === "temperature") return roundToTenth(value + sign * rng.uniform(15, 40));
  if (sensorType === "humidity") return roundToTenth(value + sign * rng.uniform(40, 60));
  return roundToTenth(value * rng.uniform(3, 10) * sign);
}

export function spikeFault(params: FaultParams, rng: Rng): FaultStage {
  return {
    process(event, out) {
      if (event.kind !== "reading" || BINARY_SENSOR_TYPES.has(event.reading.sensor_type)) {
        return void out.push(event);
      }
      if (!rng.chance(params.probability)) return void out.push(event);
      out.push(withValue(event, spikeValue(event.reading.sensor_type, event.reading.value, rng), "spike"));
    },
    flush() {},
  };
}
