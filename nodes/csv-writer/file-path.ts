// Where a row goes: the file path template with date tokens, daily and size rotation names, and
// the rule that every path stays inside the base directory. Pure: the clock is passed in.
import { isAbsolute, join, parse, relative, resolve, sep } from "node:path";
import { zoneOffsetMs } from "@homestream/core/time";

const TOKEN = /\{([^{}]*)\}/g;
const TOKENS = ["YYYY", "MM", "DD", "HH", "mm", "date"] as const;
type Token = (typeof TOKENS)[number];
const DAY_TOKENS: ReadonlySet<string> = new Set(["DD", "date"]);

/** Checks a template's tokens; returns the problem in words, or undefined when it is fine. */
export function templateProblem(template: string): string | undefined {
  if (template.trim() === "") return "must not be empty";
  for (const m of template.matchAll(TOKEN)) {
    if (!(TOKENS as readonly string[]).includes(m[1] as string)) {
      return `unknown token {${m[1]}} (use ${TOKENS.map((t) => `{${t}}`).join(", ")})`;
    }
  }
  if (template.includes("\0")) return "must not contain a NUL character";
  return undefined;
}

/** True when the template names a new file every day by itself. */
export function hasDayToken(template: string): boolean {
  for (const m of template.matchAll(TOKEN)) if (DAY_TOKENS.has(m[1] as string)) return true;
  return false;
}

const pad = (n: number, width = 2) => String(n).padStart(width, "0");

/** Calendar fields of `epochMs` on the wall clock of `timeZone`. */
function wallFields(epochMs: number, timeZone: string): Record<Token, string> {
  const d = new Date(epochMs + zoneOffsetMs(epochMs, timeZone));
  const YYYY = pad(d.getUTCFullYear(), 4);
  const MM = pad(d.getUTCMonth() + 1);
  const DD = pad(d.getUTCDate());
  return { YYYY, MM, DD, HH: pad(d.getUTCHours()), mm: pad(d.getUTCMinutes()), date: `${YYYY}-${MM}-${DD}` };
}

/** The template with its tokens replaced by the date of `epochMs` in `timeZone`. */
export function renderTemplate(template: string, epochMs: number, timeZone: string): string {
  if (!template.includes("{")) return template;
  const f = wallFields(epochMs, timeZone);
  return template.replace(TOKEN, (_, token: string) => f[token as Token]);
}

/** The calendar day of `epochMs` in `timeZone`, as YYYY-MM-DD. */
export function dayOf(epochMs: number, timeZone: string): string {
  return wallFields(epochMs, timeZone).date;
}

/** "out/alerts.csv" + "2026-11-27" -> "out/alerts-2026-11-27.csv" (daily rotation without a day token). */
export function withDaySuffix(path: string, day: string): string {
  const p = parse(path);
  return join(p.dir, `${p.name}-${day}${p.ext}`);
}

/** "out/alerts.csv" + 3 -> "out/alerts.3.csv": the name a full file is moved to by size rotation. */
export function rotatedName(path: string, index: number): string {
  const p = parse(path);
  return join(p.dir, `${p.name}.${index}${p.ext}`);
}

export type Confined = { ok: true; path: string } | { ok: false; reason: string };

/**
 * Resolves `target` against `baseDir` and refuses anything that lands outside it (`..`, an
 * absolute path elsewhere) or on the base directory itself. `baseDir` must be absolute.
 */
export function confine(baseDir: string, target: string): Confined {
  if (target.includes("\0")) return { ok: false, reason: "file name must not contain a NUL character" };
  const full = resolve(baseDir, target);
  const rel = relative(baseDir, full);
  if (rel === "" || rel === ".." || rel.startsWith(`..${sep}`) || isAbsolute(rel)) {
    return { ok: false, reason: `file "${target}" is outside the base directory "${baseDir}"` };
  }
  return { ok: true, path: full };
}
