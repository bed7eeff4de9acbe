// `homestream sim`: simulated (or replayed) readings as JSONL on stdout. Event time and wall-clock
// pacing are separate: a seeded run prints the same readings, timestamps included, whether it is
// printed at once (`--count`) or played out live (`--rate`, `--speed`).
import { randomInt } from "node:crypto";
import { access } from "node:fs/promises";
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { toIso } from "@homestream/core/time";
import type { SimEvent } from "@homestream/simulator/events";
import { createFaultInjector, withFaultsAsync } from "@homestream/simulator/faults/inject";
import { FAULT_KINDS } from "@homestream/simulator/options";
import { PaceSchedule } from "@homestream/simulator/pacing";
import { replayLog } from "@homestream/simulator/replay/read-log";
import { simulate } from "@homestream/simulator/simulation";
import { Command, Option } from "commander";
import { UsageError } from "./errors.js";
import { planSim, reproduceFlags, SEEDED_START, type SimFlags, type SimPlan } from "./sim-flags.js";
import { createStdoutOutput, type SimOutput } from "./sim-output.js";
import { createKafkaOutput, createMqttOutput } from "./sim-sinks.js";

interface SinkFlags {
  mqtt?: string;
  qos: "0" | "1";
  kafka?: string;
  kafkaTopic: string;
}

export interface SimSummary {
  lines: number;
  readings: number;
  malformed: number;
  /** Log lines a replay skipped as invalid. */
  skipped: number;
  firstTime: number | undefined;
  lastTime: number | undefined;
  /** Stopped by SIGINT/SIGTERM rather than by --count or the end of a log. */
  interrupted: boolean;
}

export interface SimIo {
  output: SimOutput;
  log: (line: string) => void;
  /** Stops the run when aborted (the command wires SIGINT and SIGTERM to it). */
  signal: AbortSignal;
}

/** In an unpaced run, how often to let the event loop breathe (signals, a closed pipe). */
const YIELD_EVERY = 256;

async function eventsOf(
  plan: SimPlan,
  log: (line: string) => void,
): Promise<Iterable<SimEvent> | AsyncIterable<SimEvent>> {
  const source = plan.source;
  if (source.kind === "scenario") return simulate(source.options);
  const events = replayLog({
    source: source.path === "-" ? process.stdin : source.path,
    format: source.format,
    timeZone: source.timeZone,
    start: source.start,
    onRejected: (line, reason) => log(`sim: line ${line}: ${reason}`),
  });
  return source.faults.length === 0
    ? events
    : withFaultsAsync(events, createFaultInjector(source.faults, source.seed));
}

/** Emits the plan's events to the output, paced; resolves with the counts when done or stopped. */
export async function runSim(plan: SimPlan, io: SimIo): Promise<SimSummary> {
  const summary: SimSummary = {
    lines: 0,
    readings: 0,
    malformed: 0,
    skipped: 0,
    firstTime: undefined,
    lastTime: undefined,
    interrupted: false,
  };
  const log = (line: string) => {
    if (line.startsWith("sim: line ")) summary.skipped++;
    io.log(line);
  };
  const events = await eventsOf(plan, log);
  const pace = new PaceSchedule(plan.pacing);
  const t0 = performance.now();
  let sinceYield = 0;

  if (plan.count !== 0) {
    for await (const event of events) {
      if (io.signal.aborted) break;
      const wait = t0 + pace.next(event.time) - performance.now();
      if (wait > 0) {
        const slept = await sleep(wait, true, { signal: io.signal }).catch(() => false);
        if (!slept) break;
      } else if (++sinceYield >= YIELD_EVERY) {
        sinceYield = 0;
        await new Promise<void>((resolve) => setImmediate(resolve));
        if (io.signal.aborted) break;
      }
      const pending = io.output.send(event);
      if (pending) await pending;
      summary.lines++;
      if (event.kind === "reading") summary.readings++;
      else summary.malformed++;
      summary.firstTime = Math.min(summary.firstTime ?? event.time, event.time);
      summary.lastTime = Math.max(summary.lastTime ?? event.time, event.time);
      if (plan.count !== undefined && summary.lines >= plan.count) break;
    }
  }
  summary.interrupted = io.signal.aborted;
  await io.output.close();
  return summary;
}

function describeRun(summary: SimSummary): string {
  const span =
    summary.firstTime === undefined || summary.lastTime === undefined
      ? ""
      : `, event time ${toIso(summary.firstTime)} to ${toIso(summary.lastTime)}`;
  const skipped = summary.skipped > 0 ? `, ${summary.skipped} log lines skipped` : "";
  const stop = summary.interrupted ? " (interrupted)" : "";
  return (
    `sim: ${summary.lines} lines, ${summary.readings} readings, ${summary.malformed} malformed` +
    `${skipped}${span}${stop}`
  );
}

