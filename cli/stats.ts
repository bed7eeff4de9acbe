// `homestream stats`: window results (JSONL) from a recorded log of readings, computed by the
// same core WindowEngine the windowed-stats node runs (shared design, "Window results").

import { parseDuration } from "@homestream/core/duration";
import { STATS_COLUMNS } from "@homestream/core/window-aggregate";
import { WindowEngine, type WindowInput, type WindowResult } from "@homestream/core/window-engine";
import {
  GROUP_COLUMNS,
  type GroupColumn,
  type OutputMode,
  type WindowOptions,
  WindowOptionsError,
} from "@homestream/core/window-options";
import { restoreWindowEngine, snapshotWindowEngine } from "@homestream/core/window-state";
import { Command, Option } from "commander";
import { UsageError } from "./errors.js";
import { forEachReading, type InputFormat, type InputSummary } from "./input.js";
import { createCsvWriter, createJsonlWriter } from "./output.js";
import { loadStateFile, saveStateFile } from "./state-file.js";

/** The flags as commander hands them over (strings until checked here). */
export interface StatsFlags {
  window: string;
  slide?: string;
  offset?: string;
  watermark: string;
  mode: OutputMode;
  sensors: string;
  groupBy: string;
  trigger?: string;
  input?: string;
  format: InputFormat;
  /** Output: JSONL (default) or CSV with a header line. */
  output?: "jsonl" | "csv";
  tz: string;
  strict?: boolean;
  /** Carry open windows, the watermark and counters in this file from run to run. */
  state?: string;
  /** With --state: this is the last part, close every open window at the end. */
  final?: boolean;
}

export interface StatsIo {
  stdout: NodeJS.WritableStream;
  /** One line of diagnostics (malformed lines, the summary); stderr by default. */
  log: (line: string) => void;
}

export interface StatsSummary extends InputSummary {
  filtered: number;
  late: number;
  partiallyLate: number;
  /** Rows written: final windows (append) or window updates (update). */
  emitted: number;
  /** With --state and no --final: windows kept open in the state file. */
  open: number;
}

export const DEFAULT_TRIGGER = 1000;

const FLAG_OF_FIELD: Record<string, string> = {
  windowMs: "--window",
  slideMs: "--slide",
  offsetMs: "--offset",
  watermarkDelayMs: "--watermark",
  mode: "--mode",
  groupBy: "--group-by",
  sensorTypes: "--sensors",
};

function duration(flag: string, text: string): number {
  try {
    return parseDuration(text);
  } catch (err) {
    throw new UsageError(`${flag}: ${(err as Error).message}`);
  }
}

function list(text: string): string[] {
  return text
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
}

/** Turns the flags into engine options, or throws a UsageError naming the flag. */
export function statsOptions(flags: StatsFlags): { engine: WindowOptions; trigger: number } {
  const windowMs = duration("--window", flags.window);
  if (windowMs <= 0) throw new UsageError(`--window: must be longer than 0, got "${flags.window}"`);
  const slideMs = flags.slide === undefined ? undefined : duration("--slide", flags.slide);
  if (slideMs !== undefined && slideMs <= 0)
    throw new UsageError(`--slide: must be longer than 0, got "${flags.slide}"`);
  if (slideMs !== undefined && slideMs > windowMs) {
    // Spark's window() has the same rule: a slide longer than the window would skip readings.
    throw new UsageError(
      `--slide ${flags.slide} is longer than --window ${flags.window}; use a slide <= window`,
    );
  }
  const offsetMs = flags.offset === undefined ? undefined : duration("--offset", flags.offset);
  if (offsetMs !== undefined && offsetMs >= (slideMs ?? windowMs)) {
    throw new UsageError(
      `--offset ${flags.offset} must be shorter than the slide (or window when not sliding)`,
    );
  }
  const watermarkDelayMs = duration("--watermark", flags.watermark);

  const sensors = list(flags.sensors);
  if (sensors.length === 0) throw new UsageError('--sensors: name at least one sensor type, or "all"');
  const sensorTypes = sensors.length === 1 && sensors[0]?.toLowerCase() === "all" ? undefined : sensors;

  const columns = list(flags.groupBy);
  const groupBy: GroupColumn[] = [];
  if (!(columns.length === 1 && columns[0]?.toLowerCase() === "none")) {
    for (const c of columns) {
      if (!(GROUP_COLUMNS as readonly string[]).includes(c)) {
        throw new UsageError(`--group-by: unknown column "${c}" (use ${GROUP_COLUMNS.join(", ")} or none)`);
      }
      if (!groupBy.includes(c as GroupColumn)) groupBy.push(c as GroupColumn);
    }
  }

  let trigger = DEFAULT_TRIGGER;
  if (flags.trigger !== undefined) {
    if (flags.mode !== "update") throw new UsageError("--trigger applies to --mode update only");
    if (!/^\d+$/.test(flags.trigger.trim()) || Number(flags.trigger) < 1) {
      throw new UsageError(`--trigger: must be a whole number of readings >= 1, got "${flags.trigger}"`);
    }
    trigger = Number(flags.trigger);
  }

  return {
    engine: { windowMs, slideMs, offsetMs, watermarkDelayMs, mode: flags.mode, groupBy, sensorTypes },
    trigger,
  };
}

