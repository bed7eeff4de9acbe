// `homestream start`'s embedded broker as the house's broker, in the real process: publishes that are
// not sensor readings (a light command, an LWT, zigbee2mqtt's bridge state, anything) leave no warning
// in its log, and a retained state outlives a restart (kept under --data-dir). Third-party clients:
// Debian's mosquitto_pub and mosquitto_sub.
import { spawnSync } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type StartedHomestream, startHomestream } from "../start/run-start.js";

let dir: string;
let running: StartedHomestream | undefined;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "hs-start-broker-"));
});
afterEach(async () => {
  await running?.stop("SIGKILL");
  running = undefined;
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function mosquitto(
  tool: "mosquitto_pub" | "mosquitto_sub",
  mqtt: { host: string; port: number },
  args: string[],
) {
  const r = spawnSync(tool, ["-h", mqtt.host, "-p", String(mqtt.port), ...args], {
    encoding: "utf8",
    timeout: 15_000,
  });
  if (r.status !== 0) throw new Error(`${tool} ${args.join(" ")}: exit ${r.status}: ${r.stderr}`);
  return r.stdout;
}

/** Log lines at warning level or above: Node-RED's "[warn]"/"[error]", the bridge's pino level >= 40. */
function warnings(log: string): string[] {
  return log.split("\n").filter((l) => /\[(warn|error)\]/.test(l) || /"level":(4|5|6)0\b/.test(l));
}

describe("homestream start's broker", () => {
  it("logs no warning for publishes that are not sensor readings", { timeout: 120_000 }, async () => {
    // debug: the bridge logs each message it does not forward, the positive signal that it handled them.
    running = await startHomestream([
      "--port",
      "0",
      "--mqtt-port",
      "0",
      "--data-dir",
      path.join(dir, "quiet"),
      "--log-level",
      "debug",
    ]);
    const run = running;
    const mqtt = run.mqtt;
    if (!mqtt) throw new Error("no MQTT address printed");
    await run.waitFor(/\[mqtt-broker:local broker\] Connected to broker/);
    const startOut = run.stdout().length;
    const startErr = run.stderr().length;
    const topics = [
      "TopicA",
      "cmnd/lamp/POWER",
      "tele/plug1/LWT",
      "zigbee2mqtt/bridge/state",
      "frigate/events",
    ];
    for (const topic of topics) mosquitto("mosquitto_pub", mqtt, ["-q", "1", "-t", topic, "-m", "ON"]);
    for (const topic of topics)
      await run.waitFor(new RegExp(`"topic":"${topic}","[^\\n]*"msg":"not for Kafka"`));
    const after = `${run.stdout().slice(startOut)}\n${run.stderr().slice(startErr)}`;
    expect(warnings(after)).toEqual([]);
    expect(await run.stop("SIGINT")).toBe(0);
    running = undefined;
  });

  it("keeps a retained state across a restart", { timeout: 120_000 }, async () => {
    const dataDir = path.join(dir, "retained");
    const args = ["--port", "0", "--mqtt-port", "0", "--data-dir", dataDir, "--flow", "none"];
    running = await startHomestream(args);
    const first = running.mqtt;
    if (!first) throw new Error("no MQTT address printed");
    mosquitto("mosquitto_pub", first, ["-q", "1", "-r", "-t", "stat/lamp/POWER", "-m", "ON"]);
    expect(await running.stop("SIGINT")).toBe(0);

    running = await startHomestream(args);
    const second = running.mqtt;
    if (!second) throw new Error("no MQTT address printed");
    // A new subscriber gets the retained state at once (-C 1), or mosquitto_sub gives up (-W 10, exit 27).
    const out = mosquitto("mosquitto_sub", second, [
      "-q",
      "1",
      "-t",
      "stat/lamp/POWER",
      "-C",
      "1",
      "-v",
      "-W",
      "10",
    ]);
    expect(out.trim()).toBe("stat/lamp/POWER ON");
    expect(await running.stop("SIGINT")).toBe(0);
    running = undefined;
  });
});
