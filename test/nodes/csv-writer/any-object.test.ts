// csv-writer with any objects: rows from a chosen msg property, pipe separator and single-quote
// quoting, columns from the first object, header once per file; the formula guard still applies.
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "csv-parse/sync";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import csvWriter from "../../../nodes/csv-writer/csv-writer.js";
import { flowWithCatch, helper, message, messages } from "../runtime.js";

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "hs-csv-any-"));
});

afterEach(async () => {
  await helper.unload();
  await rm(dir, { recursive: true, force: true });
});

function flow(config: Record<string, unknown> = {}) {
  return flowWithCatch([
    { id: "w", type: "hs-csv-writer", baseDir: dir, path: "states.csv", wires: [["after"]], ...config },
    { id: "after", type: "helper" },
  ]);
}

describe("hs-csv-writer, any object", () => {
  it("rows from msg.data, | and ' as separator and quote, header once, formulas neutralised", async () => {
    await helper.load(csvWriter, flow({ property: "data", delimiter: "pipe", quote: "single" }));
    const w = helper.getNode("w");
    const done = messages("after", 2);
    // Home Assistant-like state objects; the payload is left alone.
    w.receive({
      payload: "ignored",
      data: { entity_id: "sensor.kitchen", state: "21.5", attributes: { unit: "°C" } },
    });
    w.receive({ data: [{ entity_id: "x|y", state: "=1+1", note: "dropped" }, { state: "it's on" }] });
    await done;
    const text = await readFile(join(dir, "states.csv"), "utf8");
    expect(text).toBe(
      [
        "entity_id|state|attributes",
        'sensor.kitchen|21.5|{"unit":"°C"}',
        "'x|y'|'''=1+1'|",
        "|'it''s on'|",
        "",
      ].join("\n"),
    );
    expect(parse(text, { delimiter: "|", quote: "'", escape: "'" })).toEqual([
      ["entity_id", "state", "attributes"],
      ["sensor.kitchen", "21.5", '{"unit":"°C"}'],
      ["x|y", "'=1+1", ""],
      ["", "it's on", ""],
    ]);
  });

  it("a property without objects is an error naming it; the file keeps one header across deploys", async () => {
    await helper.load(csvWriter, flow({ property: "data", columns: "a, b" }));
    const caught = message("caught");
    helper.getNode("w").receive({ data: 42 });
    expect((await caught).error?.message).toMatch(
      /msg\.data must be an object or an array of objects, got number/,
    );
    const first = message("after");
    helper.getNode("w").receive({ data: { a: 1, b: 2 } });
    await first;
    await helper.unload();
    await helper.load(csvWriter, flow({ property: "data", columns: "a, b" }));
    const second = message("after");
    helper.getNode("w").receive({ data: { b: 4, a: 3 } });
    await second;
    expect(await readFile(join(dir, "states.csv"), "utf8")).toBe("a,b\n1,2\n3,4\n");
  });

  it("refuses a property that is not a msg path, naming the field", async () => {
    await helper.load(csvWriter, flow({ property: "payload..x" }));
    const caught = message("caught");
    helper.getNode("w").receive({ payload: { a: 1 } });
    expect((await caught).error?.message).toMatch(/property: must be a msg property/);
  });
});
