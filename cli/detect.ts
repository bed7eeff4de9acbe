// `homestream detect`: light-without-presence anomaly events (JSONL) from a recorded log, with
// the very same LightPresenceDetector the Node-RED node runs. Event time only: a grace period or
// a presence age is measured against the readings' timestamps, never the wall clock.

import { restoreDetector, snapshotDetector } from "@homestream/core/detector-state";
import { parseDuration } from "@homestream/core/duration";
import { formatIssues } from "@homestream/core/issues";
import {
  LightPresenceDetector,
  parseLightPresenceOptions,
  type ResolvedLightPresenceOptions,
} from "@homestream/core/light-presence";
import { Command, Option } from "commander";
import { UsageError } from "./errors.js";
import { forEachReading, type InputFormat, type InputSummary } from "./input.js";
import { createJsonlWriter } from "./output.js";
import { loadStateFile, saveStateFile } from "./state-file.js";

export interface DetectFlags {
  grace: string;
  presenceMaxAge?: string;
  input?: string;
  format: InputFormat;
  tz: string;
  strict?: boolean;
  /** Carry per-room state and open anomalies in this file from run to run. */
  state?: string;
}

export interface DetectIo {
  stdout: NodeJS.WritableStream;
  log: (line: string) => void;
}

export interface DetectSummary extends InputSummary {
  started: number;
  ended: number;
  open: number;
}

const FLAG_OF: Record<string, string> = { graceMs: "--grace", presenceMaxAgeMs: "--presence-max-age" };

function durationFlag(flag: string, text: string): number {
  try {
    return parseDuration(text);
  } catch (err) {
    throw new UsageError(`${flag}: ${(err as Error).message}`);
  }
}

/** Flags to detector options; a bad value is a usage error naming the flag. */
function detectorOptions(flags: DetectFlags): ResolvedLightPresenceOptions {
  const parsed = parseLightPresenceOptions({
    graceMs: durationFlag("--grace", flags.grace),
    presenceMaxAgeMs:
      flags.presenceMaxAge === undefined
        ? undefined
        : durationFlag("--presence-max-age", flags.presenceMaxAge),
  });
  if (!parsed.ok) {
    const text = formatIssues(parsed.issues, { nameOf: (f) => FLAG_OF[f] });
    throw new UsageError(text);
  }
  return parsed.value;
}

/** Runs the detector over the input; resolves with the counts once every event is written. */
export async function runDetect(
  flags: DetectFlags,
  io: DetectIo = { stdout: process.stdout, log: (line) => process.stderr.write(`${line}\n`) },
): Promise<DetectSummary> {
  const options = detectorOptions(flags);
  let detector = new LightPresenceDetector(options);
  if (flags.state !== undefined) {
    const loaded = await loadStateFile(flags.state);
    if (loaded.found) {
      const restored = "error" in loaded ? undefined : restoreDetector(options, loaded.value);
      if (restored?.ok) detector = restored.value;
      else {
        const why = "error" in loaded ? loaded.error : restored?.ok === false ? restored.message : "";
        io.log(`detect: --state ${flags.state}: discarded, starting afresh: ${why}`);
      }
    }
  }
  const out = createJsonlWriter(io.stdout);
  let started = 0;
  let ended = 0;
  const summary = await forEachReading(
    {
      input: flags.input,
      format: flags.format,
      timeZone: flags.tz,
      strict: flags.strict,
      command: "detect",
      log: io.log,
    },
    (r) => {
      const events = detector.observe(r);
      if (events.length === 0) return;
      let drained: Promise<void> | undefined;
      for (const e of events) {
        if (e.event === "anomaly_start") started++;
        else if (e.event === "anomaly_end") ended++;
        drained = out.write(e) ?? drained;
      }
      return drained;
    },
  );
  await out.end();
  if (flags.state !== undefined) await saveStateFile(flags.state, snapshotDetector(detector));
  const open = detector.openAnomalies().length;
  io.log(
    `detect: ${summary.lines} lines, ${summary.readings} readings, ${summary.malformed} malformed, ` +
      `${started} anomalies started, ${ended} ended, ${open} still open` +
      (flags.state !== undefined ? ` (state kept in ${flags.state})` : ""),
  );
  return { ...summary, started, ended, open };
}

export function detectCommand(): Command {
  return new Command("detect")
    .description("anomaly events (JSONL): a light on in a room where nobody is present")
    .option(
      "--grace <duration>",
      "how long light on + presence 0 must hold (event time) before anomaly_start, e.g. 30s",
      "0",
    )
    .option(
      "--presence-max-age <duration>",
      "a presence reading older than this is unknown presence (ends an anomaly); default: never",
    )
    .option("--input <file>", "readings, JSONL or CSV (default: stdin; - also means stdin)")
    .addOption(
      new Option("--format <format>", "input format").choices(["auto", "jsonl", "csv"]).default("auto"),
    )
    .option("--tz <zone>", "IANA zone for timestamps without Z or offset", "UTC")
    .option("--strict", "stop with exit code 1 at the first malformed line instead of skipping it")
    .option(
      "--state <file>",
      "carry state between runs: load it at start if the file exists, write it at the end (open anomalies stay open)",
    )
    .addHelpText(
      "after",
      `
Per room, the latest light and presence readings (in arrival order) make the condition
light == 1 and presence == 0. Writes to stdout, one JSON object a line:
  {"event":"anomaly_start","room":…,"since":…,"detected_at":…,"light_device_id":…,"presence_device_id":…}
  {"event":"anomaly_end","room":…,"since":…,"ended_at":…,"duration_s":…}
Anomalies still open at the end of the input get no end event (the summary counts them).
Malformed lines are reported on stderr with their line number and skipped.
With --state FILE, a log processed in parts (each run with the same FILE) gives exactly
the events of one run: an anomaly open at the end of one part ends in a later one with
its original since. A state saved under other --grace/--presence-max-age is discarded.

Example:
  homestream detect --grace 30s --presence-max-age 10m --input data/readings.jsonl
  homestream detect --state d.json --input monday.jsonl; homestream detect --state d.json --input tuesday.jsonl`,
    )
    .action(async (flags: DetectFlags) => {
      await runDetect(flags);
    });
}
