// Simulator options: one zod schema per scenario, validated once before a run. Every rejection
// names the field (`rate: must be greater than 0`), so the CLI and the Node-RED node can say
// which setting is wrong.

import { fieldIssues, formatIssues } from "@homestream/core/issues";
import { assertTimeZone } from "@homestream/core/time";
import { z } from "zod";

/** Largest magnitude a JavaScript Date can hold (ECMA-262 §21.4.1.22). */
const MAX_EPOCH_MS = 8.64e15;

export const FAULT_KINDS = ["stuck", "dropout", "spike", "malformed", "late"] as const;

/** Per-reading probability and episode length (stuck, dropout) or largest delay (late). */
export const FAULT_DEFAULTS: Record<
  (typeof FAULT_KINDS)[number],
  { probability: number; durationMs: number }
> = {
  stuck: { probability: 0.002, durationMs: 30 * 60_000 },
  dropout: { probability: 0.002, durationMs: 10 * 60_000 },
  spike: { probability: 0.01, durationMs: 0 },
  malformed: { probability: 0.01, durationMs: 0 },
  late: { probability: 0.02, durationMs: 120_000 },
};

const number = (what: string) =>
  z.number({ error: (iss) => (iss.input === undefined ? "is required" : `must be ${what}`) });

const seed = number("an integer from 0 to 4294967295")
  .int("must be an integer from 0 to 4294967295")
  .min(0, "must be an integer from 0 to 4294967295")
  .max(0xffffffff, "must be an integer from 0 to 4294967295");

const start = number("epoch milliseconds")
  .int("must be whole epoch milliseconds")
  .refine((t) => Math.abs(t) <= MAX_EPOCH_MS, "is out of the range of a date");

const probability = number("a probability from 0 to 1")
  .min(0, "must be a probability from 0 to 1")
  .max(1, "must be a probability from 0 to 1");

const timeZone = z
  .string({ error: "must be an IANA time zone name such as UTC or Europe/Paris" })
  .refine((tz) => {
    try {
      assertTimeZone(tz);
      return true;
    } catch {
      return false;
    }
  }, "must be an IANA time zone name such as UTC or Europe/Paris");

export const faultSpecSchema = z.object({
  kind: z.enum(FAULT_KINDS, { error: `must be one of ${FAULT_KINDS.join(", ")}` }),
  /** Per-reading probability that the fault strikes; the kind's default when omitted. */
  probability: probability.optional(),
  /** Episode length (stuck, dropout) or largest delay (late), ms; the kind's default when omitted. */
  durationMs: number("a duration in milliseconds").int("must be whole milliseconds").min(0).optional(),
});

const common = {
  seed,
  /** Event time of the first reading, epoch ms. */
  start,
  faults: z.array(faultSpecSchema, { error: "must be a list of faults" }).default([]),
};

export const randomOptionsSchema = z.object({
  scenario: z.literal("random"),
  ...common,
  /** Readings per second of event time (the original producer sent about one a second). */
  rate: number("a number of readings per second").gt(0, "must be greater than 0").max(1e6).default(1),
});

export const realisticOptionsSchema = z.object({
  scenario: z.literal("realistic"),
  ...common,
  /** People living in the home, moving between rooms. */
  people: number("a whole number of people").int("must be a whole number").min(1).max(20).default(2),
  /** How often each device reports its state, ms (presence and light also report on change). */
  reportEveryMs: number("a duration in milliseconds")
    .int("must be whole milliseconds")
    .min(1000, "must be at least 1000 ms")
    .max(86_400_000, "must be at most a day")
    .default(30_000),
  /** Probability that the last person leaving a room leaves its light on. */
  lightLeftOnChance: probability.default(0.1),
  /** Zone whose clock drives the daily routine (night, morning, day, evening). */
  timeZone: timeZone.default("UTC"),
});

export const simulationOptionsSchema = z.discriminatedUnion(
  "scenario",
  [randomOptionsSchema, realisticOptionsSchema],
  {
    error: 'must be "random" or "realistic"',
  },
);

export type FaultSpec = z.output<typeof faultSpecSchema>;
export type RandomOptions = z.output<typeof randomOptionsSchema>;
export type RealisticOptions = z.output<typeof realisticOptionsSchema>;
export type SimulationOptions = z.output<typeof simulationOptionsSchema>;
export type SimulationOptionsInput = z.input<typeof simulationOptionsSchema>;

export interface OptionIssue {
  /** Dotted path of the option, e.g. "faults.0.probability". */
  field: string;
  message: string;
}

/** Invalid simulator options; the message lists every issue with its field. */
export class SimOptionsError extends Error {
  override name = "SimOptionsError";
  constructor(readonly issues: OptionIssue[]) {
    super(formatIssues(issues));
  }
}

function toIssues(error: z.ZodError): OptionIssue[] {
  return fieldIssues(error.issues);
}

/** Validates options (filling defaults) or throws a SimOptionsError naming each bad field. */
export function parseSimulationOptions(input: unknown): SimulationOptions {
  const result = simulationOptionsSchema.safeParse(input);
  if (!result.success) throw new SimOptionsError(toIssues(result.error));
  return result.data;
}
