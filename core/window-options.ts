// Options of the window engine (see shared design, "Window results"): one zod schema, checked
// once when an engine is built, so a bad node config or CLI flag is reported by field name.
import { z } from "zod";
import { fieldIssues, formatIssues } from "./issues.js";
import { describeType } from "./time.js";

/** Reading fields a window result can be grouped by, in the order they appear in a result. */
export const GROUP_COLUMNS = ["room", "sensor_type", "device_id"] as const;
export type GroupColumn = (typeof GROUP_COLUMNS)[number];

export type OutputMode = "append" | "update";

/** Validated options with every default filled in. */
export interface WindowConfig {
  /** Window size in milliseconds. */
  windowMs: number;
  /** Distance between window starts; equal to `windowMs` for tumbling windows. */
  slideMs: number;
  /** Shift of the window grid from the epoch (Spark's `startTime`), `|offsetMs| < slideMs`. */
  offsetMs: number;
  /** Watermark = max event time seen minus this. */
  watermarkDelayMs: number;
  mode: OutputMode;
  /** Distinct columns in result order (room, sensor_type, device_id); may be empty. */
  groupBy: readonly GroupColumn[];
  /** Sensor types to aggregate; `undefined` means every type. */
  sensorTypes: ReadonlySet<string> | undefined;
}

/** What callers pass; durations in milliseconds. */
export interface WindowOptions {
  windowMs: number;
  slideMs?: number;
  offsetMs?: number;
  watermarkDelayMs?: number;
  mode?: OutputMode;
  groupBy?: readonly GroupColumn[];
  /** Empty or undefined: every sensor type. */
  sensorTypes?: readonly string[];
}

export interface OptionIssue {
  field: string;
  message: string;
}

function millis(bound: "positive" | "nonnegative" | "any") {
  const suffix = bound === "positive" ? " greater than 0" : bound === "nonnegative" ? " of at least 0" : "";
  const message = `must be a whole number of milliseconds${suffix}`;
  const inRange = (n: number) => (bound === "positive" ? n > 0 : bound === "nonnegative" ? n >= 0 : true);
  return z
    .number({
      error: (iss) =>
        iss.input === undefined ? "is required" : `${message}, got ${describeType(iss.input)}`,
    })
    .refine((n) => Number.isSafeInteger(n) && inRange(n), {
      error: (iss) => `${message}, got ${String(iss.input)}`,
    });
}

const schema = z
  .object(
    {
      windowMs: millis("positive"),
      slideMs: millis("positive").optional(),
      offsetMs: millis("any").optional(),
      watermarkDelayMs: millis("nonnegative").optional(),
      mode: z
        .enum(["append", "update"], {
          error: (iss) => `must be "append" or "update", got ${JSON.stringify(iss.input) ?? "nothing"}`,
        })
        .optional(),
      groupBy: z
        .array(
          z.enum(GROUP_COLUMNS, {
            error: (iss) =>
              `must be one of ${GROUP_COLUMNS.join(", ")}, got ${JSON.stringify(iss.input) ?? "nothing"}`,
          }),
          { error: (iss) => `must be a list of columns, got ${describeType(iss.input)}` },
        )
        .optional(),
      sensorTypes: z
        .array(z.string({ error: "must be a string" }).min(1, "must not be empty"), {
          error: (iss) => `must be a list of sensor types, got ${describeType(iss.input)}`,
        })
        .optional(),
    },
    { error: (iss) => `window options must be an object, got ${describeType(iss.input)}` },
  )
  .strict()
  .superRefine((o, ctx) => {
    const slide = o.slideMs ?? o.windowMs;
    // Spark's TimeWindow checks the same two rules (slide <= window, |startTime| < slide).
    if (o.slideMs !== undefined && o.slideMs > o.windowMs) {
      ctx.addIssue({
        code: "custom",
        path: ["slideMs"],
        message: `must be at most windowMs (${o.windowMs}), got ${o.slideMs}`,
      });
    }
    if (o.offsetMs !== undefined && Math.abs(o.offsetMs) >= slide) {
      ctx.addIssue({
        code: "custom",
        path: ["offsetMs"],
        message: `must be smaller in magnitude than the slide (${slide}), got ${o.offsetMs}`,
      });
    }
    const seen = new Set<string>();
    for (const [i, col] of (o.groupBy ?? []).entries()) {
      if (seen.has(col)) ctx.addIssue({ code: "custom", path: ["groupBy", i], message: `repeats "${col}"` });
      seen.add(col);
    }
  });

export type WindowOptionsResult = { ok: true; value: WindowConfig } | { ok: false; issues: OptionIssue[] };

/** Validates window options; never throws. */
export function parseWindowOptions(input: unknown): WindowOptionsResult {
  const r = schema.safeParse(input);
  if (!r.success) {
    return {
      ok: false,
      issues: fieldIssues(r.error.issues, (keys) => `unknown option(s): ${keys.join(", ")}`),
    };
  }
  const o = r.data;
  const groupBy = o.groupBy ?? ["room", "sensor_type"];
  return {
    ok: true,
    value: {
      windowMs: o.windowMs,
      slideMs: o.slideMs ?? o.windowMs,
      offsetMs: o.offsetMs ?? 0,
      watermarkDelayMs: o.watermarkDelayMs ?? 0,
      mode: o.mode ?? "append",
      // Grouping is a set: a fixed column order makes output columns and sort order stable.
      groupBy: GROUP_COLUMNS.filter((c) => groupBy.includes(c)),
      sensorTypes: o.sensorTypes && o.sensorTypes.length > 0 ? new Set(o.sensorTypes) : undefined,
    },
  };
}

/** Thrown for invalid window options; the message names each offending field. */
export class WindowOptionsError extends RangeError {
  readonly issues: readonly OptionIssue[];
  constructor(issues: readonly OptionIssue[]) {
    super(`invalid window options: ${formatIssues(issues)}`);
    this.name = "WindowOptionsError";
    this.issues = issues;
  }
}

/** Validates window options; throws a WindowOptionsError naming each bad field. */
export function windowConfig(input: WindowOptions): WindowConfig {
  const r = parseWindowOptions(input);
  if (!r.ok) throw new WindowOptionsError(r.issues);
  return r.value;
}
