// The Node-RED editor as a user meets it, in headless Chromium, against `homestream start` (real
// Node-RED 5 with our package): our node types in the palette, a node dragged in, edited and
// deployed, and the Node-RED package's examples imported from Import > Examples and deployed cleanly.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OUR_TYPES } from "../nodes/our-nodes.js";
import type { StartedHomestream } from "../start/run-start.js";
import {
  type Browser,
  deploy,
  deployedFlows,
  freshEditor,
  importExample,
  invalidNodes,
  screenshot,
} from "./browser.js";

/** A Node-RED with our package and nothing deployed, and a browser on its editor. */
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "hs-browser-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("the editor", () => {
  let run: StartedHomestream;
  let browser: Browser;
  beforeAll(async () => {
    ({ run, browser } = await freshEditor(path.join(dir, "editor")));
  }, 90_000);
  afterAll(async () => {
    await browser?.close();
    expect(await run?.stop("SIGINT")).toBe(0);
  }, 30_000);

  it("has every one of our node types (the kafka-broker config node behind kafka-in/out)", async () => {
    const page = browser.page;
    const inPalette = await page.$$eval(".red-ui-palette-node[data-palette-type^='hs-']", (els) =>
      els.map((e) => e.getAttribute("data-palette-type")),
    );
    const registered = await page.evaluate(
      (types) =>
        types.filter((t) =>
          (globalThis as unknown as { RED: { nodes: { getType(t: string): unknown } } }).RED.nodes.getType(t),
        ),
      OUR_TYPES,
    );
    expect(registered.sort()).toEqual([...OUR_TYPES].sort());
    expect(inPalette.sort()).toEqual(OUR_TYPES.filter((t) => t !== "hs-kafka-broker").sort());
    // All in one palette category.
    const categories = await page.$$eval(".red-ui-palette-node[data-palette-type^='hs-']", (els) => [
      ...new Set(els.map((e) => e.closest(".red-ui-palette-category")?.id)),
    ]);
    expect(categories).toHaveLength(1);
    await screenshot(page, "editor-palette.png");
  });

  it("drags windowed-stats onto the workspace, changes its window in the dialog, and deploys it", async () => {
    const page = browser.page;
    await page.locator("#red-ui-palette-search input").pressSequentially("windowed");
    const paletteNode = page.locator('.red-ui-palette-node[data-palette-type="hs-windowed-stats"]');
    await paletteNode.waitFor({ state: "visible" });
    await paletteNode.dragTo(page.locator("#red-ui-workspace-chart"), { targetPosition: { x: 320, y: 200 } });
    const placed = page.locator("#red-ui-workspace-chart g.red-ui-flow-node-group");
    await expect.poll(() => placed.count(), { timeout: 15_000 }).toBe(1);

    await placed.first().dblclick();
    const windowField = page.locator("#node-input-window");
    await windowField.waitFor({ state: "visible" });
    expect(await windowField.inputValue()).toBe("60s");
    await windowField.fill("30s");
    // Where the state is kept: the runtime's default store (homestream start: the file store), its
    // other stores, or none; the default is preselected.
    const store = page.locator("#node-input-stateStore");
    expect(await store.inputValue()).toBe("");
    expect(
      await store
        .locator("option")
        .evaluateAll((os) => os.map((o) => (o as unknown as { value: string }).value)),
    ).toEqual(["", "memory", "none"]);
    expect(await store.locator("option").first().textContent()).toBe("runtime default (default)");
    await screenshot(page, "editor-windowed-stats-dialog.png");
    await page.locator("#node-dialog-ok").click();
    expect(await deploy(page)).toMatch(/Successfully deployed/);
    await screenshot(page, "editor-windowed-stats-deployed.png");

    const nodes = (await deployedFlows(run.editor)).filter((n) => n.type === "hs-windowed-stats");
    expect(nodes).toHaveLength(1);
    expect(nodes[0]?.window).toBe("30s");
    // The running node reports its state under it (status text), so it was constructed without error.
    await expect
      .poll(
        () => page.locator("#red-ui-workspace-chart .red-ui-flow-node-status-label").first().textContent(),
        { timeout: 15_000 },
      )
      .toMatch(/open/);
  });

  it("imports the whole pipeline from Import > Examples and deploys it without errors", async () => {
    const page = browser.page;
    expect(await importExample(page, "smart-home")).toMatch(/Imported/);
    expect(await invalidNodes(page)).toEqual([]);
    expect(await deploy(page)).toMatch(/Successfully deployed/);
    await screenshot(page, "example-pipeline-imported.png");
    const types = new Set((await deployedFlows(run.editor)).map((n) => n.type));
    for (const t of ["hs-sensor-sim", "hs-windowed-stats", "hs-light-presence", "hs-csv-writer", "mqtt in"])
      expect(types).toContain(t);
  });
});

describe("the Kafka example", () => {
  it("imports from Import > Examples into a fresh editor and deploys without errors", {
    timeout: 90_000,
  }, async () => {
    const { run, browser } = await freshEditor(path.join(dir, "kafka-example"));
    try {
      const page = browser.page;
      expect(await importExample(page, "kafka-out")).toMatch(/Imported/);
      expect(await invalidNodes(page)).toEqual([]);
      expect(await deploy(page)).toMatch(/Successfully deployed/);
      await screenshot(page, "example-kafka-imported.png");
      const types = new Set((await deployedFlows(run.editor)).map((n) => n.type));
      for (const t of ["hs-sensor-sim", "hs-kafka-out", "hs-kafka-broker"]) expect(types).toContain(t);
    } finally {
      await browser.close();
      expect(await run.stop("SIGINT")).toBe(0);
    }
  });
});
