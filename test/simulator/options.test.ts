import { describe, expect, it } from "vitest";
import { parseSimulationOptions, SimOptionsError } from "../../simulator/options.js";

const issuesOf = (input: unknown) => {
  try {
    parseSimulationOptions(input);
  } catch (err) {
    expect(err).toBeInstanceOf(SimOptionsError);
    return (err as SimOptionsError).issues;
  }
  throw new Error("expected a SimOptionsError");
};

describe("parseSimulationOptions", () => {
  it("fills the documented defaults", () => {
    expect(parseSimulationOptions({ scenario: "random", seed: 1, start: 0 })).toEqual({
      scenario: "random",
      seed: 1,
      start: 0,
      rate: 1,
      faults: [],
    });
    expect(parseSimulationOptions({ scenario: "realistic", seed: 1, start: 0 })).toEqual({
      scenario: "realistic",
      seed: 1,
      start: 0,
      people: 2,
      reportEveryMs: 30_000,
      lightLeftOnChance: 0.1,
      timeZone: "UTC",
      faults: [],
    });
  });

  it("names every bad field", () => {
    expect(
      issuesOf({ scenario: "random", seed: -1, start: 1.5, rate: 0, faults: [{ kind: "melt" }] }),
    ).toEqual([
      { field: "seed", message: "must be an integer from 0 to 4294967295" },
      { field: "start", message: "must be whole epoch milliseconds" },
      { field: "faults.0.kind", message: "must be one of stuck, dropout, spike, malformed, late" },
      { field: "rate", message: "must be greater than 0" },
    ]);
    expect(
      issuesOf({ scenario: "realistic", seed: 1, start: 0, lightLeftOnChance: 2, timeZone: "Mars/Olympus" }),
    ).toEqual([
      { field: "lightLeftOnChance", message: "must be a probability from 0 to 1" },
      { field: "timeZone", message: "must be an IANA time zone name such as UTC or Europe/Paris" },
    ]);
    expect(issuesOf({ scenario: "replay", seed: 1, start: 0 })).toEqual([
      { field: "scenario", message: 'must be "random" or "realistic"' },
    ]);
    expect(issuesOf({ scenario: "random", start: 0 })).toEqual([{ field: "seed", message: "is required" }]);
  });

  it("puts the fields in the error message", () => {
    expect(() => parseSimulationOptions({ scenario: "random", seed: 1, start: 0, rate: -2 })).toThrow(
      "rate: must be greater than 0",
    );
  });
});
