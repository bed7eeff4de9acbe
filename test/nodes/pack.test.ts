// What Node-RED users install: `npm pack` of the Node-RED package (nodes/) holds the compiled nodes with
// their .html, locales and icons, our shared packages built in (no package of ours for npm to fetch),
// a real examples/ folder, the README and LICENSE, and nothing else. The palette install itself, into
// real Node-RED 4.1 and 5, is test/nodes/palette.test.ts.
import { readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { assertBuilt } from "./embedded.js";
import { OUR_NODES } from "./our-nodes.js";
import { type PackedNodes, packNodes } from "./packed.js";

const NODES = OUR_NODES;

describe("the packed Node-RED package", () => {
  let packed: PackedNodes;

  beforeAll(async () => {
    assertBuilt();
    packed = await packNodes();
  }, 180_000);

  afterAll(async () => {
    if (packed) await rm(packed.dir, { recursive: true, force: true });
  });

  it("holds each node's code, editor HTML, help and labels in both languages, and icon", () => {
    for (const n of NODES) {
      const dir = `dist/${n}`;
      for (const f of [
        `${dir}/${n}.js`,
        `${dir}/${n}.html`,
        `${dir}/locales/en-US/${n}.json`,
        `${dir}/locales/en-US/${n}.html`,
        `${dir}/locales/fr/${n}.json`,
        `${dir}/locales/fr/${n}.html`,
        `${dir}/icons/${n}.svg`,
      ]) {
        expect(packed.files).toContain(f);
      }
    }
  });

  it("holds a real examples/ folder with one flow per node, and no sources, tests or type declarations", () => {
    for (const n of NODES) expect(packed.files).toContain(`examples/${n}.json`);
    expect(packed.files).toContain("examples/smart-home.json");
    expect(
      packed.files.filter((f) => f.startsWith("test/") || f.endsWith(".ts") || f.endsWith(".map")),
    ).toEqual([]);
    expect(packed.files).toEqual(expect.arrayContaining(["LICENSE", "README.md", "package.json"]));
  });

  it("builds our shared packages in: no require of a package of ours that npm would have to fetch", async () => {
    for (const lib of ["core/index.js", "core/reading.js", "simulator/index.js", "kafka/index.js"])
      expect(packed.files).toContain(`dist/lib/${lib}`);
    const js = packed.files.filter((f) => f.endsWith(".js"));
    expect(js.length).toBeGreaterThan(50);
    for (const f of js)
      expect(await readFile(join(packed.unpacked, f), "utf8"), f).not.toMatch(/require\("@homestream\//);
  });

  it("depends only on libraries, at most six, none of them a Node-RED runtime, dashboard or app part", async () => {
    const pkg = JSON.parse(await readFile(join(packed.unpacked, "package.json"), "utf8")) as {
      dependencies: Record<string, string>;
    };
    const deps = Object.keys(pkg.dependencies);
    expect(deps.length).toBeLessThanOrEqual(6);
    for (const banned of [
      "node-red",
      "@flowfuse/node-red-dashboard",
      "aedes",
      "express",
      "pino",
      "prom-client",
    ])
      expect(deps).not.toContain(banned);
    expect(deps.filter((d) => d.startsWith("@homestream/"))).toEqual([]);
  });
});
