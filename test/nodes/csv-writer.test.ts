import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "csv-parse/sync";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import csvWriter from "../../nodes/csv-writer/csv-writer.js";
import { flowWithCatch, helper, message, messages } from "./runtime.js";

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "hs-csv-"));
});

afterEach(async () => {
  await helper.unload();
  await rm(dir, { recursive: true, force: true });
});

function flow(config: Record<string, unknown> = {}) {
  return flowWithCatch([
    { id: "w", type: "hs-csv-writer", baseDir: dir, path: "out.csv", wires: [["after"]], ...config },
    { id: "after", type: "helper" },
  ]);
}

async function write(payloads: unknown[], extra: Record<string, unknown> = {}) {
  const done = messages("after", payloads.length);
  const w = helper.getNode("w");
  for (const payload of payloads) w.receive({ payload, ...extra });
  return done;
}

const rowsOf = async (file: string) => parse(await readFile(join(dir, file), "utf8")) as string[][];

describe("hs-csv-writer", () => {
  it("writes a header from the first row, then rows in its column order", async () => {
    await helper.load(csvWriter, flow());
    const out = await write([
      { room: "kitchen", event: "anomaly_start", duration_s: 3 },
      { event: "anomaly_end", room: "kitchen", extra: "dropped" },
      [{ room: "hall" }, { room: "attic", event: "x" }],
    ]);
    expect(out[0]?.filename).toBe(join(dir, "out.csv"));
    expect(await rowsOf("out.csv")).toEqual([
      ["room", "event", "duration_s"],
      ["kitchen", "anomaly_start", "3"],
      ["kitchen", "anomaly_end", ""],
      ["hall", "", ""],
      ["attic", "x", ""],
    ]);
  });

  it("uses configured columns and quotes per RFC 4180", async () => {
    await helper.load(csvWriter, flow({ columns: "b, a" }));
    await write([{ a: 'say "hi", then\nleave', b: 1.5, c: "ignored" }]);
    const text = await readFile(join(dir, "out.csv"), "utf8");
    expect(text).toBe('b,a\n1.5,"say ""hi"", then\nleave"\n');
  });

  it("neutralises spreadsheet formulas by default and leaves plain numbers", async () => {
    await helper.load(csvWriter, flow());
    await write([{ a: "=HYPERLINK(1)", b: "-3.5", c: "+cmd|' /C calc'!A0", d: "@SUM(1)", e: -2 }]);
    expect((await rowsOf("out.csv"))[1]).toEqual([
      "'=HYPERLINK(1)",
      "-3.5",
      "'+cmd|' /C calc'!A0",
      "'@SUM(1)",
      "-2",
    ]);
  });

  it("can keep formulas as they are", async () => {
    await helper.load(csvWriter, flow({ neutralise: false }));
    await write([{ a: "=1+1" }]);
    expect((await rowsOf("out.csv"))[1]).toEqual(["=1+1"]);
  });

  it("writes no second header after a redeploy, and reads the columns back", async () => {
    await helper.load(csvWriter, flow());
    await write([{ x: 1, y: 2 }]);
    await helper.unload();
    await helper.load(csvWriter, flow());
    await write([{ y: 4, x: 3 }]);
    expect(await rowsOf("out.csv")).toEqual([
      ["x", "y"],
      ["1", "2"],
      ["3", "4"],
    ]);
  });

  it("writes the header into an existing empty file and completes a torn last line", async () => {
    await writeFile(join(dir, "empty.csv"), "");
    await writeFile(join(dir, "torn.csv"), "a,b\n1,");
    await helper.load(csvWriter, flow({ path: "empty.csv" }));
    await write([{ a: 1 }]);
    await write([{ a: 5, b: 6 }], { filename: "torn.csv" });
    expect(await readFile(join(dir, "empty.csv"), "utf8")).toBe("a\n1\n");
    expect(await readFile(join(dir, "torn.csv"), "utf8")).toBe("a,b\n1,\n5,6\n");
  });

  it("fills date tokens, creates directories and rotates daily without a day token", async () => {
    await helper.load(csvWriter, flow({ path: "{YYYY}/{MM}/alerts.csv", rotation: "daily" }));
    const [msg] = await write([{ a: 1 }]);
    const now = new Date();
    const y = String(now.getUTCFullYear());
    const m = String(now.getUTCMonth() + 1).padStart(2, "0");
    const d = String(now.getUTCDate()).padStart(2, "0");
    expect(msg?.filename).toBe(join(dir, y, m, `alerts-${y}-${m}-${d}.csv`));
    expect(await readFile(msg?.filename as string, "utf8")).toBe("a\n1\n");
  });

  it("rotates by size: the full file moves to .1, the new one gets a header", async () => {
    // 30 bytes: the header (6) and two rows (11 each) fit, the third row goes to a fresh file
    await helper.load(csvWriter, flow({ rotation: "size", maxSizeMb: 30 / (1024 * 1024) }));
    await write([{ value: "aaaaaaaaaa" }]);
    await write([{ value: "bbbbbbbbbb" }]);
    await write([{ value: "cccccccccc" }]);
    expect((await readdir(dir)).sort()).toEqual(["out.1.csv", "out.csv"]);
    expect(await rowsOf("out.1.csv")).toEqual([["value"], ["aaaaaaaaaa"], ["bbbbbbbbbb"]]);
    expect(await rowsOf("out.csv")).toEqual([["value"], ["cccccccccc"]]);
  });

  it("writes with a semicolon delimiter and CRLF line endings", async () => {
    await helper.load(csvWriter, flow({ delimiter: "semicolon", lineEnding: "crlf" }));
    await write([{ a: "1;2", b: "x" }]);
    expect(await readFile(join(dir, "out.csv"), "utf8")).toBe('a;b\r\n"1;2";x\r\n');
  });

  it("takes msg.filename, confined to the base directory", async () => {
    await helper.load(csvWriter, flow());
    const [ok] = await write([{ a: 1 }], { filename: "rooms/kitchen.csv" });
    expect(ok?.filename).toBe(join(dir, "rooms", "kitchen.csv"));
    for (const filename of ["../escape.csv", "/etc/passwd", "a/../../escape.csv"]) {
      const caught = message("caught");
      helper.getNode("w").receive({ payload: { a: 1 }, filename });
      expect((await caught).error?.message).toMatch(/outside the base directory/);
    }
    expect(await readdir(join(dir, ".."))).not.toContain("escape.csv");
  });

  it("refuses a symbolic link that leads out of the base directory", async () => {
    const outside = await mkdtemp(join(tmpdir(), "hs-csv-outside-"));
    try {
      await symlink(outside, join(dir, "link"));
      await helper.load(csvWriter, flow({ path: "link/out.csv" }));
      const caught = message("caught");
      helper.getNode("w").receive({ payload: { a: 1 } });
      expect((await caught).error?.message).toMatch(/symbolic link/);
      expect(await readdir(outside)).toEqual([]);
    } finally {
      await rm(outside, { recursive: true, force: true });
    }
  });

  it("can refuse msg.filename altogether", async () => {
    await helper.load(csvWriter, flow({ allowFilename: false }));
    const caught = message("caught");
    helper.getNode("w").receive({ payload: { a: 1 }, filename: "x.csv" });
    expect((await caught).error?.message).toMatch(/msg.filename is not allowed/);
  });

  it("reports a payload that is not rows to a Catch node", async () => {
    await helper.load(csvWriter, flow());
    for (const payload of ["text", [1, 2], null]) {
      const caught = message("caught");
      helper.getNode("w").receive({ payload });
      expect((await caught).error?.message).toMatch(/msg.payload must be an object or an array of objects/);
    }
  });

  it("reports an invalid configuration on every message", async () => {
    await helper.load(csvWriter, flow({ path: "{YY}.csv", rotation: "weekly" }));
    const caught = message("caught");
    helper.getNode("w").receive({ payload: { a: 1 } });
    const text = (await caught).error?.message;
    expect(text).toMatch(/path: unknown token \{YY\}/);
    expect(text).toMatch(/rotation: must be one of none, daily, size/);
  });

  it("reports a write failure to a Catch node", async () => {
    await mkdir(join(dir, "out.csv")); // a directory where the file should be
    await helper.load(csvWriter, flow());
    const caught = message("caught");
    helper.getNode("w").receive({ payload: { a: 1 } });
    expect((await caught).error?.message).toMatch(/EISDIR|illegal operation/);
  });

  it("drains its queue before closing", async () => {
    await helper.load(csvWriter, flow({ fsync: true }));
    const w = helper.getNode("w");
    for (let i = 0; i < 2000; i++) w.receive({ payload: { i } });
    // Messages are delivered asynchronously: wait until the node has them all, then close at once.
    await new Promise<void>((resolve) => setImmediate(resolve));
    await helper.unload();
    const rows = await rowsOf("out.csv");
    expect(rows.length).toBe(2001);
    expect(rows[2000]).toEqual(["1999"]);
  });
});
