// The windowed-stats configuration as the editor saves it, validated once at deploy: the window
// engine's options (core/window-options.ts) plus the node's own wall-clock timers.

import { formatIssues } from "@homestream/core/issues";
import type { GroupColumn } from "@homestream/core/window-options";
import { parseWindowOptions, type WindowOptions } from "@homestream/core/window-options";
import { z } from "zod";
import { choice, duration, flag, list, NodeConfigError, parseConfig, timeZone } from "../shared/config.js";
import { stateStore } from "../shared/node-state.js";
import { type MessageInputConfig, messageInputConfig } from "./message-input.js";

const schema = z
  .object({
    window: duration(60_000, { min: 1 }),
    slide: duration(0),
    offset: duration(0),
    watermark: duration(0),
    mode: choice(["append", "update"], "append"),
    trigger: duration(10_000, { min: 10 }),
    groupRoom: flag(true),
    groupSensor: flag(true),
    groupDevice: flag(false),
    // blank: every sensor type (the editor proposes "temperature, humidity", as the original job)
    sensors: list([]),
    idle: duration(0),
    timeZone: timeZone(),
    // blank: the runtime's default context store
    stateStore: stateStore(),
  })
  .loose();

export interface WindowedStatsConfig {
  engine: WindowOptions;
  /** Update mode: how often changed windows are emitted (wall clock). */
  triggerMs: number;
  /** Close every window after this long without a reading (wall clock); 0 = never. */
  idleMs: number;
  timeZone: string;
  /** Context store the state is kept in; undefined: the runtime's default; null: none. */
  stateStore: string | undefined | null;
  /** Readings (default) or any message (nodes/windowed-stats/message-input.ts). */
  input: MessageInputConfig;
}

export function windowedStatsConfig(def: unknown): WindowedStatsConfig {
  const c = parseConfig(schema, def);
  const groupBy: GroupColumn[] = [];
  if (c.groupRoom) groupBy.push("room");
  if (c.groupSensor) groupBy.push("sensor_type");
  if (c.groupDevice) groupBy.push("device_id");
  const engine: WindowOptions = {
    windowMs: c.window,
    // blank (0) slide: tumbling windows
    slideMs: c.slide === 0 ? undefined : c.slide,
    offsetMs: c.offset,
    watermarkDelayMs: c.watermark,
    mode: c.mode,
    groupBy,
    sensorTypes: c.sensors,
  };
  // Check the engine's own rules now, so they are reported with the node's field names.
  const checked = parseWindowOptions(engine);
  if (!checked.ok) {
    const names: Record<string, string> = { windowMs: "window", slideMs: "slide", offsetMs: "offset" };
    const text = formatIssues(checked.issues, { nameOf: (f) => names[f] });
    throw new NodeConfigError(`invalid configuration: ${text}`);
  }
  const input = messageInputConfig(def as Record<string, unknown>);
  // Any message: one series per key, held in the engine's `room` column; no sensor-type filter.
  if (input.mode === "message") Object.assign(engine, { groupBy: ["room"], sensorTypes: undefined });
  return {
    engine,
    triggerMs: c.trigger,
    idleMs: c.idle,
    timeZone: c.timeZone,
    stateStore: c.stateStore,
    input,
  };
}
