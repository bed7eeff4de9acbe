// `homestream sim` flags to a plan: which stream (a seeded scenario or a replayed log), which
// faults, how it is paced on the wall clock and when it stops. Every bad flag is a UsageError
// naming it. The clock and the seed source are passed in, so the defaults are testable.
import { parseDuration } from "@homestream/core/duration";
import { formatIssues } from "@homestream/core/issues";
import { parseTimestamp, toIso } from "@homestream/core/time";
import {
  FAULT_KINDS,
  type FaultSpec,
  parseSimulationOptions,
  SimOptionsError,
  type SimulationOptions,
} from "@homestream/simulator/options";
import type { Pacing } from "@homestream/simulator/pacing";
import type { LogFormat } from "@homestream/simulator/replay/log-parser";
import { UsageError } from "./errors.js";

/** The flags as commander hands them over (strings until checked here). */
export interface SimFlags {
  scenario: "random" | "realistic";
  count?: string;
  rate?: string;
  speed?: string;
  seed?: string;
  start?: string;
  tz: string;
  faults?: string;
  people?: string;
  reportEvery?: string;
  lightLeftOn?: string;
  replay?: string;
  format: LogFormat;
}

export interface SimEnvironment {
  /** Wall-clock now, epoch ms (the default start when no seed is given). */
  now: () => number;
  /** A fresh seed when none is given. */
  randomSeed: () => number;
  /** Whether --scenario was given on the command line (not just its default). */
  scenarioGiven: boolean;
}

/** Event time of the first reading when --seed is given without --start: fixed, so a seed alone reproduces a run. */
export const SEEDED_START = Date.UTC(2026, 0, 1, 0, 0, 0);

export type SimSource =
  | { kind: "scenario"; options: SimulationOptions }
  | {
      kind: "replay";
      /** File path, or "-" for stdin. */
      path: string;
      format: LogFormat;
      timeZone: string;
      /** New start for the log's first reading; undefined keeps the recorded times. */
      start: number | undefined;
      faults: FaultSpec[];
      seed: number;
    };

export interface SimPlan {
  source: SimSource;
  pacing: Pacing;
  /** Events to emit; undefined: until stopped (or the replayed log ends). */
  count: number | undefined;
  seed: number;
  seedGiven: boolean;
}

const FLAG_OF_FIELD: Record<string, string> = {
  seed: "--seed",
  start: "--start",
  rate: "--rate",
  people: "--people",
  reportEveryMs: "--report-every",
  lightLeftOnChance: "--light-left-on",
  timeZone: "--tz",
  faults: "--faults",
};

function numberFlag(flag: string, text: string, what: string, ok: (n: number) => boolean): number {
  const n = Number(text.trim());
  if (text.trim() === "" || !Number.isFinite(n) || !ok(n))
    throw new UsageError(`${flag}: must be ${what}, got "${text}"`);
  return n;
}

const wholeNumber = (flag: string, text: string) =>
  numberFlag(flag, text, "a whole number >= 0", (n) => Number.isInteger(n) && n >= 0);

function startFlag(text: string, tz: string, now: () => number): number {
  if (text.trim().toLowerCase() === "now") return now();
  const input = /^-?\d+$/.test(text.trim()) ? Number(text) : text.trim();
  const ts = parseTimestamp(input, tz);
  if (!ts.ok) throw new UsageError(`--start: ${ts.reason} (or "now", or epoch milliseconds)`);
  return ts.epochMs;
}

/** "stuck,spike=0.05,late" to fault specs; `=p` sets the per-reading probability. */
export function parseFaultsFlag(text: string): FaultSpec[] {
  const specs: FaultSpec[] = [];
  for (const item of text.split(",").map((s) => s.trim())) {
    if (item === "") continue;
    const [name = "", probability] = item.split("=").map((s) => s.trim());
    if (!(FAULT_KINDS as readonly string[]).includes(name)) {
      throw new UsageError(
        `--faults: unknown fault "${name}" (use ${FAULT_KINDS.join(", ")}, optionally name=probability)`,
      );
    }
    const spec: FaultSpec = { kind: name as FaultSpec["kind"] };
    if (probability !== undefined) {
      spec.probability = numberFlag(
        `--faults ${name}`,
        probability,
        "a probability from 0 to 1",
        (p) => p >= 0 && p <= 1,
      );
    }
    specs.push(spec);
  }
  return specs;
}