/** The --state file's content: the engine's snapshot and where the update trigger stands. */
interface StatsStateFile {
  engine: unknown;
  readingsSinceTrigger: number;
}

function engineFor(options: WindowOptions): WindowEngine {
  try {
    return new WindowEngine(options);
  } catch (err) {
    if (!(err instanceof WindowOptionsError)) throw err;
    const [first] = err.issues;
    const flag = FLAG_OF_FIELD[first?.field.split(".")[0] ?? ""] ?? "options";
    throw new UsageError(`${flag}: ${first?.message ?? err.message}`);
  }
}

function restoreStatsState(
  options: WindowOptions,
  value: unknown,
): { ok: true; engine: WindowEngine; sinceTrigger: number } | { ok: false; message: string } {
  const file = value as Partial<StatsStateFile> | null | undefined;
  if (typeof file !== "object" || file === null || !("engine" in file)) {
    return { ok: false, message: "not a stats state file (no engine field)" };
  }
  const since = file.readingsSinceTrigger;
  if (!Number.isSafeInteger(since) || (since as number) < 0) {
    return { ok: false, message: "readingsSinceTrigger: must be a whole number of at least 0" };
  }
  const r = restoreWindowEngine(options, file.engine);
  return r.ok
    ? { ok: true, engine: r.value, sinceTrigger: since as number }
    : { ok: false, message: r.message };
}

/** Runs the analysis over the input; resolves with the counts once every window is written. */
export async function runStats(
  flags: StatsFlags,
  io: StatsIo = {
    stdout: process.stdout,
    log: (line) => process.stderr.write(`${line}\n`),
  },
): Promise<StatsSummary> {
  const { engine: options, trigger } = statsOptions(flags);
  if (flags.final && flags.state === undefined) throw new UsageError("--final applies with --state only");
  let engine = engineFor(options);
  let sinceTrigger = 0;
  if (flags.state !== undefined) {
    const loaded = await loadStateFile(flags.state);
    if (loaded.found) {
      const restored = restoreStatsState(options, "error" in loaded ? undefined : loaded.value);
      if (restored.ok) {
        engine = restored.engine;
        sinceTrigger = restored.sinceTrigger;
      } else {
        const why = "error" in loaded ? loaded.error : restored.message;
        io.log(`stats: --state ${flags.state}: discarded, starting afresh: ${why}`);
      }
    }
  }
  const start = engine.counters;
  const columns = ["window_start", "window_end", ...engine.config.groupBy, ...STATS_COLUMNS];
  const out = flags.output === "csv" ? createCsvWriter(columns, io.stdout) : createJsonlWriter(io.stdout);
  const update = options.mode === "update";
  let emitted = 0;

  // Synchronous unless the output pushes back, so the common reading costs no promise.
  const write = (rows: readonly WindowResult[], from = 0): Promise<void> | undefined => {
    for (let i = from; i < rows.length; i++) {
      emitted++;
      const pending = out.write(rows[i]);
      if (pending) return pending.then(() => write(rows, i + 1));
    }
    return undefined;
  };

  const input = await forEachReading(
    {
      input: flags.input,
      format: flags.format,
      timeZone: flags.tz,
      strict: flags.strict,
      command: "stats",
      log: io.log,
    },
    ({ reading, time }) => {
      const input: WindowInput = reading;
      const { closed } = engine.add(input, time);
      const pending = closed.length > 0 ? write(closed) : undefined;
      if (!update || ++sinceTrigger < trigger) return pending;
      sinceTrigger = 0;
      // Like a Spark micro-batch of `trigger` rows: what changed in it comes out together.
      return pending ? pending.then(() => write(engine.takeUpdates())) : write(engine.takeUpdates());
    },
  );
  // End of input: close every open window (append) or emit the last changes (update); with
  // --state, unless --final, they stay open in the state for the next part of the log.
  const carry = flags.state !== undefined && !flags.final;
  if (!carry) await write(engine.flush());
  await out.end();
  if (flags.state !== undefined) {
    const file: StatsStateFile = { engine: snapshotWindowEngine(engine), readingsSinceTrigger: sinceTrigger };
    await saveStateFile(flags.state, file);
  }

  // This run's counts: a restored engine's counters include the earlier parts'.
  const end = engine.counters;
  const c = {
    filtered: end.filtered - start.filtered,
    late: end.late - start.late,
    partiallyLate: end.partiallyLate - start.partiallyLate,
    openWindows: end.openWindows,
  };
  const summary: StatsSummary = {
    ...input,
    filtered: c.filtered,
    late: c.late,
    partiallyLate: c.partiallyLate,
    emitted,
    open: c.openWindows,
  };
  const partly = c.partiallyLate > 0 ? ` (${c.partiallyLate} more dropped from some windows)` : "";
  io.log(
    `stats: ${input.lines} lines, ${input.readings} readings, ${input.malformed} malformed, ` +
      `${c.filtered} filtered, ${c.late} late${partly}, ${emitted} ${update ? "window updates" : "windows"}` +
      (carry ? `, ${c.openWindows} open windows kept in ${flags.state}` : ""),
  );
  return summary;
}

