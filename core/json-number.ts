// Numbers in state snapshots: JSON has no Infinity or NaN (JSON.stringify writes null), yet a
// running sum can overflow to Infinity and an empty watermark is -Infinity. Finite numbers stay
// numbers; the rest are written as the strings "Infinity", "-Infinity" and "NaN".
import { z } from "zod";

export type JsonNumber = number | "Infinity" | "-Infinity" | "NaN";

export function toJsonNumber(n: number): JsonNumber {
  return Number.isFinite(n) ? n : (String(n) as JsonNumber);
}

/** Reads what `toJsonNumber` wrote back into a number. */
export const jsonNumber = z
  .union([z.number(), z.enum(["Infinity", "-Infinity", "NaN"])], {
    error: 'must be a number (or "Infinity", "-Infinity", "NaN")',
  })
  .transform((v) => (typeof v === "number" ? v : Number(v)));

/** The number a (validated) JsonNumber stands for. */
export function fromJsonNumber(v: JsonNumber | number): number {
  return typeof v === "number" ? v : Number(v);
}
