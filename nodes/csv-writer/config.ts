// The csv-writer's configuration as the editor saves it, validated once at deploy.
import { isAbsolute, resolve } from "node:path";
import type { CsvDelimiter, CsvQuote } from "@homestream/core/csv-row";
import { z } from "zod";
import { choice, flag, list, msgProperty, number, parseConfig, text, timeZone } from "../shared/config.js";
import type { CsvSinkOptions } from "./csv-sink.js";
import { templateProblem } from "./file-path.js";

export const CSV_WRITER_DEFAULTS = {
  baseDir: "data/output",
  path: "homestream-{date}.csv",
  maxSizeMb: 10,
} as const;

const DELIMITERS: Record<string, CsvDelimiter> = { comma: ",", semicolon: ";", tab: "\t", pipe: "|" };
const QUOTES: Record<string, CsvQuote> = { double: '"', single: "'" };

const schema = z
  .object({
    baseDir: text(CSV_WRITER_DEFAULTS.baseDir),
    path: text(CSV_WRITER_DEFAULTS.path).refine((p) => templateProblem(p) === undefined, {
      error: (iss) => templateProblem(iss.input as string) ?? "is invalid",
    }),
    timeZone: timeZone(),
    columns: list([]),
    header: flag(true),
    delimiter: choice(["comma", "semicolon", "tab", "pipe"], "comma"),
    quote: choice(["double", "single"], "double"),
    // where the row objects are: msg.payload (as before) or another msg property
    property: msgProperty("payload"),
    lineEnding: choice(["lf", "crlf"], "lf"),
    neutralise: flag(true),
    rotation: choice(["none", "daily", "size"], "none"),
    maxSizeMb: number(CSV_WRITER_DEFAULTS.maxSizeMb, { min: 1e-6, max: 1_000_000 }),
    fsync: flag(false),
    allowFilename: flag(true),
  })
  .loose();

export interface CsvWriterConfig {
  sink: CsvSinkOptions;
  /** Whether `msg.filename` may choose the file (still confined to the base directory). */
  allowFilename: boolean;
  /** The msg property holding the object or array of objects to write. */
  property: string;
}

/** Validates the editor's config; relative base directories resolve against `workingDir`. */
export function csvWriterConfig(def: unknown, workingDir: string): CsvWriterConfig {
  const c = parseConfig(schema, def);
  const baseDir = isAbsolute(c.baseDir) ? resolve(c.baseDir) : resolve(workingDir, c.baseDir);
  return {
    allowFilename: c.allowFilename,
    property: c.property,
    sink: {
      baseDir,
      template: c.path,
      timeZone: c.timeZone,
      rotation: c.rotation,
      maxBytes: Math.round(c.maxSizeMb * 1024 * 1024),
      columns: c.columns.length > 0 ? c.columns : undefined,
      header: c.header,
      format: {
        delimiter: DELIMITERS[c.delimiter] as CsvDelimiter,
        lineEnding: c.lineEnding === "crlf" ? "\r\n" : "\n",
        neutraliseFormulas: c.neutralise,
        quote: QUOTES[c.quote] as CsvQuote,
      },
      fsync: c.fsync,
      maxOpenFiles: 8,
    },
  };
}
