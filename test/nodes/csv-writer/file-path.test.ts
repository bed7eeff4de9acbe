import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  confine,
  hasDayToken,
  renderTemplate,
  rotatedName,
  templateProblem,
  withDaySuffix,
} from "../../../nodes/csv-writer/file-path.js";

const T = Date.UTC(2026, 10, 27, 23, 30); // 2026-11-28 00:30 in Paris

describe("file path templates", () => {
  it("fills date tokens on the wall clock of the zone", () => {
    expect(renderTemplate("{YYYY}/{MM}/{DD}/{HH}{mm}-{date}.csv", T, "UTC")).toBe(
      "2026/11/27/2330-2026-11-27.csv",
    );
    expect(renderTemplate("{date}.csv", T, "Europe/Paris")).toBe("2026-11-28.csv");
  });

  it("names unknown tokens", () => {
    expect(templateProblem("{YY}.csv")).toMatch(/unknown token \{YY\}/);
    expect(templateProblem(" ")).toBe("must not be empty");
    expect(templateProblem("a/{date}.csv")).toBeUndefined();
    expect(hasDayToken("{YYYY}-{MM}.csv")).toBe(false);
    expect(hasDayToken("{date}.csv")).toBe(true);
  });

  it("names rotated files", () => {
    expect(withDaySuffix("out/alerts.csv", "2026-11-27")).toBe(join("out", "alerts-2026-11-27.csv"));
    expect(rotatedName("out/alerts.csv", 3)).toBe(join("out", "alerts.3.csv"));
  });
});

describe("confine", () => {
  const base = "/srv/data";

  it("keeps paths inside the base directory", () => {
    expect(confine(base, "a/b.csv")).toEqual({ ok: true, path: "/srv/data/a/b.csv" });
    expect(confine(base, "/srv/data/x.csv")).toEqual({ ok: true, path: "/srv/data/x.csv" });
    expect(confine(base, "a/../b.csv")).toEqual({ ok: true, path: "/srv/data/b.csv" });
  });

  it("refuses escapes, the base itself and NUL", () => {
    for (const p of ["../x.csv", "/etc/passwd", "/srv/data2/x.csv", ".", "a/../..", "x\0.csv"]) {
      expect(confine(base, p).ok).toBe(false);
    }
  });

  it("never returns a path outside the base, whatever the input", () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom("..", ".", "a", "b", "/", "data", "srv"), { maxLength: 8 }),
        (parts) => {
          const r = confine(base, parts.join("/"));
          if (r.ok) expect(r.path.startsWith(`${base}/`)).toBe(true);
        },
      ),
    );
  });
});
