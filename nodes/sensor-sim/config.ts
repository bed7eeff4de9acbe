// The sensor-sim's configuration as the editor saves it, validated once at deploy, and the event
// stream it describes.
import { isAbsolute, resolve } from "node:path";
import type { SimEvent } from "@homestream/simulator/events";
import { createFaultInjector, withFaultsAsync } from "@homestream/simulator/faults/inject";
import { FAULT_KINDS, type FaultSpec, parseSimulationOptions } from "@homestream/simulator/options";
import type { Pacing } from "@homestream/simulator/pacing";
import { replayLog } from "@homestream/simulator/replay/read-log";
import { deriveSeed } from "@homestream/simulator/rng";
import { simulate } from "@homestream/simulator/simulation";
import { z } from "zod";
import {
  choice,
  duration,
  flag,
  list,
  NodeConfigError,
  number,
  parseConfig,
  text,
  timeZone,
} from "../shared/config.js";
import { asyncSource, type EventSource, syncSource } from "./sim-runner.js";

const schema = z
  .object({
    mode: choice(["random", "realistic", "replay"], "random"),
    seed: number(1, { min: 0, max: 0xffffffff, integer: true }),
    rate: number(1, { min: 0.001, max: 1_000_000 }),
    people: number(2, { min: 1, max: 20, integer: true }),
    reportEvery: duration(30_000, { min: 1000 }),
    lightLeftOn: number(0.1, { min: 0, max: 1 }),
    timeZone: timeZone(),
    file: text(""),
    format: choice(["auto", "jsonl", "csv"], "auto"),
    retime: flag(true),
    speed: number(1, { min: 0.001, max: 1_000_000 }),
    asap: flag(false),
    faults: list([]).superRefine((faults, ctx) => {
      for (const f of faults) {
        if (!(FAULT_KINDS as readonly string[]).includes(f)) {
          ctx.addIssue({ code: "custom", message: `unknown fault "${f}" (use ${FAULT_KINDS.join(", ")})` });
        }
      }
    }),
    count: number(0, { min: 0, integer: true }),
    // readings per message: 1 sends each alone; more sends arrays of the readings due together
    batch: number(1, { min: 1, max: 10_000, integer: true }),
    autoStart: flag(true),
  })
  .loose()
  .superRefine((c, ctx) => {
    if (c.mode === "replay" && c.file === "") {
      ctx.addIssue({ code: "custom", path: ["file"], message: "is required to replay a log" });
    }
  });

export type SensorSimConfig = z.output<typeof schema> & { filePath: string };

export function sensorSimConfig(def: unknown, workingDir: string): SensorSimConfig {
  const c = parseConfig(schema, def);
  return { ...c, filePath: c.file === "" || isAbsolute(c.file) ? c.file : resolve(workingDir, c.file) };
}

/**
 * Wall-clock pacing: random mode plays at its rate (its events are spaced by it too); realistic
 * and replay keep their event-time rhythm at `speed`, unless msg.rate asked for a fixed rate.
 */
export function pacingOf(
  c: SensorSimConfig,
  now: { rate: number; speed: number; fixedRate: boolean },
): Pacing {
  if (c.asap) return { kind: "asap" };
  if (c.mode === "random" || now.fixedRate) return { kind: "rate", perSecond: now.rate };
  return { kind: "speed", factor: now.speed };
}

export interface StreamOptions {
  /** Event time of the first event. */
  start: number;
  /** Random mode: readings per second of event time (msg.rate changes it). */
  rate: number;
  /** Runs of this node since deploy; varies the seed so a restarted stream does not repeat. */
  generation: number;
  onRejected: (line: number, reason: string) => void;
}

/** The event stream the configuration describes. Throws a NodeConfigError for bad options. */
export function openStream(c: SensorSimConfig, o: StreamOptions): EventSource {
  const faults: FaultSpec[] = c.faults.map((kind) => ({ kind: kind as FaultSpec["kind"] }));
  const seed = o.generation === 0 ? c.seed : deriveSeed(c.seed, o.generation);
  if (c.mode === "replay") {
    const events = replayLog({
      source: c.filePath,
      format: c.format,
      timeZone: c.timeZone,
      start: c.retime ? o.start : undefined,
      onRejected: o.onRejected,
    });
    const injected: AsyncGenerator<SimEvent, void> =
      faults.length > 0 ? withFaultsAsync(events, createFaultInjector(faults, seed)) : events;
    return asyncSource(injected);
  }
  try {
    const options =
      c.mode === "random"
        ? parseSimulationOptions({ scenario: "random", seed, start: o.start, rate: o.rate, faults })
        : parseSimulationOptions({
            scenario: "realistic",
            seed,
            start: o.start,
            faults,
            people: c.people,
            reportEveryMs: c.reportEvery,
            lightLeftOnChance: c.lightLeftOn,
            timeZone: c.timeZone,
          });
    return syncSource(simulate(options));
  } catch (err) {
    throw new NodeConfigError(`invalid configuration: ${(err as Error).message}`);
  }
}
