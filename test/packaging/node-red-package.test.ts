// The Node-RED package (nodes/) passes the flow library's scorecard rules that need no network
// (scripts/check-node-red-package.mjs), and the check really fails a package that breaks them.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { checkNodeRedPackage } from "../../scripts/check-node-red-package.mjs";

const ROOT = path.resolve(__dirname, "..", "..");
const NODES = path.join(ROOT, "nodes");

describe("the Node-RED package against the flow library's rules", () => {
  const scratch = mkdtempSync(path.join(tmpdir(), "hs-scorecard-"));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it("has no breach (built: every node file and example in place)", () => {
    expect(checkNodeRedPackage(NODES)).toEqual([]);
  });

  it("names each breach of a package that breaks the rules", () => {
    const bad = path.join(scratch, "bad");
    cpSync(NODES, bad, { recursive: true, filter: (src) => !src.includes(`${path.sep}node_modules`) });
    rmSync(path.join(bad, "LICENSE"));
    rmSync(path.join(bad, "examples"), { recursive: true });
    const pkg = JSON.parse(readFileSync(path.join(bad, "package.json"), "utf8"));
    pkg.keywords = ["kafka"];
    delete pkg.engines;
    pkg.dependencies = { ...pkg.dependencies, "node-red": "^5.0.0", aedes: "^1.2.0" };
    writeFileSync(path.join(bad, "package.json"), JSON.stringify(pkg));
    const breaches = checkNodeRedPackage(bad).join("\n");
    expect(breaches).toMatch(/P01 licence: no LICENSE file/);
    expect(breaches).toMatch(/P05 keyword/);
    expect(breaches).toMatch(/P07 Node.js version/);
    expect(breaches).toMatch(/N02 examples: no examples\/ folder/);
    expect(breaches).toMatch(/N02 examples: no example uses hs-csv-writer/);
    expect(breaches).toMatch(/D01 dependencies: 7/);
    expect(breaches).toMatch(/D02 dependencies: must not depend on node-red/);
  });

  it("claims the Node-RED and Node.js versions the palette tests install on, as the READMEs say", () => {
    const pkg = JSON.parse(readFileSync(path.join(NODES, "package.json"), "utf8"));
    expect(pkg["node-red"].version).toBe(">=4.1.0");
    expect(pkg.engines.node).toBe(">=20");
    for (const readme of [path.join(ROOT, "README.md"), path.join(NODES, "README.md")])
      expect(readFileSync(readme, "utf8"), readme).toMatch(/Node-RED ≥ 4\.1 on Node\.js ≥ 20/);
  });
});
