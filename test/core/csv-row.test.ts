import { parse } from "csv-parse/sync";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  cellText,
  columnsOf,
  DEFAULT_CSV_FORMAT,
  formatCsv,
  formatHeader,
  neutraliseFormula,
  rowCells,
} from "../../core/csv-row.js";

describe("cellText", () => {
  it("writes empty, ISO and JSON where a spreadsheet expects them", () => {
    expect(cellText(undefined)).toBe("");
    expect(cellText(null)).toBe("");
    expect(cellText(2.5)).toBe("2.5");
    expect(cellText(false)).toBe("false");
    expect(cellText(new Date(Date.UTC(2026, 10, 27, 21)))).toBe("2026-11-27T21:00:00.000Z");
    expect(cellText({ a: [1] })).toBe('{"a":[1]}');
  });

  it("does not throw on values JSON cannot write", () => {
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    expect(cellText(circular)).toBe("[object Object]");
    expect(cellText({ n: 1n })).toBe("[object Object]");
  });
});

describe("neutraliseFormula", () => {
  it("prefixes formula starts and leaves plain numbers and text", () => {
    expect(neutraliseFormula("=1+1")).toBe("'=1+1");
    expect(neutraliseFormula("+A1")).toBe("'+A1");
    expect(neutraliseFormula("-A1")).toBe("'-A1");
    expect(neutraliseFormula("@SUM(A1)")).toBe("'@SUM(A1)");
    expect(neutraliseFormula("\t=1")).toBe("'\t=1");
    expect(neutraliseFormula("-3.5")).toBe("-3.5");
    expect(neutraliseFormula("+1e3")).toBe("+1e3");
    expect(neutraliseFormula("kitchen")).toBe("kitchen");
  });

  it("never leaves a cell a spreadsheet would evaluate", () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        const out = neutraliseFormula(s);
        expect(/^[=+\-@\t\r]/.test(out) && !/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(out)).toBe(false);
      }),
    );
  });
});

describe("rows", () => {
  it("orders cells by columns, empty for missing, extra dropped", () => {
    const cols = columnsOf({ b: 1, a: 2 });
    expect(cols).toEqual(["b", "a"]);
    expect(rowCells({ a: "x", c: "dropped" }, cols, true)).toEqual(["", "x"]);
  });

  it("round-trips any text through csv-parse", () => {
    const format = (d: "," | ";" | "\t", crlf: boolean) => ({
      ...DEFAULT_CSV_FORMAT,
      delimiter: d,
      lineEnding: crlf ? ("\r\n" as const) : ("\n" as const),
    });
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.string(), { minLength: 2, maxLength: 4 }), { minLength: 1, maxLength: 5 }),
        fc.constantFrom<"," | ";" | "\t">(",", ";", "\t"),
        fc.boolean(),
        (rows, delimiter, crlf) => {
          const width = rows[0]?.length ?? 0;
          const table = rows.map((r) => Array.from({ length: width }, (_, i) => r[i] ?? ""));
          const text = formatCsv(table, format(delimiter, crlf));
          expect(parse(text, { delimiter, relax_column_count: false })).toEqual(table);
        },
      ),
    );
  });

  it("neutralises header names too", () => {
    expect(formatHeader(["=cmd", "ok"])).toBe("'=cmd,ok\n");
  });
});
