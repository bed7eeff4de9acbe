// `homestream start` as a new user sees it: the local flow in the editor, and the dashboard filling
// with the simulated house's window averages and the open anomalies, in headless Chromium. Its two
// screenshots are the ones the README shows (copied to docs/).
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mosquittoPub } from "../bridge/mosquitto.js";
import { eventually, type StartedHomestream, startHomestream } from "../start/run-start.js";
import { type Browser, openBrowser, openEditor, screenshot } from "./browser.js";

/** Points per series in an echarts chart, read from the accessible description echarts writes. */
function pointsPerSeries(ariaLabel: string): number[] {
  return [...ariaLabel.matchAll(/The data is as follows: (.*?)\.\s*(?=The \d+ series|$)/g)].map(
    (m) => (m[1] as string).split(",").length / 2,
  );
}

let dir: string;
let run: StartedHomestream;
let browser: Browser;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "hs-dashboard-"));
  run = await startHomestream(["--port", "0", "--mqtt-port", "0", "--data-dir", path.join(dir, "data")]);
  browser = await openBrowser({ width: 1600, height: 900 });
}, 90_000);

afterAll(async () => {
  await browser?.close();
  if (run) expect(await run.stop("SIGINT")).toBe(0);
  await rm(dir, { recursive: true, force: true });
}, 30_000);

describe("homestream start in the browser", () => {
  it("opens the editor on the deployed local flow", async () => {
    const page = browser.page;
    await openEditor(page, run.editor);
    await page.locator(".red-ui-tab", { hasText: "Smart home — local" }).first().waitFor();
    // Node status under the simulator shows it running; the MQTT input shows its connection.
    await expect
      .poll(() => page.locator(".red-ui-flow-node-status-label", { hasText: "sent" }).count(), {
        timeout: 20_000,
      })
      .toBeGreaterThan(0);
    await expect
      .poll(() => page.locator(".red-ui-flow-node-status-label", { hasText: "connected" }).count(), {
        timeout: 20_000,
      })
      .toBeGreaterThan(0);
    // Hide the sidebar so the whole flow fits the picture.
    await page.keyboard.press("Control+Space");
    await screenshot(page, "editor-local-flow.png");
  });

  it("shows window averages per room as charts with data, and open anomalies in a table", {
    timeout: 150_000,
  }, async () => {
    const mqtt = run.mqtt;
    if (!mqtt) throw new Error("no MQTT address printed");
    // A device anomaly, so the table has a row whatever the simulated hour.
    const readings: Array<[string, string]> = [
      ["light", "1"],
      ["presence", "0"],
    ];
    for (const [sensor, value] of readings) mosquittoPub(mqtt, `home/garage/${sensor}`, value);

    const page = await browser.context.newPage();
    await page.setViewportSize({ width: 1400, height: 900 });
    await page.goto(run.dashboard);
    const temperature = page.locator(".nrdb-ui-chart [_echarts_instance_]").first();
    await temperature.waitFor({ state: "visible", timeout: 30_000 });
    // Hourly windows of a house simulated at 300x close every 12 s: wait for three points a room.
    // The chart's accessible description is written when it draws what the dashboard holds on
    // load; points appended live later may not update it, so look again with a reload (what a
    // user opening the dashboard sees), at most every 5 s.
    let last = "";
    let lastLoad = Date.now();
    await eventually(
      async () => {
        if (Date.now() - lastLoad > 5000) {
          await page.reload();
          await temperature.waitFor({ state: "visible", timeout: 30_000 });
          lastLoad = Date.now();
        }
        last = (await temperature.getAttribute("aria-label")) ?? "";
        const points = pointsPerSeries(last);
        return points.length >= 3 && points.every((n) => n >= 3) ? points : undefined;
      },
      120_000,
      "three points a room in the temperature chart",
    ).catch((err: Error) => {
      throw new Error(
        `${err.message}; chart description: ${last}\nNode-RED log: ${run.stderr().slice(-3000)}`,
      );
    });
    const label = (await temperature.getAttribute("aria-label")) ?? "";
    expect(label).toMatch(/Temperature/);
    expect(label).toMatch(/living_room|kitchen|bedroom|bathroom/);

    const table = page.locator(".nrdb-ui-table");
    await expect.poll(() => table.textContent(), { timeout: 20_000 }).toMatch(/garage\s*mqtt/);
    await screenshot(page, "dashboard.png", { fullPage: true });
  });
});