export function simCommand(): Command {
  const command = new Command("sim");
  return command
    .summary("simulated smart-home readings (JSONL on stdout): random, realistic or a replayed log")
    .description(
      "Seeded sensor readings as JSONL on stdout, one reading a line, in the wire format " +
        "(room, sensor_type, value, timestamp, device_id). The same seed and start give the same readings.",
    )
    .addOption(
      new Option(
        "--scenario <name>",
        "random: the original producer's distribution; realistic: people, routines, drift",
      )
        .choices(["random", "realistic"])
        .default("random"),
    )
    .option("--count <n>", "stop after n lines (default: run until stopped); alone, prints them at once")
    .option("--rate <r>", "pace at r lines per wall-clock second (0: as fast as possible)")
    .option("--speed <x>", "pace by event time, x times real time (1: real time, 0: as fast as possible)")
    .option("--seed <n>", "seed, 0 to 4294967295 (default: a fresh one, shown on stderr)")
    .option(
      "--start <time>",
      `event time of the first reading: ISO 8601, epoch ms or "now" (default: ${toIso(SEEDED_START)} with --seed, else now)`,
    )
    .option("--tz <zone>", "IANA zone of the realistic routine's clock and of naive replay timestamps", "UTC")
    .option(
      "--faults <list>",
      `inject faults, comma-separated, each optionally name=probability: ${FAULT_KINDS.join(", ")}`,
    )
    .option("--people <n>", "realistic: people living in the home (default 2)")
    .option("--report-every <duration>", "realistic: each device's report interval (default 30s)")
    .option("--light-left-on <p>", "realistic: chance the last person out leaves the light on (default 0.1)")
    .option("--mqtt <url>", "publish to this MQTT broker (home/<room>/<sensor_type>) instead of stdout")
    .addOption(new Option("--qos <qos>", "MQTT QoS of the publishes").choices(["0", "1"]).default("1"))
    .option("--kafka <brokers>", "produce to Kafka (comma-separated host:port; key = room) instead of stdout")
    .option("--kafka-topic <topic>", "Kafka topic for --kafka", "home_sensors")
    .option("--replay <file>", "re-emit a recorded log (JSONL or CSV; - for stdin) instead of simulating")
    .addOption(
      new Option("--format <format>", "replay log format (auto: by first line)")
        .choices(["auto", "jsonl", "csv"])
        .default("auto"),
    )
    .addHelpText(
      "after",
      `
Event time and pacing:
  Readings carry event times from the simulation (or the log), never from the wall
  clock, so a seeded run is identical however fast it is printed.
  --count n alone      prints n lines as fast as possible (a batch)
  --rate r             r lines per wall-clock second; in the random scenario the
                       readings are also stamped 1/r s apart, like a producer at that rate
  --speed x            wall-clock gaps are event-time gaps / x (a replay at its own rhythm)
  neither, no --count  live: real time (the random scenario: 1 reading a second,
                       like the original producer; realistic and replay: speed 1)

Seeds and start:
  Without --seed a fresh seed is drawn and the run starts now; both are printed on
  stderr (the same flags plus that --seed and --start reproduce the run). With --seed
  and no --start the run starts at ${toIso(SEEDED_START)}, so
  "--seed 42 --count 2000" prints the same 2000 lines every time.
  --replay keeps the log's timestamps unless --start moves the log.

Faults (per-reading probability, default in brackets):
  stuck [0.002]     a device repeats one value for 30 min
  dropout [0.002]   a device goes silent for 10 min
  spike [0.01]      an outlier temperature or humidity
  malformed [0.01]  an invalid payload in place of a reading (broken JSON, bad field)
  late [0.02]       a reading arrives up to 2 min of event time after later ones

Ctrl+C (or a closed pipe, e.g. | head) stops quietly with exit code 0.

Examples:
  homestream sim --seed 42 --count 2000 > readings.jsonl
  homestream sim --scenario realistic --faults late,malformed=0.05 --speed 60
  homestream sim --replay data/sample_events.csv --speed 10
  homestream sim --scenario realistic --speed 60 --mqtt mqtt://127.0.0.1:1883
  homestream sim --rate 100 --kafka 127.0.0.1:9092`,
    )
    .action(async (flags: SimFlags & SinkFlags) => {
      if (flags.mqtt !== undefined && flags.kafka !== undefined) {
        throw new UsageError("--mqtt and --kafka: choose one output");
      }
      const plan = planSim(flags, {
        now: () => Date.now(),
        randomSeed: () => randomInt(0, 2 ** 32),
        scenarioGiven: command.getOptionValueSource("scenario") === "cli",
      });
      if (plan.source.kind === "replay" && plan.source.path !== "-") {
        const path = plan.source.path;
        await access(path).catch(() => {
          throw new UsageError(`--replay: cannot read "${path}"`);
        });
      }
      const log = (line: string) => process.stderr.write(`${line}\n`);
      if (plan.source.kind === "replay" && plan.source.faults.length === 0) {
        // Nothing random happens in a plain replay: no seed to report.
        log(`sim: replay of ${plan.source.path}`);
      } else {
        const what =
          plan.source.kind === "replay"
            ? `replay of ${plan.source.path}`
            : `${plan.source.options.scenario} scenario`;
        log(`sim: ${what}, seed ${plan.seed} (to reproduce: the same flags with ${reproduceFlags(plan)})`);
      }

      const stop = new AbortController();
      const onSignal = () => stop.abort();
      process.once("SIGINT", onSignal);
      process.once("SIGTERM", onSignal);
      try {
        const output =
          flags.mqtt !== undefined
            ? await createMqttOutput(flags.mqtt, flags.qos === "0" ? 0 : 1)
            : flags.kafka !== undefined
              ? createKafkaOutput(flags.kafka, flags.kafkaTopic)
              : createStdoutOutput(process.stdout);
        const summary = await runSim(plan, {
          output,
          log,
          signal: stop.signal,
        });
        log(describeRun(summary));
      } finally {
        process.removeListener("SIGINT", onSignal);
        process.removeListener("SIGTERM", onSignal);
      }
    });
}
