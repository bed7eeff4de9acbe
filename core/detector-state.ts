// Snapshots of a LightPresenceDetector as plain JSON values (shared design, "State"): per room the
// latest light and presence with their devices and the presence's event time, the condition's
// phase (idle, pending grace, open anomaly) with its start, detection time and next reminder, and
// the detector's clock. Deadlines are not stored: they follow from these and the options, and are
// scheduled again on restore. A snapshot records the options it depends on (grace, presence age,
// reminder interval); under other options it is refused with the changes named.
import { z } from "zod";
import { jsonNumber } from "./json-number.js";
import {
  type DetectorBody,
  LightPresenceDetector,
  type LightPresenceOptions,
  type ResolvedLightPresenceOptions,
} from "./light-presence.js";
import { openEnvelope, type RestoreOutcome, type StateConfig, type StateEnvelope } from "./state-envelope.js";

export const DETECTOR_STATE_KIND = "homestream.light-presence";
export const DETECTOR_STATE_VERSION = 1;

export type DetectorState = StateEnvelope<typeof DETECTOR_STATE_KIND, DetectorBody>;

/** What a detector's state depends on. */
export function detectorStateConfig(o: ResolvedLightPresenceOptions): StateConfig {
  return {
    graceMs: o.graceMs,
    presenceMaxAgeMs: o.presenceMaxAgeMs ?? null,
    reminderMs: o.reminderMs ?? null,
  };
}

export function snapshotDetector(detector: LightPresenceDetector): DetectorState {
  return {
    kind: DETECTOR_STATE_KIND,
    version: DETECTOR_STATE_VERSION,
    config: detectorStateConfig(detector.options),
    body: detector.exportBody(),
  };
}

/** Event times are emitted as ISO dates: within the Date range (ECMA-262 §21.4.1.22). */
const time = z
  .number()
  .int()
  .min(-8.64e15, "must be a time within the Date range")
  .max(8.64e15, "must be a time within the Date range");
const binary = z.union([z.literal(0), z.literal(1)], { error: "must be 0, 1" }).nullable();
const room = z.strictObject({
  room: z.string().min(1),
  light: binary,
  lightDevice: z.string(),
  presence: binary,
  presenceDevice: z.string(),
  presenceTime: time,
  phase: z.enum(["idle", "pending", "open"]),
  since: time,
  detectedAt: time,
  nextReminder: jsonNumber,
});
const bodySchema = z.strictObject({ clock: time.nullable(), rooms: z.array(room) }).superRefine((b, ctx) => {
  const seen = new Set<string>();
  b.rooms.forEach((r, i) => {
    if (seen.has(r.room))
      ctx.addIssue({ code: "custom", path: ["rooms", i, "room"], message: `repeats "${r.room}"` });
    seen.add(r.room);
    // A running condition always has a clock at or past its start.
    if (r.phase !== "idle" && (b.clock === null || r.since > b.clock)) {
      ctx.addIssue({
        code: "custom",
        path: ["rooms", i, "since"],
        message: "lies after the detector's clock",
      });
    }
  });
});

/**
 * A detector for `options` holding the saved `state`, or why the state cannot be used. Never
 * throws for a bad state; throws a RangeError for bad options, as the constructor.
 */
export function restoreDetector(
  options: LightPresenceOptions,
  state: unknown,
): RestoreOutcome<LightPresenceDetector> {
  const detector = new LightPresenceDetector(options);
  const opened = openEnvelope(
    state,
    {
      kind: DETECTOR_STATE_KIND,
      version: DETECTOR_STATE_VERSION,
      config: detectorStateConfig(detector.options),
    },
    bodySchema,
  );
  if (!opened.ok) return opened;
  detector.importBody(opened.value as DetectorBody);
  return { ok: true, value: detector };
}
