// The envelope every saved state shares (window engine, light-presence detector): what kind of
// state it is, the format version, and the configuration it was made under. Restoring checks all
// three before the content, so a state from another node type, another version or a configuration
// under which it means something else is discarded with a reason a user can read, never applied.
import { z } from "zod";
import { describeZodError } from "./issues.js";
import { describeType } from "./time.js";

/** The configuration a state depends on: plain values, compared field by field. */
export type StateConfig = Record<string, string | number | boolean | null | readonly (string | number)[]>;

export interface StateEnvelope<K extends string, B> {
  kind: K;
  version: number;
  config: StateConfig;
  body: B;
}

export type RestoreOutcome<T> =
  | { ok: true; value: T }
  /** `config`: saved under another configuration; `version`/`kind`: not ours; `corrupt`: malformed. */
  | { ok: false; reason: "config" | "version" | "kind" | "corrupt"; message: string };

const envelopeSchema = z.object(
  {
    kind: z.string({ error: "must be a string" }),
    version: z.number({ error: "must be a number" }),
    config: z.record(z.string(), z.unknown(), { error: "must be an object" }),
    body: z.unknown(),
  },
  { error: (iss) => `must be an object, got ${describeType(iss.input)}` },
);

function show(v: unknown): string {
  return v === undefined ? "nothing" : JSON.stringify(v);
}

/** What differs between two configurations, e.g. `windowMs 60000 → 30000`; empty when equal. */
export function configChanges(saved: Record<string, unknown>, current: StateConfig): string[] {
  const changes: string[] = [];
  for (const key of new Set([...Object.keys(current), ...Object.keys(saved)])) {
    const a = show(saved[key]);
    const b = show(current[key]);
    if (a !== b) changes.push(`${key} ${a} → ${b}`);
  }
  return changes;
}

/**
 * Checks `input`'s envelope against the expected kind, version and configuration, then validates
 * its body with `body`. Never throws.
 */
export function openEnvelope<T>(
  input: unknown,
  expected: { kind: string; version: number; config: StateConfig },
  body: z.ZodType<T>,
): RestoreOutcome<T> {
  const env = envelopeSchema.safeParse(input);
  if (!env.success)
    return {
      ok: false,
      reason: "corrupt",
      message: describeZodError(env.error, { prefix: "state", whole: "state" }),
    };
  const e = env.data;
  if (e.kind !== expected.kind) {
    return { ok: false, reason: "kind", message: `state is a ${show(e.kind)}, not a ${show(expected.kind)}` };
  }
  if (e.version !== expected.version) {
    return {
      ok: false,
      reason: "version",
      message: `state format version ${e.version} is not the supported version ${expected.version}`,
    };
  }
  const changes = configChanges(e.config, expected.config);
  if (changes.length > 0) {
    return { ok: false, reason: "config", message: `configuration changed: ${changes.join(", ")}` };
  }
  const b = body.safeParse(e.body);
  if (!b.success)
    return {
      ok: false,
      reason: "corrupt",
      message: describeZodError(b.error, { prefix: "state.body", whole: "state.body" }),
    };
  return { ok: true, value: b.data };
}
