// windowed-stats' *any message* mode as a user sets it up in the Node-RED editor (headless Chromium
// against `homestream start`): windowed-stats dragged in from the palette, switched to "any
// message" with msg.payload as the value in its dialog, wired between an inject node and a debug
// node, deployed; the inject node's button sends a bare number, which comes back in a window result
// in the debug sidebar.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { StartedHomestream } from "../start/run-start.js";
import { type Browser, deploy, deployedFlows, freshEditor, invalidNodes, screenshot } from "./browser.js";

let dir: string;
let run: StartedHomestream;
let browser: Browser;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "hs-browser-message-"));
  ({ run, browser } = await freshEditor(path.join(dir, "data")));
}, 90_000);

afterAll(async () => {
  await browser?.close();
  expect(await run?.stop("SIGINT")).toBe(0);
  await rm(dir, { recursive: true, force: true });
}, 30_000);

describe("windowed-stats in the editor, any message", () => {
  it("set to any message with msg.payload, an injected number shows up in a window result", async () => {
    const page = browser.page;
    // Drag windowed-stats in from the palette.
    await page.locator("#red-ui-palette-search input").pressSequentially("windowed");
    const paletteNode = page.locator('.red-ui-palette-node[data-palette-type="hs-windowed-stats"]');
    await paletteNode.waitFor({ state: "visible" });
    const placed = page.locator("#red-ui-workspace-chart g.red-ui-flow-node-group");
    // A drag in small steps (the palette uses jQuery UI's draggable, which wants the moves); on a
    // loaded machine the first one can start before the palette filter settled, so try again.
    const chart = await page.locator("#red-ui-workspace-chart").boundingBox();
    if (!chart) throw new Error("no workspace on the page");
    for (let attempt = 0; attempt < 3 && (await placed.count()) === 0; attempt++) {
      const from = await paletteNode.boundingBox();
      if (!from) throw new Error("windowed-stats is not in the palette");
      await page.mouse.move(from.x + from.width / 2, from.y + from.height / 2);
      await page.mouse.down();
      await page.mouse.move(chart.x + 360, chart.y + 200, { steps: 20 });
      await page.mouse.up();
      await expect
        .poll(() => placed.count(), { timeout: 5000 })
        .toBe(1)
        .catch(() => undefined);
    }
    expect(await placed.count()).toBe(1);

    // Its dialog: input "any message", value msg.payload, a short idle close so the window comes out.
    await placed.first().dblclick();
    const inputMode = page.locator("#node-input-inputMode");
    await inputMode.waitFor({ state: "visible" });
    expect(await inputMode.inputValue()).toBe("readings");
    const valueRow = page.locator(".form-row.hs-windowed-stats-message").first();
    expect(await valueRow.isVisible()).toBe(false); // only shown for any message
    await inputMode.selectOption("message");
    await valueRow.waitFor({ state: "visible" });
    // The typed input: pick the msg. type from its menu, then type the property.
    await valueRow.locator("button.red-ui-typedInput-type-select").click();
    await page.locator(".red-ui-typedInput-options a[value='msg']").first().click();
    const valueField = valueRow.locator("input.red-ui-typedInput-input");
    await valueField.fill("payload");
    await page.locator("#node-input-idle").fill("1s");
    await screenshot(page, "editor-windowed-stats-any-message.png");
    await page.locator("#node-dialog-ok").click();
    expect(await invalidNodes(page)).toEqual([]);

    // An inject node (payload: the number 21.5) before it and a debug node after it.
    const wsId = await page.evaluate(() => {
      const RED = (globalThis as unknown as { RED: EditorRed }).RED;
      let id = "";
      RED.nodes.eachNode((n) => {
        if (n.type === "hs-windowed-stats") id = n.id;
      });
      return id;
    });
    expect(wsId).not.toBe("");
    await page.evaluate((ws) => {
      const RED = (globalThis as unknown as { RED: EditorRed }).RED;
      const z = RED.workspaces.active();
      RED.view.importNodes(
        [
          {
            id: "inject1",
            type: "inject",
            z,
            name: "21.5",
            props: [{ p: "payload", v: "21.5", vt: "num" }],
            repeat: "",
            once: false,
            x: 140,
            y: 200,
            wires: [],
          },
          {
            id: "debug1",
            type: "debug",
            z,
            name: "results",
            active: true,
            tosidebar: true,
            complete: "payload",
            targetType: "msg",
            x: 600,
            y: 200,
            wires: [],
          },
        ],
        { generateIds: false },
      );
      // Links to a node already on the canvas are made apart from the import.
      const node = RED.nodes.node(ws);
      const inject = RED.nodes.node("inject1");
      const debug = RED.nodes.node("debug1");
      if (!node || !inject || !debug) throw new Error("nodes missing on the canvas");
      RED.nodes.addLink({ source: inject, sourcePort: 0, target: node });
      RED.nodes.addLink({ source: node, sourcePort: 0, target: debug });
      RED.nodes.dirty(true);
      RED.view.redraw(true);
      RED.sidebar.show("debug");
    }, wsId);
    expect(await deploy(page)).toMatch(/Successfully deployed/);

    const deployed = await deployedFlows(run.editor);
    const ws = deployed.find((n) => n.type === "hs-windowed-stats");
    expect(ws).toMatchObject({
      inputMode: "message",
      valueProp: "payload",
      valuePropType: "msg",
      idle: "1s",
    });
    expect(deployed.find((n) => n.id === "inject1")?.wires).toEqual([[ws?.id]]);
    expect(ws?.wires).toEqual([["debug1"], []]);

    // Click the inject node's button, as a user would.
    await page
      .locator("#red-ui-workspace-chart g.red-ui-flow-node-group", { hasText: "21.5" })
      .locator(".red-ui-flow-node-button")
      .click();
    const result = page.locator(".red-ui-debug-msg", { hasText: "avg_value" }).first();
    await result.waitFor({ state: "visible", timeout: 20_000 });
    const text = (await result.textContent()) ?? "";
    await screenshot(page, "editor-windowed-stats-any-message-result.png");
    // The sidebar's preview of the payload (it shows the first fields of the object).
    expect(text).toMatch(/series: "", avg_value: 21\.5, min_value: 21\.5/);
  });
});

interface EditorNode {
  id: string;
  type: string;
}
interface EditorRed {
  nodes: {
    eachNode(f: (n: EditorNode) => void): void;
    node(id: string): EditorNode | undefined;
    addLink(link: { source: EditorNode; sourcePort: number; target: EditorNode }): void;
    dirty(d: boolean): void;
  };
  workspaces: { active(): string };
  view: { importNodes(nodes: unknown[], opts: { generateIds: boolean }): void; redraw(full: boolean): void };
  sidebar: { show(id: string): void };
}
