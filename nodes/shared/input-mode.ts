// Input modes: how a node reads messages that are not HomeStream readings. The editor saves a
// Node-RED typed input (a `msg.` property, JSONata, ...) as a value and a type; this module turns
// those into readers, validated once at deploy. HomeStream readings stay every node's default.

import { parseTimestamp } from "@homestream/core/time";
import { z } from "zod";
import type { NodeAPI, NodeMessage } from "./red.js";

/** A typed input as the editor saves it: `{value: "payload", type: "msg"}`. */
export interface TypedProperty {
  value: string;
  type: string;
}

/** Reads a property of a message; JSONata answers through the callback, the rest at once. */
export type PropertyReader = (
  msg: NodeMessage,
  callback: (err: Error | null, value?: unknown) => void,
) => void;

/**
 * A zod field for a typed input saved as two node properties (`valueProp`, `valuePropType`): a
 * missing value gives the default, a type outside `types` is an error naming the field.
 */
export function typedProperty(
  name: string,
  fallback: TypedProperty,
  types: readonly [string, ...string[]],
): z.ZodType<TypedProperty> {
  return z.object({ value: z.unknown(), type: z.unknown() }).transform((raw, ctx): TypedProperty => {
    const type = raw.type === undefined || raw.type === null || raw.type === "" ? fallback.type : raw.type;
    if (typeof type !== "string" || !types.includes(type)) {
      ctx.addIssue({
        code: "custom",
        message: `${name}: the property type must be one of ${types.join(", ")}, got ${JSON.stringify(type)}`,
      });
      return z.NEVER;
    }
    const value = typeof raw.value === "string" ? raw.value.trim() : "";
    // An arrival-time ("date") property has no value; the others need one.
    if (value === "" && type !== "date") {
      if (type === fallback.type) return fallback;
      ctx.addIssue({ code: "custom", message: `${name}: name a property or write an expression` });
      return z.NEVER;
    }
    return { value, type };
  });
}

/** Reads `def[key]` and `def[key + "Type"]` as a typed property. */
export function typedPropertyOf(
  def: Record<string, unknown>,
  key: string,
): { value: unknown; type: unknown } {
  return { value: def[key], type: def[`${key}Type`] };
}

/** A reader for `p`, prepared once (JSONata is compiled at deploy, so a bad expression fails then). */
export function propertyReader(RED: NodeAPI, node: object, p: TypedProperty): PropertyReader {
  switch (p.type) {
    case "msg":
      return (msg, cb) => {
        let v: unknown;
        try {
          v = RED.util.getMessageProperty(msg, p.value);
        } catch (err) {
          cb(err as Error);
          return;
        }
        cb(null, v);
      };
    case "date":
      return (_msg, cb) => cb(null, Date.now());
    case "jsonata": {
      const expr = RED.util.prepareJSONataExpression(p.value, node);
      return (msg, cb) => RED.util.evaluateJSONataExpression(expr, msg, cb);
    }
    default:
      return (msg, cb) => RED.util.evaluateNodeProperty(p.value, p.type, node, msg, cb);
  }
}

/** An event time from a message property: epoch ms, an ISO 8601 string or a Date. */
export function eventTimeOf(
  v: unknown,
  timeZone: string,
): { ok: true; time: number } | { ok: false; reason: string } {
  if (v instanceof Date) {
    const t = v.getTime();
    return Number.isNaN(t) ? { ok: false, reason: "event time: an invalid Date" } : { ok: true, time: t };
  }
  const r = parseTimestamp(v, timeZone);
  return r.ok ? { ok: true, time: r.epochMs } : { ok: false, reason: `event time: ${r.reason}` };
}

/** A series key from a message property: text as is, numbers and booleans as text, none as "". */
export function seriesKeyOf(v: unknown): { ok: true; key: string } | { ok: false; reason: string } {
  if (v === undefined || v === null) return { ok: true, key: "" };
  if (typeof v === "string") return { ok: true, key: v };
  if (typeof v === "number" || typeof v === "boolean") return { ok: true, key: String(v) };
  return {
    ok: false,
    reason: `series: must be text, a number or a boolean, got ${Array.isArray(v) ? "array" : typeof v}`,
  };
}

/** Runs readers one after the other (JSONata may answer later) and hands over all values. */
export function readAll(
  readers: readonly PropertyReader[],
  msg: NodeMessage,
  callback: (err: Error | null, values: unknown[]) => void,
): void {
  const values: unknown[] = [];
  const next = (i: number): void => {
    if (i === readers.length) {
      callback(null, values);
      return;
    }
    (readers[i] as PropertyReader)(msg, (err, v) => {
      if (err) {
        callback(err, values);
        return;
      }
      values.push(v);
      next(i + 1);
    });
  };
  next(0);
}
