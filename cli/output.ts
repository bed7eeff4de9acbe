// JSONL or CSV to a stream, respecting backpressure so a slow consumer (a pipe, a file) bounds memory.
import { once } from "node:events";
import { DEFAULT_CSV_FORMAT, formatCsv, formatHeader, rowCells } from "@homestream/core/csv-row";

export interface JsonlWriter {
  write(obj: unknown): Promise<void> | undefined;
  end(): Promise<void>;
}

export function createJsonlWriter(stream: NodeJS.WritableStream = process.stdout): JsonlWriter {
  return {
    write(obj) {
      if (stream.write(`${JSON.stringify(obj)}\n`)) return undefined;
      return once(stream, "drain").then(() => undefined);
    },
    async end() {
      if (stream === process.stdout || stream === process.stderr) {
        // Never end the process's own stdio; wait until what was written is flushed.
        await new Promise<void>((resolve) => stream.write("", () => resolve()));
        return;
      }
      await new Promise<void>((resolve) => stream.end(() => resolve()));
    },
  };
}

/**
 * CSV with a header line of `columns` (written first, even when no row follows), one row per
 * object in that column order; empty cells for null/absent fields; formula-like text neutralised
 * as the csv-writer node does (core/csv-row.ts).
 */
export function createCsvWriter(
  columns: readonly string[],
  stream: NodeJS.WritableStream = process.stdout,
): JsonlWriter {
  const jsonl = createJsonlWriter(stream);
  let headerWritten = false;
  const line = (text: string) =>
    stream.write(text) ? undefined : once(stream, "drain").then(() => undefined);
  return {
    write(obj) {
      const header = headerWritten ? "" : formatHeader(columns, DEFAULT_CSV_FORMAT);
      headerWritten = true;
      const cells = rowCells(obj as Record<string, unknown>, columns, DEFAULT_CSV_FORMAT.neutraliseFormulas);
      return line(header + formatCsv([cells], DEFAULT_CSV_FORMAT));
    },
    async end() {
      if (!headerWritten) {
        headerWritten = true;
        await line(formatHeader(columns, DEFAULT_CSV_FORMAT));
      }
      await jsonl.end();
    },
  };
}
