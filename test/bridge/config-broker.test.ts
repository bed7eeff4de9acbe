// The broker settings a command chooses: `unmatched` (and its flag), the persistence directory, and a
// command's own defaults (homestream start's), which every other source overrides.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadBridgeConfig } from "../../bridge/config-load.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "hs-bridge-config-broker-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const START_DEFAULTS = { unmatched: "ignore", mqtt: { dataDir: "/data/mqtt" } };

describe("broker configuration", () => {
  it("homestream bridge: unmatched topics are dead letters and the broker keeps its state in memory", async () => {
    const c = await loadBridgeConfig({});
    expect(c.unmatched).toBe("dead-letter");
    expect(c.mqtt.dataDir).toBeUndefined();
  });

  it("a command's defaults apply unless the file, the environment or a flag says otherwise", async () => {
    expect(await loadBridgeConfig({ defaults: START_DEFAULTS })).toMatchObject({
      unmatched: "ignore",
      mqtt: { dataDir: "/data/mqtt", port: 1883 },
    });
    const file = path.join(dir, "funnel.yaml");
    await writeFile(file, "unmatched: dead-letter\nmqtt: { dataDir: state }\n");
    expect(await loadBridgeConfig({ defaults: START_DEFAULTS, file })).toMatchObject({
      unmatched: "dead-letter",
      // Relative to the file, as every path in it.
      mqtt: { dataDir: path.join(dir, "state") },
    });
    expect(
      (await loadBridgeConfig({ defaults: START_DEFAULTS, env: { HOMESTREAM_UNMATCHED: "dead-letter" } }))
        .unmatched,
    ).toBe("dead-letter");
    expect(
      (await loadBridgeConfig({ flags: { unmatched: "ignore", mqttDataDir: "/srv/mqtt" } })).mqtt.dataDir,
    ).toBe("/srv/mqtt");
  });

  it("a bad unmatched value names the field, the flag and the choices", async () => {
    await expect(loadBridgeConfig({ flags: { unmatched: "drop" } })).rejects.toThrow(
      /unmatched \(--unmatched\): .*"dead-letter".*"ignore"/,
    );
  });
});
