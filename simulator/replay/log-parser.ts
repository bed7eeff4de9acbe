// Parsing a recorded log, line by line: JSONL (one reading per line) or CSV with a header row
// naming the original's columns (room, sensor_type, value, timestamp, device_id) in any order.
// Pure and incremental: the caller feeds lines from wherever it reads them. A quoted CSV field
// spanning lines is not supported (sensor logs have none).

import { csvRecordToReading } from "@homestream/core/csv-record";
import { formatIssues, type ParseResult, parseReading, parseReadingJson } from "@homestream/core/reading";
import { parse as parseCsv } from "csv-parse/sync";
import type { ReadingEvent } from "../events.js";

export type LogFormat = "auto" | "jsonl" | "csv";

export type LogEntry =
  | { ok: true; line: number; event: ReadingEvent }
  | { ok: false; line: number; reason: string };

export interface LogParserOptions {
  /** "auto" (default) decides on the first non-blank line: "{" starts JSONL, anything else is a CSV header. */
  format?: LogFormat;
  /** IANA zone for timestamps without Z or offset (the original wrote naive local time). */
  timeZone?: string;
}

export interface LogParser {
  readonly format: LogFormat;
  /** Parses the next line; undefined for a blank line or the CSV header. */
  push(line: string): LogEntry | undefined;
}

function splitCsvLine(line: string): string[] {
  const rows = parseCsv(line, { relax_column_count: true }) as string[][];
  return rows[0] ?? [];
}

export function createLogParser(options: LogParserOptions = {}): LogParser {
  const timeZone = options.timeZone ?? "UTC";
  let format = options.format ?? "auto";
  let header: string[] | undefined;
  let lineNo = 0;

  const entry = (line: number, result: ParseResult): LogEntry =>
    result.ok
      ? { ok: true, line, event: { kind: "reading", ...result.value } }
      : { ok: false, line, reason: formatIssues(result.issues) };

  return {
    get format() {
      return format;
    },
    push(raw) {
      lineNo++;
      const text = lineNo === 1 ? raw.replace(/^\uFEFF/, "") : raw;
      if (text.trim() === "") return undefined;
      if (format === "auto") format = text.trimStart().startsWith("{") ? "jsonl" : "csv";
      if (format === "jsonl") return entry(lineNo, parseReadingJson(text, { timeZone }));

      let cells: string[];
      try {
        cells = splitCsvLine(text);
      } catch (err) {
        return { ok: false, line: lineNo, reason: `CSV: ${(err as Error).message}` };
      }
      if (header === undefined) {
        header = cells.map((h) => h.trim());
        return undefined;
      }
      if (cells.length !== header.length) {
        return {
          ok: false,
          line: lineNo,
          reason: `CSV: ${cells.length} cells where the header has ${header.length} columns`,
        };
      }
      const record: Record<string, string> = {};
      header.forEach((name, i) => {
        record[name] = cells[i] ?? "";
      });
      return entry(lineNo, parseReading(csvRecordToReading(record), { timeZone }));
    },
  };
}
