// `homestream detect`: light-without-presence anomaly events (JSONL) from a recorded log, with
// the very same LightPresenceDetector the Node-RED node runs. Event time only: a grace period or
// a presence age is measured against the readings' timestamps, never the wall clock.

import { parseDuration } from "@homestream/core/duration";
import { formatIssues } from "@homestream/core/issues";
import { LightPresenceDetector, parseLightPresenceOptions } from "@homestream/core/light-presence";
import { Command, Option } from "commander";
import { UsageError } from "./errors.js";
import { forEachReading, type InputFormat } from "./input.js";
import { createJsonlWriter } from "./output.js";

interface DetectFlags {
  grace: string;
  presenceMaxAge?: string;
  input?: string;
  format: InputFormat;
  tz: string;
  strict?: boolean;
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
function detectorFrom(flags: DetectFlags): LightPresenceDetector {
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
  return new LightPresenceDetector(parsed.value);
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
    .addHelpText(
      "after",
      `
Per room, the latest light and presence readings (in arrival order) make the condition
light == 1 and presence == 0. Writes to stdout, one JSON object a line:
  {"event":"anomaly_start","room":…,"since":…,"detected_at":…,"light_device_id":…,"presence_device_id":…}
  {"event":"anomaly_end","room":…,"since":…,"ended_at":…,"duration_s":…}
Anomalies still open at the end of the input get no end event (the summary counts them).
Malformed lines are reported on stderr with their line number and skipped.

Example:
  homestream detect --grace 30s --presence-max-age 10m --input data/readings.jsonl`,
    )
    .action(async (flags: DetectFlags) => {
      const detector = detectorFrom(flags);
      const out = createJsonlWriter(process.stdout);
      let started = 0;
      let ended = 0;
      const summary = await forEachReading(
        {
          input: flags.input,
          format: flags.format,
          timeZone: flags.tz,
          strict: flags.strict,
          command: "detect",
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
      const open = detector.openAnomalies().length;
      process.stderr.write(
        `detect: ${summary.lines} lines, ${summary.readings} readings, ${summary.malformed} malformed, ` +
          `${started} anomalies started, ${ended} ended, ${open} still open\n`,
      );
    });
}
