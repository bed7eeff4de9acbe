import { describe, expect, it } from "vitest";
import { UsageError } from "../../cli/errors.js";
import {
  parseFaultsFlag,
  planSim,
  reproduceFlags,
  SEEDED_START,
  type SimFlags,
} from "../../cli/sim-flags.js";

const NOW = Date.UTC(2026, 10, 27, 21, 0, 0, 789);
const env = { now: () => NOW, randomSeed: () => 777, scenarioGiven: false };
const flags = (f: Partial<SimFlags> = {}): SimFlags => ({
  scenario: "random",
  tz: "UTC",
  format: "auto",
  ...f,
});
const usage = (f: Partial<SimFlags>, e = env) => {
  try {
    planSim(flags(f), e);
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    return (err as Error).message;
  }
  throw new Error("expected a UsageError");
};

describe("planSim", () => {
  it("with --seed and no --start starts at the fixed epoch, so a seed alone reproduces a run", () => {
    const plan = planSim(flags({ seed: "42", count: "2000" }), env);
    expect(plan.source).toEqual({
      kind: "scenario",
      options: { scenario: "random", seed: 42, start: SEEDED_START, rate: 1, faults: [] },
    });
    expect(plan.pacing).toEqual({ kind: "asap" });
    expect(plan.count).toBe(2000);
    expect(reproduceFlags(plan)).toBe("--seed 42 --start 2026-01-01T00:00:00.000Z");
  });

  it("without --seed draws one and starts now (to the second)", () => {
    const plan = planSim(flags(), env);
    expect(plan.seed).toBe(777);
    expect(plan.seedGiven).toBe(false);
    expect(plan.source.kind === "scenario" && plan.source.options.start).toBe(Date.UTC(2026, 10, 27, 21));
  });

  it("paces live at real time when open-ended, as fast as possible with --count alone", () => {
    expect(planSim(flags(), env).pacing).toEqual({ kind: "speed", factor: 1 });
    expect(planSim(flags({ count: "5" }), env).pacing).toEqual({ kind: "asap" });
    expect(planSim(flags({ count: "5", rate: "10" }), env).pacing).toEqual({ kind: "rate", perSecond: 10 });
    expect(planSim(flags({ rate: "0" }), env).pacing).toEqual({ kind: "asap" });
    expect(planSim(flags({ speed: "0" }), env).pacing).toEqual({ kind: "asap" });
    expect(planSim(flags({ speed: "60" }), env).pacing).toEqual({ kind: "speed", factor: 60 });
  });

  it("stamps random readings 1/rate apart when paced by --rate", () => {
    const plan = planSim(flags({ seed: "1", rate: "4" }), env);
    expect(plan.source.kind === "scenario" && plan.source.options).toMatchObject({
      scenario: "random",
      rate: 4,
    });
  });

  it("reads --start as ISO (naive in --tz), epoch ms or now", () => {
    const start = (s: string, tz = "UTC") => {
      const plan = planSim(flags({ seed: "1", start: s, tz }), env);
      return plan.source.kind === "scenario" ? plan.source.options.start : undefined;
    };
    expect(start("2026-03-01T12:00:00Z")).toBe(Date.UTC(2026, 2, 1, 12));
    expect(start("2026-03-01T12:00:00", "Europe/Paris")).toBe(Date.UTC(2026, 2, 1, 11));
    expect(start("1767225600000")).toBe(1767225600000);
    expect(start("now")).toBe(NOW);
  });

  it("builds realistic options from its flags", () => {
    const plan = planSim(
      flags({
        scenario: "realistic",
        seed: "5",
        people: "3",
        reportEvery: "1m",
        lightLeftOn: "0.25",
        tz: "Europe/Paris",
        faults: "late,spike=0.05",
      }),
      env,
    );
    expect(plan.source).toEqual({
      kind: "scenario",
      options: {
        scenario: "realistic",
        seed: 5,
        start: SEEDED_START,
        people: 3,
        reportEveryMs: 60_000,
        lightLeftOnChance: 0.25,
        timeZone: "Europe/Paris",
        faults: [{ kind: "late" }, { kind: "spike", probability: 0.05 }],
      },
    });
  });

  it("plans a replay, keeping the log's times unless --start moves it", () => {
    const plan = planSim(flags({ replay: "log.csv", speed: "10", faults: "dropout" }), env);
    expect(plan.source).toEqual({
      kind: "replay",
      path: "log.csv",
      format: "auto",
      timeZone: "UTC",
      start: undefined,
      faults: [{ kind: "dropout" }],
      seed: 777,
    });
    expect(plan.pacing).toEqual({ kind: "speed", factor: 10 });
  });

  it("names the flag in every usage error", () => {
    expect(usage({ count: "-1" })).toBe('--count: must be a whole number >= 0, got "-1"');
    expect(usage({ count: "1.5" })).toMatch(/^--count: /);
    expect(usage({ seed: "4294967296" })).toMatch(/^--seed: /);
    expect(usage({ rate: "fast" })).toMatch(/^--rate: /);
    expect(usage({ rate: "1", speed: "1" })).toBe("--rate and --speed both set the pacing; give one");
    expect(usage({ speed: "-1" })).toMatch(/^--speed: /);
    expect(usage({ start: "soon" })).toMatch(/^--start: /);
    expect(usage({ faults: "stuck,melt" })).toMatch(/^--faults: unknown fault "melt"/);
    expect(usage({ faults: "spike=2" })).toMatch(/^--faults spike: must be a probability/);
    expect(usage({ people: "2" })).toBe("--people applies to --scenario realistic");
    expect(usage({ scenario: "realistic", people: "0" })).toMatch(/^--people: /);
    expect(usage({ scenario: "realistic", reportEvery: "100ms" })).toBe(
      "--report-every: must be at least 1000 ms",
    );
    expect(usage({ scenario: "realistic", reportEvery: "often" })).toMatch(
      /^--report-every: invalid duration/,
    );
    expect(usage({ scenario: "realistic", lightLeftOn: "1.5" })).toBe(
      "--light-left-on: must be a probability from 0 to 1",
    );
    expect(usage({ scenario: "realistic", tz: "Mars/Olympus" })).toMatch(/^--tz: /);
    expect(usage({ replay: "x.jsonl" }, { ...env, scenarioGiven: true })).toMatch(/^--replay .* --scenario/);
    expect(usage({ replay: "x.jsonl", people: "2" })).toMatch(/^--people applies/);
  });
});

describe("parseFaultsFlag", () => {
  it("reads names with optional probabilities, ignoring spaces and empty items", () => {
    expect(parseFaultsFlag(" stuck, malformed=0.5 ,,late=0")).toEqual([
      { kind: "stuck" },
      { kind: "malformed", probability: 0.5 },
      { kind: "late", probability: 0 },
    ]);
  });
});
