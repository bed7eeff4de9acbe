// What users install: `npm pack` holds the compiled nodes with their .html, locales and icons,
// and a real examples/ folder; a real Node-RED 5 with the unpacked tarball in its userDir lists
// all seven types with help (English and French) and the package's example flows.
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { assertBuilt, type EmbeddedRed, root, startRed } from "./embedded.js";
import { OUR_NODES } from "./our-nodes.js";

const run = promisify(execFile);
const NODES = OUR_NODES;
const PACKAGE = "@homestream/node-red-smart-home";

describe("the packed tarball", () => {
  let files: string[];
  let tarball: string;
  let packDir: string;
  let installDir: string;
  let red: EmbeddedRed | undefined;

  beforeAll(async () => {
    assertBuilt();
    packDir = await mkdtemp(join(tmpdir(), "hs-pack-"));
    const { stdout } = await run("npm", ["pack", "--json", "--pack-destination", packDir], {
      cwd: root,
      maxBuffer: 64 * 1024 * 1024,
      timeout: 120_000,
    });
    const [info] = JSON.parse(stdout) as { filename: string; files: { path: string }[] }[];
    if (!info) throw new Error("npm pack printed no package");
    files = info.files.map((f) => f.path);
    tarball = join(packDir, info.filename);
    // Unpacked inside the repository, so the package's own dependencies resolve from its
    // node_modules as they would from an install's (test-artifacts/ is git-ignored).
    await mkdir(join(root, "test-artifacts"), { recursive: true });
    installDir = await mkdtemp(join(root, "test-artifacts", "pack-"));
    const target = join(installDir, "node_modules", "@homestream", "node-red-smart-home");
    await mkdir(target, { recursive: true });
    await run("tar", ["-xzf", tarball, "-C", target, "--strip-components=1"]);
  }, 180_000);

  afterAll(async () => {
    await red?.stop();
    await rm(packDir, { recursive: true, force: true });
    await rm(installDir, { recursive: true, force: true });
  }, 60_000);

  it("holds each node's code, editor HTML, help and labels in both languages, and icon", () => {
    for (const n of NODES) {
      const dir = `dist/nodes/${n}`;
      for (const f of [
        `${dir}/${n}.js`,
        `${dir}/${n}.html`,
        `${dir}/locales/en-US/${n}.json`,
        `${dir}/locales/en-US/${n}.html`,
        `${dir}/locales/fr/${n}.json`,
        `${dir}/locales/fr/${n}.html`,
        `${dir}/icons/${n}.svg`,
      ]) {
        expect(files).toContain(f);
      }
    }
  });

  it("holds a real examples/ folder with one flow per node, and no sources or tests", () => {
    for (const n of NODES) expect(files).toContain(`examples/nodes/${n}.json`);
    expect(
      files.filter(
        (f) => f.startsWith("test/") || f.startsWith("nodes/") || (f.endsWith(".ts") && !f.endsWith(".d.ts")),
      ),
    ).toEqual([]);
  });

  it("installs into Node-RED 5: seven types with help, French too, and the example flows", async () => {
    red = await startRed("node-red", {}, { userDir: installDir });
    const sets = (await (
      await fetch(`${red.url}/nodes`, { headers: { Accept: "application/json" } })
    ).json()) as {
      module: string;
      types: string[];
      err?: string;
    }[];
    const ours = sets.filter((s) => s.module === PACKAGE);
    expect(ours.flatMap((s) => s.types).sort()).toEqual(NODES.map((n) => `hs-${n}`).sort());
    expect(ours.filter((s) => s.err)).toEqual([]);

    const help = async (lang: string) =>
      (
        await fetch(`${red?.url}/nodes`, { headers: { Accept: "text/html", "Accept-Language": lang } })
      ).text();
    const en = await help("en-US");
    const fr = await help("fr");
    for (const n of NODES) {
      expect(en).toContain(`data-help-name="hs-${n}"`);
      expect(en).toContain(`data-template-name="hs-${n}"`);
      expect(fr).toContain(`data-help-name="hs-${n}"`);
    }
    expect(en).toContain("Appends each message's payload as CSV rows");
    expect(fr).toContain("Ajoute le contenu de chaque message sous forme de lignes CSV");

    const catalog = await red.api("GET", `/locales/${PACKAGE}/hs-windowed-stats?lng=fr`);
    expect(catalog.body).toMatchObject({ "hs-windowed-stats": { paletteLabel: "stats fenêtrées" } });

    const listing = await red.api("GET", `/library/examples/flows/${PACKAGE}`);
    expect(listing.status).toBe(200);
    expect(listing.body).toContain("nodes");
    const perNode = await red.api("GET", `/library/examples/flows/${PACKAGE}/nodes`);
    expect((perNode.body as { fn: string }[]).map((e) => e.fn).sort()).toEqual([...NODES].sort());

    const icon = await fetch(`${red.url}/icons/${PACKAGE}/csv-writer.svg`);
    expect(icon.status).toBe(200);
    expect(await icon.text()).toContain("<svg");
  }, 120_000);
});
