// A simulation from validated options: the chosen scenario with the chosen faults on top. The
// stream is infinite; callers take as many events as they want.
import type { SimEvent } from "./events.js";
import { createFaultInjector, withFaults } from "./faults/inject.js";
import { parseSimulationOptions, type SimulationOptions } from "./options.js";
import { randomScenario } from "./random.js";
import { realisticScenario } from "./realistic/realistic.js";

/** Validates `input` (throwing a SimOptionsError naming each bad field) and starts the stream. */
export function createSimulation(input: unknown): Generator<SimEvent, void> {
  return simulate(parseSimulationOptions(input));
}

export function simulate(options: SimulationOptions): Generator<SimEvent, void> {
  const scenario = options.scenario === "random" ? randomScenario(options) : realisticScenario(options);
  if (options.faults.length === 0) return scenario;
  return withFaults(scenario, createFaultInjector(options.faults, options.seed));
}

/** The first `count` events of a stream. */
export function* take<T>(events: Iterable<T>, count: number): Generator<T, void> {
  if (count <= 0) return;
  let n = 0;
  for (const e of events) {
    yield e;
    if (++n >= count) return;
  }
}