function pacingOf(flags: SimFlags, count: number | undefined): Pacing {
  if (flags.rate !== undefined && flags.speed !== undefined) {
    throw new UsageError("--rate and --speed both set the pacing; give one");
  }
  if (flags.rate !== undefined) {
    const perSecond = numberFlag(
      "--rate",
      flags.rate,
      "a number of readings per second >= 0 (0: as fast as possible)",
      (n) => n >= 0,
    );
    return perSecond === 0 ? { kind: "asap" } : { kind: "rate", perSecond };
  }
  if (flags.speed !== undefined) {
    const factor = numberFlag(
      "--speed",
      flags.speed,
      "a factor >= 0 (1: real time, 0: as fast as possible)",
      (n) => n >= 0,
    );
    return factor === 0 ? { kind: "asap" } : { kind: "speed", factor };
  }
  // A counted run is a batch: print it now. An open-ended run plays out in real time.
  return count !== undefined ? { kind: "asap" } : { kind: "speed", factor: 1 };
}

export function planSim(flags: SimFlags, env: SimEnvironment): SimPlan {
  const count = flags.count === undefined ? undefined : wholeNumber("--count", flags.count);
  const pacing = pacingOf(flags, count);
  const seedGiven = flags.seed !== undefined;
  const seed =
    flags.seed === undefined
      ? env.randomSeed()
      : numberFlag(
          "--seed",
          flags.seed,
          "an integer from 0 to 4294967295",
          (n) => Number.isInteger(n) && n >= 0 && n <= 0xffffffff,
        );
  const faults = flags.faults === undefined ? [] : parseFaultsFlag(flags.faults);

  if (flags.replay !== undefined) {
    if (env.scenarioGiven)
      throw new UsageError("--replay re-emits a recorded log; it does not take --scenario");
    for (const [flag, value] of [
      ["--people", flags.people],
      ["--report-every", flags.reportEvery],
      ["--light-left-on", flags.lightLeftOn],
    ] as const) {
      if (value !== undefined)
        throw new UsageError(`${flag} applies to --scenario realistic, not to --replay`);
    }
    return {
      source: {
        kind: "replay",
        path: flags.replay,
        format: flags.format,
        timeZone: flags.tz,
        start: flags.start === undefined ? undefined : startFlag(flags.start, flags.tz, env.now),
        faults,
        seed,
      },
      pacing,
      count,
      seed,
      seedGiven,
    };
  }

  // Without a seed the run is a fresh one, stamped from now; with a seed it is a reproduction,
  // so its default start is fixed too (the same seed prints the same readings, timestamps included).
  const start =
    flags.start !== undefined
      ? startFlag(flags.start, flags.tz, env.now)
      : seedGiven
        ? SEEDED_START
        : Math.floor(env.now() / 1000) * 1000;
  const input: Record<string, unknown> = { scenario: flags.scenario, seed, start, faults };
  if (flags.scenario === "random") {
    // Event times are spaced as a producer sending at --rate would stamp them; 1 a second otherwise.
    if (pacing.kind === "rate") input.rate = pacing.perSecond;
    for (const [flag, value] of [
      ["--people", flags.people],
      ["--report-every", flags.reportEvery],
      ["--light-left-on", flags.lightLeftOn],
    ] as const) {
      if (value !== undefined) throw new UsageError(`${flag} applies to --scenario realistic`);
    }
  } else {
    input.timeZone = flags.tz;
    if (flags.people !== undefined) input.people = wholeNumber("--people", flags.people);
    if (flags.reportEvery !== undefined) {
      try {
        input.reportEveryMs = parseDuration(flags.reportEvery);
      } catch (err) {
        throw new UsageError(`--report-every: ${(err as Error).message}`);
      }
    }
    if (flags.lightLeftOn !== undefined) {
      input.lightLeftOnChance = numberFlag(
        "--light-left-on",
        flags.lightLeftOn,
        "a probability from 0 to 1",
        () => true,
      );
    }
  }
  try {
    return {
      source: { kind: "scenario", options: parseSimulationOptions(input) },
      pacing,
      count,
      seed,
      seedGiven,
    };
  } catch (err) {
    if (!(err instanceof SimOptionsError)) throw err;
    throw new UsageError(formatIssues(err.issues, { nameOf: (f) => FLAG_OF_FIELD[f.split(".")[0] ?? ""] }));
  }
}

/** The flags that, added to the others given, reproduce a plan's stream exactly (for the stderr banner). */
export function reproduceFlags(plan: SimPlan): string {
  if (plan.source.kind === "replay") {
    // A replay's start is either absent or already among the flags; only the faults' seed is new.
    return `--seed ${plan.seed}`;
  }
  return `--seed ${plan.seed} --start ${toIso(plan.source.options.start)}`;
}
