// sensor-sim's batches as a user meets them in the Node-RED editor (headless Chromium against
// `homestream start`): the sensor-sim example imported from Import > Examples, its batched
// simulator's dialog opened (the field's label translated, an out-of-range value marked invalid),
// set to 50 per message, deployed and started with the example's inject button; the one-second
// window results the batches feed show up in the debug sidebar.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
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

let dir: string;
let run: StartedHomestream;
let browser: Browser;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "hs-browser-batch-"));
  ({ run, browser } = await freshEditor(path.join(dir, "data")));
}, 90_000);

afterAll(async () => {
  await browser?.close();
  expect(await run?.stop("SIGINT")).toBe(0);
  await rm(dir, { recursive: true, force: true });
}, 30_000);

describe("sensor-sim batches in the editor", () => {
  it("the example's batched simulator, set to 50 per message, feeds window results", async () => {
    const page = browser.page;
    expect(await importExample(page, "sensor-sim")).toMatch(/Imported/);
    expect(await invalidNodes(page)).toEqual([]);

    // The batched simulator's dialog.
    await page
      .locator("#red-ui-workspace-chart g.red-ui-flow-node-group", { hasText: "100 per message" })
      .dblclick();
    const batch = page.locator("#node-input-batch");
    await batch.waitFor({ state: "visible" });
    expect(await batch.inputValue()).toBe("100");
    const label = (await page.locator("label[for='node-input-batch']").textContent()) ?? "";
    expect(label.trim()).toBe("Per message");
    // out of range: the editor marks the field (and would mark the node) invalid
    await batch.fill("0");
    await batch.blur();
    await expect.poll(() => batch.evaluate((e) => e.classList.contains("input-error"))).toBe(true);
    await batch.fill("50");
    await batch.blur();
    await expect.poll(() => batch.evaluate((e) => e.classList.contains("input-error"))).toBe(false);
    await screenshot(page, "editor-sensor-sim-batch.png");
    await page.locator("#node-dialog-ok").click();
    expect(await invalidNodes(page)).toEqual([]);
    await page.evaluate(() =>
      (globalThis as unknown as { RED: { sidebar: { show(id: string): void } } }).RED.sidebar.show("debug"),
    );
    expect(await deploy(page)).toMatch(/Successfully deployed/);

    const deployed = await deployedFlows(run.editor);
    const sims = deployed.filter((n) => n.type === "hs-sensor-sim");
    expect(sims.map((n) => String(n.batch)).sort()).toEqual(["1", "50"]);

    // The example's start / stop button, as a user would click it.
    await page
      .locator("#red-ui-workspace-chart g.red-ui-flow-node-group", { hasText: "start / stop" })
      .locator(".red-ui-flow-node-button")
      .click();
    const result = page.locator(".red-ui-debug-msg", { hasText: "avg_value" }).first();
    await result.waitFor({ state: "visible", timeout: 20_000 });
    await screenshot(page, "editor-sensor-sim-batch-result.png");
    expect((await result.textContent()) ?? "").toMatch(
      /window_start: "[^"]+", window_end: "[^"]+", room: "\w+"/,
    );
    // the simulator's status counts the readings it sent
    const status = page
      .locator("#red-ui-workspace-chart g.red-ui-flow-node-group", { hasText: "100 per message" })
      .locator(".red-ui-flow-node-status-label");
    await expect
      .poll(async () => Number(/(\d+) sent/.exec((await status.textContent()) ?? "")?.[1] ?? 0))
      .toBeGreaterThan(0);
  });
});
