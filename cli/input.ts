// Readings from a recorded log: JSONL or CSV (the original's sample_events.csv columns, named in
// a header row, any order), from a file or stdin. Every line goes through the core reading
// schema; a malformed line is reported with its line number and skipped, never ending the run.
import { createReadStream } from "node:fs";
import { open } from "node:fs/promises";
import { extname } from "node:path";
import type { Readable } from "node:stream";
import { csvRecordToReading } from "@homestream/core/csv-record";
import {
  formatIssues,
  type ParseResult,
  parseReading,
  parseReadingJson,
  type TimedReading,
} from "@homestream/core/reading";
import { assertTimeZone } from "@homestream/core/time";
import { parse as parseCsv } from "csv-parse";
import { UsageError } from "./errors.js";
import { ReadingLineScanner } from "./fast-reading-scanner.js";
import { fileChunks } from "./file-chunks.js";
import { forEachSegment } from "./jsonl-segments.js";

export type InputFormat = "auto" | "jsonl" | "csv";

export interface InputOptions {
  /** File path; undefined or "-" reads stdin. */
  input?: string;
  format?: InputFormat;
  /** IANA zone for naive timestamps. */
  timeZone?: string;
  /** Stop at the first malformed line instead of skipping it. */
  strict?: boolean;
  /** Prefix of stderr messages, e.g. "stats". */
  command: string;
  /** Where malformed-line messages go (default stderr). */
  log?: (line: string) => void;
}

export interface InputSummary {
  lines: number;
  readings: number;
  malformed: number;
}

export type ReadingHandler = (r: TimedReading) => void | Promise<void>;

function openSource(input: string | undefined): Readable {
  if (input === undefined || input === "-") return process.stdin;
  // Large reads: a log is read once, front to back.
  const stream = createReadStream(input, { highWaterMark: 1 << 20 });
  return stream;
}

/** The format the flag or the file's name gives, without reading it; undefined when only its content can tell. */
function formatByName(input: string | undefined, format: InputFormat): "jsonl" | "csv" | undefined {
  if (format !== "auto") return format;
  if (input === undefined || input === "-") return undefined;
  const ext = extname(input).toLowerCase();
  if (ext === ".csv") return "csv";
  if (ext === ".jsonl" || ext === ".ndjson" || ext === ".json") return "jsonl";
  return undefined;
}

async function sniffFormat(
  input: string | undefined,
  format: InputFormat,
  source: Readable,
): Promise<{
  format: "jsonl" | "csv";
  source: Readable;
}> {
  const byName = formatByName(input, format);
  if (byName !== undefined) return { format: byName, source };
  // Peek at the first non-blank character: a JSON object starts with "{", anything else is a CSV
  // header. (Iterating with for-await would destroy the stream on break, so read() and unshift.)
  const first = await peekFirstChar(source);
  return { format: first === "{" ? "jsonl" : "csv", source };
}

function peekFirstChar(source: Readable): Promise<string | undefined> {
  const seen: Buffer[] = [];
  return new Promise((resolve, reject) => {
    const finish = (c: string | undefined) => {
      source.off("readable", onReadable);
      source.off("end", onEnd);
      source.off("error", reject);
      if (seen.length > 0) source.unshift(Buffer.concat(seen));
      resolve(c);
    };
    const onReadable = () => {
      for (
        let chunk = source.read() as Buffer | null;
        chunk !== null;
        chunk = source.read() as Buffer | null
      ) {
        seen.push(chunk);
        const c = Buffer.concat(seen)
          .toString("utf8")
          .replace(/^\uFEFF/, "")
          .trimStart()[0];
        if (c !== undefined) return finish(c);
      }
    };
    const onEnd = () => finish(undefined);
    source.on("readable", onReadable);
    source.once("end", onEnd);
    source.once("error", reject);
  });
}

