// Snapshots of a WindowEngine as plain JSON values (shared design, "State"): the open windows with
// their aggregates, the closed windows whose update-mode changes are not taken yet, the watermark,
// the max event time and the counters. A snapshot records the configuration it depends on (window,
// slide, offset, watermark delay, mode, grouping, sensor types, the aggregate's fields): restoring
// it under another configuration is refused with the changes named, since its windows would mean
// something else. A restored engine behaves exactly as the one that was saved (property-tested).
import { z } from "zod";
import { jsonNumber } from "./json-number.js";
import { openEnvelope, type RestoreOutcome, type StateConfig, type StateEnvelope } from "./state-envelope.js";
import { AGGREGATE_FIELDS, StateShapeError, WindowEngine, type WindowEngineBody } from "./window-engine.js";
import { type WindowConfig, type WindowOptions, windowConfig } from "./window-options.js";

export const WINDOW_STATE_KIND = "homestream.window-engine";
export const WINDOW_STATE_VERSION = 1;

export type WindowEngineState = StateEnvelope<typeof WINDOW_STATE_KIND, WindowEngineBody>;

/** What a window engine's state depends on. */
export function windowStateConfig(c: WindowConfig): StateConfig {
  return {
    windowMs: c.windowMs,
    slideMs: c.slideMs,
    offsetMs: c.offsetMs,
    watermarkDelayMs: c.watermarkDelayMs,
    mode: c.mode,
    groupBy: [...c.groupBy],
    sensorTypes: c.sensorTypes === undefined ? null : [...c.sensorTypes].sort(),
    aggregate: [...AGGREGATE_FIELDS],
  };
}

/** The engine's state as a JSON-serialisable value. */
export function snapshotWindowEngine(engine: WindowEngine): WindowEngineState {
  return {
    kind: WINDOW_STATE_KIND,
    version: WINDOW_STATE_VERSION,
    config: windowStateConfig(engine.config),
    body: engine.exportBody(),
  };
}

const count = z.number().int().nonnegative();
const entry = z.strictObject({
  start: z.number().int(),
  keys: z.array(z.string()),
  // Checked by the aggregate itself (Accumulator.fromJSON), so its fields are defined in one place.
  aggregate: z.unknown(),
  dirty: z.boolean().optional(),
});
const bodySchema = z.strictObject({
  watermark: jsonNumber,
  maxEventTime: jsonNumber,
  counters: z.strictObject({
    accepted: count,
    late: count,
    partiallyLate: count,
    filtered: count,
    emitted: count,
  }),
  open: z.array(entry),
  closedPending: z.array(entry),
});

/**
 * An engine for `options` holding the saved `state`, or why the state cannot be used: another
 * configuration (the changes named), another format, or a malformed snapshot (the field named).
 * Never throws for a bad state; throws a WindowOptionsError for bad `options`, as the constructor.
 */
export function restoreWindowEngine(options: WindowOptions, state: unknown): RestoreOutcome<WindowEngine> {
  const config = windowConfig(options);
  const opened = openEnvelope(
    state,
    { kind: WINDOW_STATE_KIND, version: WINDOW_STATE_VERSION, config: windowStateConfig(config) },
    bodySchema,
  );
  if (!opened.ok) return opened;
  const engine = new WindowEngine(options);
  // The aggregates are still unchecked here: the engine checks them (Accumulator.fromJSON).
  const body = opened.value as WindowEngineBody;
  try {
    engine.importBody(body);
  } catch (err) {
    if (err instanceof StateShapeError) {
      return { ok: false, reason: "corrupt", message: `state.body.${err.message}` };
    }
    throw err;
  }
  return { ok: true, value: engine };
}
