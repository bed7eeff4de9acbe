// Node configuration as the editor saves it (strings, booleans, the odd number) parsed once,
// at deploy, by one zod schema per node. Errors name the field in the user's words.

import { parseDuration } from "@homestream/core/duration";
import { describeZodError } from "@homestream/core/issues";
import { assertTimeZone } from "@homestream/core/time";
import { z } from "zod";

/** Thrown when a node's configuration is invalid; the message lists each bad field. */
export class NodeConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "NodeConfigError";
  }
}

/** Parses `input` with `schema`, or throws a NodeConfigError naming every bad field. */
export function parseConfig<T extends z.ZodType>(schema: T, input: unknown): z.output<T> {
  const r = schema.safeParse(input);
  if (r.success) return r.data;
  throw new NodeConfigError(`invalid configuration: ${describeZodError(r.error)}`);
}

// zod 4 reports a missing key as "expected nonoptional" even when a transform would default it;
// mapping undefined to null first lets every field below give its default for a missing key.
function field<T>(transform: (v: unknown, ctx: z.RefinementCtx) => T) {
  return z.preprocess((v) => (v === undefined ? null : v), z.unknown().transform(transform));
}

const blank = (v: unknown) => v === undefined || v === null || (typeof v === "string" && v.trim() === "");

/** A duration ("30s", "1m", a bare number of seconds) to milliseconds; blank gives `fallback`. */
export function duration(fallback: number, opts: { min?: number } = {}) {
  const min = opts.min ?? 0;
  return field((v, ctx): number => {
    if (blank(v)) return fallback;
    if (typeof v !== "string" && typeof v !== "number") {
      ctx.addIssue({ code: "custom", message: "must be a duration such as 30s or 1m" });
      return z.NEVER;
    }
    try {
      const ms = parseDuration(v);
      if (ms < min) {
        ctx.addIssue({ code: "custom", message: `must be at least ${min} ms, got ${ms} ms` });
        return z.NEVER;
      }
      return ms;
    } catch (err) {
      ctx.addIssue({ code: "custom", message: (err as Error).message });
      return z.NEVER;
    }
  });
}

/** A number typed in a text box; blank gives `fallback`. */
export function number(fallback: number, opts: { min?: number; max?: number; integer?: boolean } = {}) {
  return field((v, ctx): number => {
    if (blank(v)) return fallback;
    const n = typeof v === "number" ? v : typeof v === "string" ? Number(v.trim()) : Number.NaN;
    const problem = !Number.isFinite(n)
      ? "must be a number"
      : opts.integer && !Number.isInteger(n)
        ? "must be a whole number"
        : opts.min !== undefined && n < opts.min
          ? `must be at least ${opts.min}`
          : opts.max !== undefined && n > opts.max
            ? `must be at most ${opts.max}`
            : undefined;
    if (problem) {
      ctx.addIssue({ code: "custom", message: `${problem}, got ${JSON.stringify(v)}` });
      return z.NEVER;
    }
    return n;
  });
}

/** A checkbox; old flows may hold "true"/"false" strings. */
export function flag(fallback: boolean) {
  return field((v): boolean => (blank(v) ? fallback : v === true || v === "true"));
}

/** A trimmed string; blank gives `fallback`. */
export function text(fallback: string) {
  return field((v, ctx): string => {
    if (blank(v)) return fallback;
    if (typeof v !== "string") {
      ctx.addIssue({ code: "custom", message: "must be text" });
      return z.NEVER;
    }
    return v.trim();
  });
}

/** One of fixed choices; blank gives `fallback`. */
export function choice<const T extends readonly [string, ...string[]]>(choices: T, fallback: T[number]) {
  return field((v, ctx): T[number] => {
    if (blank(v)) return fallback;
    if (typeof v === "string" && (choices as readonly string[]).includes(v)) return v as T[number];
    ctx.addIssue({
      code: "custom",
      message: `must be one of ${choices.join(", ")}, got ${JSON.stringify(v)}`,
    });
    return z.NEVER;
  });
}

/** A comma-separated list ("temperature, humidity") to distinct trimmed non-empty items. */
export function list(fallback: readonly string[]) {
  return field((v, ctx): string[] => {
    if (blank(v)) return [...fallback];
    const items = Array.isArray(v) ? v : typeof v === "string" ? v.split(",") : undefined;
    if (!items || items.some((i) => typeof i !== "string")) {
      ctx.addIssue({ code: "custom", message: "must be a comma-separated list" });
      return z.NEVER;
    }
    return [...new Set((items as string[]).map((i) => i.trim()).filter((i) => i !== ""))];
  });
}

/** An IANA time zone; blank is UTC. */
export function timeZone() {
  return field((v, ctx): string => {
    if (blank(v)) return "UTC";
    if (typeof v !== "string") {
      ctx.addIssue({ code: "custom", message: "must be an IANA time zone such as Europe/Paris" });
      return z.NEVER;
    }
    try {
      assertTimeZone(v.trim());
      return v.trim();
    } catch (err) {
      ctx.addIssue({ code: "custom", message: (err as Error).message });
      return z.NEVER;
    }
  });
}

// A msg property path as Node-RED writes them (payload, payload.rows, data["x"], a[0]); the editor's
// HomeStreamValidators.msgProperty mirrors it.
const PROPERTY_PATH = /^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*|\[(\d+|"[^"]*"|'[^']*')\])*$/;

/** A msg property path; blank gives `fallback` (which may be "" for "none"). */
export function msgProperty(fallback: string) {
  return text(fallback).refine((p) => p === fallback || PROPERTY_PATH.test(p), {
    error: "must be a msg property such as payload or payload.rows",
  });
}
