// Headless Chromium (Debian's, driven by playwright-core) for the editor and dashboard tests. Every
// request that is not to loopback is aborted in the browser, so the editor's palette catalogue and
// the like never leave the machine; screenshots go to test-artifacts/ (gitignored).
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { expect } from "vitest";
import { ROOT, type StartedHomestream, startHomestream } from "../start/run-start.js";

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
export const ARTIFACTS = path.join(ROOT, "test-artifacts");

const LOOPBACK = /^https?:\/\/(127\.\d+\.\d+\.\d+|localhost|\[::1\])(:\d+)?\//;

export interface Browser {
  context: BrowserContext;
  page: Page;
  close(): Promise<void>;
}

export async function openBrowser(viewport = { width: 1600, height: 900 }): Promise<Browser> {
  if (!existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} is missing: install Debian's chromium (scripts/system-deps.sh does)`);
  const profile = mkdtempSync(path.join(tmpdir(), "hs-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  await context.route(
    (url) => !LOOPBACK.test(url.href),
    (route) => route.abort(),
  );
  const page = context.pages()[0] ?? (await context.newPage());
  return {
    context,
    page,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

export async function screenshot(
  page: Page,
  name: string,
  opts: { fullPage?: boolean } = {},
): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const file = path.join(ARTIFACTS, name);
  await page.screenshot({ path: file, fullPage: opts.fullPage ?? false });
  return file;
}

/** Opens the editor and waits until the palette has loaded. */
export async function openEditor(page: Page, url: string): Promise<void> {
  await page.goto(url);
  await page
    .locator("#red-ui-palette .red-ui-palette-node")
    .first()
    .waitFor({ state: "visible", timeout: 30_000 });
}

/** Types of the nodes (and config nodes) the editor marks invalid (red triangle). */
export function invalidNodes(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    interface EditorNode {
      id: string;
      type: string;
      valid?: boolean;
    }
    const red = (
      globalThis as unknown as {
        RED: {
          nodes: { eachNode(f: (n: EditorNode) => void): void; eachConfig(f: (n: EditorNode) => void): void };
        };
      }
    ).RED;
    const bad: string[] = [];
    const check = (n: EditorNode) => {
      if (n.valid === false) bad.push(`${n.type} ${n.id}`);
    };
    red.nodes.eachNode(check);
    red.nodes.eachConfig(check);
    return bad;
  });
}

/**
 * Clicks Deploy and returns the notification text that follows (success or error). Earlier
 * notifications fade out meanwhile, so the new one is found by what it says, not by its position; a
 * confirmation Node-RED asks first (e.g. about nodes it finds unconfigured) is answered and reported.
 */
export async function deploy(page: Page): Promise<string> {
  const said = page.locator(".red-ui-notification", { hasText: /deploy/i });
  const before = await said.count();
  await page.locator("#red-ui-header-button-deploy").click();
  const confirm = page.locator("#red-ui-deploy-confirm-dialog, .red-ui-deploy-dialog-confirm-button").first();
  const note = said.nth(before);
  try {
    await Promise.race([
      note.waitFor({ state: "visible", timeout: 30_000 }),
      confirm.waitFor({ timeout: 30_000 }),
    ]);
  } catch (err) {
    const shot = await screenshot(page, "deploy-failed.png");
    throw new Error(`${(err as Error).message} (the page: ${shot})`);
  }
  if (!(await note.isVisible())) {
    const question = (await page.locator(".ui-dialog:visible").first().textContent()) ?? "";
    throw new Error(`deploy asked for confirmation: ${question.trim().slice(0, 300)}`);
  }
  return (await note.textContent()) ?? "";
}

/** Import > Examples > our package > `name`, then Import (the example brings its own tab). */
export async function importExample(page: Page, name: string): Promise<string> {
  await page.locator("#red-ui-header-button-sidemenu").click();
  await page.locator("#menu-item-import").click();
  await page.locator("#red-ui-tab-red-ui-clipboard-dialog-import-tab-examples").click();
  const library = page.locator("#red-ui-clipboard-dialog-import-tab-examples");
  const item = library.getByText(name, { exact: true });
  if (!(await item.isVisible()))
    await library.getByText("@homestream/node-red-smart-home", { exact: true }).click();
  // Import is enabled once the example's flow has loaded; a click that landed while the tree was
  // still opening selects nothing, so click again (at most three times) until it is.
  const ok = page.locator("#red-ui-clipboard-dialog-ok");
  for (let attempt = 0; attempt < 3; attempt++) {
    await item.click();
    try {
      await expect.poll(() => ok.isEnabled(), { timeout: 5000 }).toBe(true);
      break;
    } catch {
      // not loaded: the next attempt clicks again (the last one's failure shows at ok.click())
    }
  }
  const notes = page.locator(".red-ui-notification");
  const before = await notes.count();
  await ok.click();
  const note = notes.nth(before);
  await note.waitFor({ state: "visible", timeout: 10_000 });
  const text = (await note.textContent()) ?? "";
  // Nodes imported into the open flow follow the pointer until a click drops them.
  await page.mouse.move(700, 700);
  await page.locator("#red-ui-workspace-chart").click({ position: { x: 500, y: 650 } });
  return text;
}

/**
 * `homestream start` with no flow (its data under `dataDir`, editor and broker on free ports) and a
 * browser with its editor open: the starting point of a test that builds its flow in the editor.
 */
export async function freshEditor(dataDir: string): Promise<{ run: StartedHomestream; browser: Browser }> {
  const run = await startHomestream([
    "--port",
    "0",
    "--mqtt-port",
    "0",
    "--data-dir",
    dataDir,
    "--flow",
    "none",
  ]);
  const browser = await openBrowser();
  await openEditor(browser.page, run.editor);
  return { run, browser };
}

/** A node of a deployed flow as the admin API lists it. */
export interface FlowNode {
  id: string;
  type: string;
  [key: string]: unknown;
}

/** The flows deployed on the Node-RED at `editor` (its admin URL, ending in "/"). */
export async function deployedFlows(editor: string): Promise<FlowNode[]> {
  const res = await fetch(`${editor}flows`, { headers: { "Node-RED-API-Version": "v1" } });
  return (await res.json()) as FlowNode[];
}
