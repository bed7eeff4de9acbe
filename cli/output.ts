// JSONL or CSV to a stream, respecting backpressure so a slow consumer (a pipe, a file) bounds memory.
// Lines written in one turn of the event loop leave in one write (a file as stdout is written
// synchronously, one system call per write): at the next turn, or at 64 KiB.
import { once } from "node:events";
import { DEFAULT_CSV_FORMAT, formatCsv, formatHeader, rowCells } from "@homestream/core/csv-row";

export interface JsonlWriter {
  /** Queues one line; returns a promise while the stream is over its high-water mark. */
  write(obj: unknown): Promise<void> | undefined;
  /** Queues one line of text as it is (in order with the JSON lines). */
  writeLine(text: string): Promise<void> | undefined;
  end(): Promise<void>;
}

const FLUSH_AT = 64 * 1024;

export function createJsonlWriter(stream: NodeJS.WritableStream = process.stdout): JsonlWriter {
  let pending = "";
  let scheduled = false;
  let drained: Promise<void> | undefined;
  const flush = (): void => {
    scheduled = false;
    if (pending === "") return;
    const text = pending;
    pending = "";
    if (!stream.write(text) && drained === undefined) {
      drained = once(stream, "drain").then(() => {
        drained = undefined;
      });
    }
  };
  const writeLine = (text: string): Promise<void> | undefined => {
    pending += `${text}\n`;
    if (pending.length >= FLUSH_AT) flush();
    else if (!scheduled) {
      scheduled = true;
      setImmediate(flush);
    }
    return drained;
  };
  return {
    write: (obj) => writeLine(JSON.stringify(obj)),
    writeLine,
    async end() {
      flush();
      if (drained) await drained;
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
    writeLine: (text) => line(`${text}\n`),
    async end() {
      if (!headerWritten) {
        headerWritten = true;
        await line(formatHeader(columns, DEFAULT_CSV_FORMAT));
      }
      await jsonl.end();
    },
  };
}
