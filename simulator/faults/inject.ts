// Fault injection over any event stream. Stages run in a fixed order whatever order they were
// listed in (stuck, spike, dropout, malformed, late: a value is corrupted before it can be lost,
// replaced or delayed), each with its own random stream derived from the seed, so enabling one
// fault never changes what another does, nor the fault-free stream underneath.
import type { SimEvent } from "../events.js";
import { FAULT_DEFAULTS, FAULT_KINDS, type FaultSpec } from "../options.js";
import { createRng, deriveSeed } from "../rng.js";
import { dropoutFault } from "./dropout.js";
import { lateFault } from "./late.js";
import { malformedFault } from "./malformed.js";
import { spikeFault } from "./spike.js";
import type { FaultParams, FaultStage } from "./stage.js";
import { stuckFault } from "./stuck.js";

const ORDER = ["stuck", "spike", "dropout", "malformed", "late"] as const;
const FACTORIES = {
  stuck: stuckFault,
  spike: spikeFault,
  dropout: dropoutFault,
  malformed: malformedFault,
  late: lateFault,
} satisfies Record<(typeof ORDER)[number], (p: FaultParams, rng: ReturnType<typeof createRng>) => FaultStage>;

export interface FaultInjector {
  /** Events that come out when `event` goes in (possibly none, possibly earlier held ones). */
  process(event: SimEvent): SimEvent[];
  /** Everything still held back, at the end of input. */
  flush(): SimEvent[];
}

export function createFaultInjector(specs: readonly FaultSpec[], seed: number): FaultInjector {
  const stages: FaultStage[] = [];
  for (const kind of ORDER) {
    // The last spec of a kind wins, as a later flag overrides an earlier one.
    const spec = specs.findLast((s) => s.kind === kind);
    if (!spec) continue;
    const params: FaultParams = {
      probability: spec.probability ?? FAULT_DEFAULTS[kind].probability,
      durationMs: spec.durationMs ?? FAULT_DEFAULTS[kind].durationMs,
    };
    stages.push(FACTORIES[kind](params, createRng(deriveSeed(seed, 100 + FAULT_KINDS.indexOf(kind)))));
  }
  const run = (input: SimEvent[], flushing: boolean): SimEvent[] => {
    let events = input;
    for (const stage of stages) {
      const out: SimEvent[] = [];
      for (const e of events) stage.process(e, out);
      if (flushing) stage.flush(out);
      events = out;
    }
    return events;
  };
  return {
    process: (event) => (stages.length === 0 ? [event] : run([event], false)),
    flush: () => run([], true),
  };
}

export function* withFaults(events: Iterable<SimEvent>, injector: FaultInjector): Generator<SimEvent, void> {
  for (const e of events) yield* injector.process(e);
  yield* injector.flush();
}

export async function* withFaultsAsync(
  events: AsyncIterable<SimEvent>,
  injector: FaultInjector,
): AsyncGenerator<SimEvent, void> {
  for await (const e of events) yield* injector.process(e);
  yield* injector.flush();
}
