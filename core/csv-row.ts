// CSV row formatting for the csv-writer node (and anything else that writes rows): records to
// cells in a fixed column order, with spreadsheet formula injection neutralised, quoted per
// RFC 4180 by csv-stringify. Pure: no I/O.
import { stringify } from "csv-stringify/sync";

/** One row to write: field name to value. */
export type CsvRecord = Readonly<Record<string, unknown>>;

export type CsvDelimiter = "," | ";" | "\t" | "|";
export type CsvQuote = '"' | "'";

export interface CsvFormat {
  delimiter: CsvDelimiter;
  /** "\n" or "\r\n" (RFC 4180 writes CRLF; most tools read either). */
  lineEnding: "\n" | "\r\n";
  /** Prefix cells a spreadsheet would run as a formula (see `neutraliseFormula`). */
  neutraliseFormulas: boolean;
  /** Quote character (doubled inside a quoted cell); `"` when absent, as RFC 4180. */
  quote?: CsvQuote;
}

export const DEFAULT_CSV_FORMAT: CsvFormat = { delimiter: ",", lineEnding: "\n", neutraliseFormulas: true };

/** A cell's text: empty for null/undefined, ISO for dates, JSON for objects and arrays. */
export function cellText(value: unknown): string {
  switch (typeof value) {
    case "string":
      return value;
    case "number":
    case "bigint":
    case "boolean":
      return String(value);
    case "undefined":
      return "";
    case "object":
      if (value === null) return "";
      if (value instanceof Date) return Number.isNaN(value.getTime()) ? "" : value.toISOString();
      try {
        return JSON.stringify(value) ?? "";
      } catch {
        // circular structures and BigInts inside objects: a row must still be written
        return String(value);
      }
    default:
      // functions and symbols have no meaningful cell text
      return "";
  }
}

const FORMULA_START = /^[=+\-@\t\r]/;
const PLAIN_NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/**
 * Makes a cell inert in spreadsheets: a text starting with `=`, `+`, `-`, `@`, tab or carriage
 * return is prefixed with `'` (OWASP "CSV Injection"). Plain numbers such as "-3.5" are left
 * alone, since a spreadsheet reads them as numbers, not formulas.
 */
export function neutraliseFormula(text: string): string {
  if (!FORMULA_START.test(text) || PLAIN_NUMBER.test(text)) return text;
  return `'${text}`;
}

/** Column names of a record, in its own key order: how columns are taken from a first row. */
export function columnsOf(record: CsvRecord): string[] {
  return Object.keys(record);
}

/** The cells of `record` in `columns` order; missing fields are empty, extra fields dropped. */
export function rowCells(record: CsvRecord, columns: readonly string[], neutralise: boolean): string[] {
  const cells = new Array<string>(columns.length);
  for (let i = 0; i < columns.length; i++) {
    const text = cellText(record[columns[i] as string]);
    cells[i] = neutralise ? neutraliseFormula(text) : text;
  }
  return cells;
}

/** Rows as CSV text, each ending with the line ending. Header names are neutralised too. */
export function formatCsv(
  rows: readonly (readonly string[])[],
  format: CsvFormat = DEFAULT_CSV_FORMAT,
): string {
  if (rows.length === 0) return "";
  return stringify(rows as string[][], {
    delimiter: format.delimiter,
    record_delimiter: format.lineEnding === "\r\n" ? "windows" : "unix",
    // Every cell is already text; quote only where RFC 4180 requires it.
    quoted: false,
    quote: format.quote ?? '"',
    escape: format.quote ?? '"',
  });
}

/** Header line for `columns`. */
export function formatHeader(columns: readonly string[], format: CsvFormat = DEFAULT_CSV_FORMAT): string {
  return formatCsv([format.neutraliseFormulas ? columns.map(neutraliseFormula) : columns], format);
}
