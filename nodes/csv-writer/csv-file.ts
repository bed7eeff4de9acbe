// One open CSV file being appended to: knows its size (for size rotation), its columns (fixed,
// read back from an existing header, or taken from the first row) and whether it still needs a
// header, so a redeploy or restart never writes a second header into a non-empty file.
import { type FileHandle, open } from "node:fs/promises";
import { type CsvFormat, formatHeader } from "@homestream/core/csv-row";
import { parse as parseCsv } from "csv-parse/sync";

/** The most we read back to find an existing file's header line. */
const HEADER_PROBE_BYTES = 64 * 1024;

export interface CsvFileOptions {
  format: CsvFormat;
  /** Write a header line into a new or empty file. */
  header: boolean;
  /** Configured columns; undefined to take them from the file's header or first row. */
  columns: readonly string[] | undefined;
  /** fsync after every write (durable across power loss, much slower). */
  fsync: boolean;
}

export class CsvFile {
  /** Bytes in the file, as far as this writer knows. */
  size: number;
  columns: readonly string[] | undefined;
  /** The file ends in the middle of a line (an earlier writer was cut off): start on a new one. */
  private tornTail: boolean;

  private constructor(
    readonly path: string,
    private readonly handle: FileHandle,
    private readonly options: CsvFileOptions,
    size: number,
    columns: readonly string[] | undefined,
    tornTail: boolean,
  ) {
    this.size = size;
    this.columns = columns;
    this.tornTail = tornTail;
  }

  /** Opens (creating if needed) `path` for appending and learns what is already in it. */
  static async open(path: string, options: CsvFileOptions): Promise<CsvFile> {
    // "a+": appends always go to the end (O_APPEND), and the existing header can be read back.
    const handle = await open(path, "a+");
    try {
      const { size } = await handle.stat();
      let columns = options.columns;
      let tornTail = false;
      if (size > 0) {
        const last = Buffer.alloc(1);
        await handle.read(last, 0, 1, size - 1);
        tornTail = last[0] !== 0x0a;
        if (columns === undefined && options.header) {
          columns = await readHeader(handle, size, options.format, path);
        }
      }
      return new CsvFile(path, handle, options, size, columns, tornTail);
    } catch (err) {
      await handle.close();
      throw err;
    }
  }

  /** True when the next write starts a new or empty file, so it gets the header first. */
  get needsHeader(): boolean {
    return this.options.header && this.size === 0;
  }

  /** Appends `rows` (complete CSV lines), preceded by the header when the file is empty. */
  async append(rows: string): Promise<void> {
    let text = rows;
    if (this.needsHeader && this.columns) text = formatHeader(this.columns, this.options.format) + text;
    if (this.tornTail) text = this.options.format.lineEnding + text;
    const data = Buffer.from(text, "utf8");
    let offset = 0;
    while (offset < data.length) {
      const { bytesWritten } = await this.handle.write(data, offset, data.length - offset);
      offset += bytesWritten;
    }
    this.size += data.length;
    this.tornTail = false;
    if (this.options.fsync) await this.handle.sync();
  }

  async close(): Promise<void> {
    await this.handle.close();
  }
}

/** Column names from the first line of an existing file. */
async function readHeader(
  handle: FileHandle,
  size: number,
  format: CsvFormat,
  path: string,
): Promise<string[]> {
  const probe = Buffer.alloc(Math.min(size, HEADER_PROBE_BYTES));
  const { bytesRead } = await handle.read(probe, 0, probe.length, 0);
  const text = probe.toString("utf8", 0, bytesRead);
  const end = text.indexOf("\n");
  if (end < 0 && bytesRead < size) {
    throw new Error(
      `cannot read the header of ${path}: its first line is longer than ${HEADER_PROBE_BYTES} bytes`,
    );
  }
  const line = (end < 0 ? text : text.slice(0, end)).replace(/\r$/, "");
  const records = parseCsv(line, {
    delimiter: format.delimiter,
    quote: format.quote ?? '"',
    escape: format.quote ?? '"',
    relax_quotes: true,
    trim: false,
  }) as string[][];
  // A header we wrote with formula neutralisation has `'` before names such as "-x"; strip it back.
  return (records[0] ?? []).map((name) =>
    format.neutraliseFormulas && /^'[=+\-@\t\r]/.test(name) ? name.slice(1) : name,
  );
}
