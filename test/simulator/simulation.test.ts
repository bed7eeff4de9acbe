import { describe, expect, it } from "vitest";
import { createSimulation, take } from "../../simulator/simulation.js";
import { START } from "./helpers.js";

describe("createSimulation", () => {
  it("runs the chosen scenario with its faults, deterministically", () => {
    const options = {
      scenario: "realistic",
      seed: 3,
      start: START,
      faults: [{ kind: "malformed", probability: 0.1 }],
    };
    const a = [...take(createSimulation(options), 1000)];
    expect(a).toHaveLength(1000);
    expect(a.some((e) => e.kind === "malformed")).toBe(true);
    expect([...take(createSimulation(options), 1000)]).toEqual(a);
  });

  it("validates its options before starting", () => {
    expect(() => createSimulation({ scenario: "random", seed: 1, start: 0, rate: 0 })).toThrow(/^rate: /);
  });

  it("take stops after the count, and takes nothing for 0", () => {
    expect([...take([1, 2, 3, 4], 2)]).toEqual([1, 2]);
    expect([...take([1, 2], 0)]).toEqual([]);
  });
});