export function statsCommand(): Command {
  return new Command("stats")
    .summary("windowed avg/min/max/count/sum/stddev per room and sensor type, as the original Spark job")
    .description(
      "Window results (JSONL or CSV) from readings (JSONL or CSV, file or stdin): one line per window and " +
        "group with window_start, window_end, room, sensor_type, avg_value, min_value, max_value, count, " +
        "sum_value, stddev_value (sample standard deviation, like Spark's stddev; null below 2 readings).",
    )
    .option("--window <duration>", "window size, e.g. 60s, 5m, 1h", "60s")
    .option("--slide <duration>", "slide for overlapping windows (<= window; default: tumbling)")
    .option(
      "--offset <duration>",
      "shift window starts from the epoch (Spark's startTime), < slide",
      undefined,
    )
    .option("--watermark <duration>", "how far behind the latest event time a reading may arrive", "0s")
    .addOption(
      new Option(
        "--mode <mode>",
        "append: each window once, when final; update: changed windows every --trigger readings",
      )
        .choices(["append", "update"])
        .default("append"),
    )
    .option(
      "--trigger <readings>",
      `update mode: emit the windows changed in every batch of this many readings (default ${DEFAULT_TRIGGER})`,
    )
    .option(
      "--sensors <types>",
      'sensor types to aggregate, comma-separated, or "all"',
      "temperature,humidity",
    )
    .option(
      "--group-by <columns>",
      'room, sensor_type, device_id (comma-separated) or "none"',
      "room,sensor_type",
    )
    .option("--input <file>", "read this file instead of stdin (- for stdin)")
    .addOption(
      new Option("--format <format>", "input format (auto: by extension, else by first character)")
        .choices(["auto", "jsonl", "csv"])
        .default("auto"),
    )
    .addOption(
      new Option("--output <format>", "output format (csv: a header line, then one row per window result)")
        .choices(["jsonl", "csv"])
        .default("jsonl"),
    )
    .option("--tz <zone>", "IANA time zone for timestamps without Z or offset", "UTC")
    .option("--strict", "stop at the first malformed line (exit 1) instead of skipping it")
    .option(
      "--state <file>",
      "carry state between runs: load it at start if the file exists, write it at the end; open windows stay open in it",
    )
    .option("--final", "with --state: the last part of the log, close every open window at the end")
    .addHelpText(
      "after",
      `
Semantics (Spark Structured Streaming's window() and withWatermark()):
  Windows are [start, end) in event time, aligned to the epoch (plus --offset);
  with --slide a reading counts in every window that holds it. The watermark
  is the latest event time seen minus --watermark, and never moves back. A
  window is final once the watermark reaches its end. A reading whose windows
  are all final is late: dropped and counted (with --slide, it is dropped only
  from its final windows). Each reading is checked against the watermark from
  before it. Readings of other sensor types are skipped and do not move the
  watermark. At the end of the input every open window is closed: append mode
  writes the rest, update mode the windows changed since its last batch.
  A summary line goes to stderr.

State (--state FILE): a log processed in parts, each run with the same
  --state, gives exactly the rows of one run over the whole log: open windows,
  the watermark and the counters are written to FILE at the end (atomically)
  instead of being closed, and read back at the start of the next run. Give
  --final with the last part to close the remaining windows. A state saved
  under other window flags (or a corrupt file) is discarded with a message.

Examples:
  homestream stats --input readings.jsonl
  homestream sim --count 10000 | homestream stats --window 5m --slide 1m \\
    --watermark 30s
  homestream stats --input log.csv --mode update --trigger 500 --sensors all
  homestream stats --state s.json --input monday.jsonl
  homestream stats --state s.json --input tuesday.jsonl --final
  homestream stats --input readings.jsonl --output csv > windows.csv
`,
    )
    .action(async (flags: StatsFlags) => {
      await runStats(flags);
    });
}