export async function forEachReading(
  options: InputOptions,
  onReading: ReadingHandler,
): Promise<InputSummary> {
  const timeZone = options.timeZone ?? "UTC";
  try {
    assertTimeZone(timeZone);
  } catch (err) {
    throw new UsageError(`--tz: ${(err as Error).message}`);
  }
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const summary: InputSummary = { lines: 0, readings: 0, malformed: 0 };

  const noSuchFile = (err: NodeJS.ErrnoException) =>
    err.code === "ENOENT" ? new UsageError(`--input: no such file "${options.input}"`) : err;
  // A JSONL file (by flag or name) is read in reused chunks; anything else through a stream.
  let source: Readable | AsyncIterable<Buffer>;
  let format: "jsonl" | "csv";
  if (
    options.input !== undefined &&
    options.input !== "-" &&
    formatByName(options.input, options.format ?? "auto") === "jsonl"
  ) {
    source = fileChunks(await open(options.input, "r").catch((err) => Promise.reject(noSuchFile(err))));
    format = "jsonl";
  } else {
    const stream = openSource(options.input);
    await new Promise<void>((resolve, reject) => {
      if (stream === process.stdin) return resolve();
      stream.once("open", () => resolve());
      stream.once("error", (err: NodeJS.ErrnoException) => reject(noSuchFile(err)));
    });
    const sniffed = await sniffFormat(options.input, options.format ?? "auto", stream);
    source = sniffed.source;
    format = sniffed.format;
  }

  const reject = (line: number, reason: string): void => {
    summary.malformed++;
    const message = `${options.command}: line ${line}: ${reason}`;
    if (options.strict) throw new Error(`${message} (--strict stops at the first malformed line)`);
    log(message);
  };
  const accept = async (line: number, result: ParseResult): Promise<void> => {
    if (!result.ok) return reject(line, formatIssues(result.issues));
    summary.readings++;
    const pending = onReading(result.value);
    if (pending) await pending;
  };

  if (format === "jsonl") {
    // Most lines are read straight from their bytes by the scanner; the rest (and every error)
    // the general way, line for line as readline would cut them ("\n", "\r\n" or a lone "\r").
    const scanner = new ReadingLineScanner(timeZone);
    let n = 0;
    const general = async (segment: string): Promise<void> => {
      const body = segment.endsWith("\r") ? segment.slice(0, -1) : segment;
      for (const raw of body.includes("\r") ? body.split("\r") : [body]) {
        n++;
        const text = n === 1 ? raw.replace(/^\uFEFF/, "") : raw;
        if (text.trim() === "") continue;
        summary.lines++;
        await accept(n, parseReadingJson(text, { timeZone }));
      }
    };
    /** A line the scanner read: counted, and handed on. */
    const scanned = (reading: TimedReading): void | Promise<void> => {
      n++;
      summary.lines++;
      summary.readings++;
      return onReading(reading);
    };
    await forEachSegment(
      source,
      (buf, start, end) => {
        const fast = scanner.scan(buf, start, end);
        return fast === undefined ? general(buf.toString("utf8", start, end)) : scanned(fast);
      },
      // Most lines: read in place, the scanner finding their end as it goes.
      (buf, start, limit) => {
        const fast = scanner.scanLine(buf, start, limit);
        if (fast === undefined) return -1;
        const next = scanner.next;
        const pending = scanned(fast);
        return pending ? pending.then(() => next) : next;
      },
    );
    return summary;
  }

  const skipped: Array<{ line: number; reason: string }> = [];
  const parser = (source as Readable).pipe(
    parseCsv({
      columns: (header: string[]) => header.map((h) => h.trim()),
      bom: true,
      info: true,
      skip_empty_lines: true,
      skip_records_with_error: true,
      on_skip: (err) => {
        if (err) skipped.push({ line: Number(err.lines), reason: `CSV: ${err.message}` });
        return undefined;
      },
    }),
  );
  for await (const item of parser as AsyncIterable<{
    record: Record<string, string>;
    info: { lines: number };
  }>) {
    for (const s of skipped.splice(0)) {
      summary.lines++;
      reject(s.line, s.reason);
    }
    summary.lines++;
    await accept(item.info.lines, parseReading(csvRecordToReading(item.record), { timeZone }));
  }
  for (const s of skipped.splice(0)) {
    summary.lines++;
    reject(s.line, s.reason);
  }
  return summary;
}
