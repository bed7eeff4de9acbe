// Numbers in state snapshots: JSON has no Infinity or NaN (JSON.stringify writes null), yet a
// running sum can overflow to Infinity and an empty watermark is -Infinity; and it writes -0 as 0,
// which a minimum of -0 must survive for a restored engine to equal the saved one. Other numbers
// stay numbers; these are written as the strings "Infinity", "-Infinity", "NaN" and "-0".
import { z } from "zod";

export type JsonNumber = number | "Infinity" | "-Infinity" | "NaN" | "-0";

export function toJsonNumber(n: number): JsonNumber {
  if (Object.is(n, -0)) return "-0";
  return Number.isFinite(n) ? n : (String(n) as JsonNumber);
}

/** Reads what `toJsonNumber` wrote back into a number. */
export const jsonNumber = z
  .union([z.number(), z.enum(["Infinity", "-Infinity", "NaN", "-0"])], {
    error: 'must be a number (or "Infinity", "-Infinity", "NaN", "-0")',
  })
  .transform((v) => fromJsonNumber(v));

/** The number a (validated) JsonNumber stands for. */
export function fromJsonNumber(v: JsonNumber | number): number {
  return typeof v === "number" ? v : Number(v);
}
