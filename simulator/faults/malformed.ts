// `malformed`: a reading is replaced by a payload every consumer must reject: broken JSON, a
// missing or mistyped field, an impossible timestamp. Each variant breaks exactly one rule of the
// reading schema (see the shared design, "The reading"), so tests can check each rejection.
import type { Reading } from "@homestream/core/reading";
import type { MalformedEvent } from "../events.js";
import type { Rng } from "../rng.js";
import type { FaultParams, FaultStage } from "./stage.js";

interface Variant {
  reason: string;
  text(reading: Reading): string;
}

export const MALFORMED_VARIANTS: readonly Variant[] = [
  {
    reason: "truncated JSON",
    text: (r) => {
      const json = JSON.stringify(r);
      return json.slice(0, Math.floor(json.length / 2));
    },
  },
  { reason: "value is not a number", text: (r) => JSON.stringify({ ...r, value: "n/a" }) },
  { reason: "value is null", text: (r) => JSON.stringify({ ...r, value: null }) },
  {
    reason: "timestamp missing",
    text: (r) =>
      JSON.stringify({ room: r.room, sensor_type: r.sensor_type, value: r.value, device_id: r.device_id }),
  },
  { reason: "timestamp is not a date", text: (r) => JSON.stringify({ ...r, timestamp: "yesterday" }) },
  { reason: "room is empty", text: (r) => JSON.stringify({ ...r, room: "" }) },
  { reason: "not a JSON object", text: (r) => JSON.stringify(`${r.room} ${r.sensor_type} ${r.value}`) },
];

export function malformedFault(params: FaultParams, rng: Rng): FaultStage {
  return {
    process(event, out) {
      if (event.kind !== "reading" || !rng.chance(params.probability)) return void out.push(event);
      const variant = rng.pick(MALFORMED_VARIANTS);
      const replaced: MalformedEvent = {
        kind: "malformed",
        time: event.time,
        text: variant.text(event.reading),
        reason: variant.reason,
        fault: "malformed",
      };
      out.push(replaced);
    },
    flush() {},
  };
}
