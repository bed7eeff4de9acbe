// `homestream start` as users run it (`npm start` runs the same built entry point): a real process
// with Node-RED, the dashboard and the embedded MQTT broker on loopback ports the OS picks. A
// third-party client (Debian's mosquitto_pub) publishes to the broker; the anomaly must come out of
// the CSV writer; Ctrl+C (SIGINT) must stop it with exit code 0.
import { spawn, spawnSync } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { mosquittoPub } from "../bridge/mosquitto.js";
import { OUR_TYPES } from "../nodes/our-nodes.js";
import { csvLines, eventually, MAIN, type StartedHomestream, startHomestream } from "../start/run-start.js";

let dir: string;
let running: StartedHomestream | undefined;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "hs-start-"));
});
afterEach(async () => {
  await running?.stop("SIGKILL");
  running = undefined;
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function json(url: string, init?: RequestInit): Promise<unknown> {
  const res = await fetch(url, init);
  if (!res.ok) throw new Error(`${init?.method ?? "GET"} ${url}: ${res.status}`);
  return res.json();
}

/** Room names no simulator uses, so a row for it can only come from the device readings. */
function newRoom(): string {
  return `attic_${Math.random().toString(36).slice(2, 8)}`;
}

describe("homestream start", () => {
  it("deploys the local flow on first start; device readings and the simulator make anomaly rows; SIGINT exits 0", {
    timeout: 240_000,
  }, async () => {
    const dataDir = path.join(dir, "first");
    running = await startHomestream(["--port", "0", "--mqtt-port", "0", "--data-dir", dataDir]);
    const run = running;
    expect(run.deployed).toBe("local");
    expect(run.editor).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(run.dashboard).toBe(`${run.editor}dashboard`);
    expect(run.anomaliesDir).toBe(path.join(dataDir, "output", "anomalies"));
    const mqtt = run.mqtt;
    if (!mqtt) throw new Error("no MQTT address printed");

    // The editor lists every one of our node types, and the dashboard is served.
    const nodes = (await json(`${run.editor}nodes`, { headers: { accept: "application/json" } })) as Array<{
      types: string[];
    }>;
    const types = new Set(nodes.flatMap((n) => n.types));
    for (const t of OUR_TYPES) expect(types, `palette has ${t}`).toContain(t);
    expect(types).toContain("ui-chart");
    expect((await fetch(run.dashboard)).status).toBe(200);
    // Import > Examples lists the Node-RED package's examples: the whole pipeline and one per node.
    const examples = (await json(
      `${run.editor}library/examples/flows/@homestream/node-red-smart-home`,
    )) as Array<string | { fn: string }>;
    const files = examples.flatMap((e) => (typeof e === "string" ? [] : [e.fn]));
    expect(files).toEqual(expect.arrayContaining(["smart-home", ...OUR_TYPES.map((t) => t.slice(3))]));

    // The flow's MQTT client must be subscribed before the device publishes (no retained messages).
    await run.waitFor(/\[mqtt-broker:local broker\] Connected to broker/);
    const room = newRoom();
    mosquittoPub(
      mqtt,
      `home/${room}/light`,
      JSON.stringify({
        room,
        sensor_type: "light",
        value: 1,
        timestamp: new Date().toISOString(),
        device_id: `${room}_light_1`,
      }),
    );
    mosquittoPub(mqtt, `home/${room}/presence`, "0");
    const row = await eventually(
      () => csvLines(run.anomaliesDir).find((l) => l.startsWith(`anomaly_start,${room},mqtt,`)),
      20_000,
      `an anomaly row for ${room}`,
    );
    expect(row).toContain(`${room}_light_1`);
    expect(row).toContain(`${room}_presence_mqtt`);
    expect(csvLines(run.anomaliesDir)[0]).toBe(
      "event,room,source,since,detected_at,ended_at,duration_s,light_device_id,presence_device_id",
    );

    // The simulated house (300x) leaves a light on somewhere within two minutes of wall-clock time.
    await eventually(
      () => csvLines(run.anomaliesDir).find((l) => /^anomaly_start,\w+,simulated,/.test(l)),
      120_000,
      "a simulated anomaly row",
    );

    expect(await run.stop("SIGINT")).toBe(0);
    expect(run.stderr()).toMatch(/start: SIGINT: stopping/);
    expect(run.stderr()).toMatch(/start: stopped/);
    running = undefined;
  });

  it("keeps the user's edits on the next start", { timeout: 120_000 }, async () => {
    const dataDir = path.join(dir, "edits");
    running = await startHomestream(["--port", "0", "--mqtt-port", "0", "--data-dir", dataDir]);
    let run = running;
    expect(run.deployed).toBe("local");
    const api = { "Node-RED-API-Version": "v2", "content-type": "application/json" };
    const current = (await json(`${run.editor}flows`, { headers: api })) as {
      rev: string;
      flows: Array<Record<string, unknown>>;
    };
    const edited = current.flows.map((n) => (n.type === "comment" ? { ...n, name: "my own notes" } : n));
    await json(`${run.editor}flows`, {
      method: "POST",
      headers: { ...api, "Node-RED-Deployment-Type": "full" },
      body: JSON.stringify({ rev: current.rev, flows: edited }),
    });
    expect(await run.stop("SIGINT")).toBe(0);

    running = await startHomestream(["--port", "0", "--mqtt-port", "0", "--data-dir", dataDir]);
    run = running;
    expect(run.deployed).toBeUndefined();
    const after = (await json(`${run.editor}flows`, { headers: api })) as {
      flows: Array<Record<string, unknown>>;
    };
    expect(after.flows.find((n) => n.type === "comment")?.name).toBe("my own notes");
    expect(after.flows.length).toBe(current.flows.length);
    expect(await run.stop("SIGTERM")).toBe(0);
    running = undefined;
  });

  it("guards the editor, the dashboard and the broker with credentials when asked", {
    timeout: 120_000,
  }, async () => {
    const dataDir = path.join(dir, "auth");
    const users = path.join(dir, "users.yaml");
    const add = spawnSync(
      process.execPath,
      [MAIN, "bridge", "add-user", users, "attic-sensor", "--allow", "home/", "--password-stdin"],
      { input: "device pw\n", encoding: "utf8" },
    );
    expect(add.status, add.stderr).toBe(0);
    running = await startHomestream(
      ["--port", "0", "--mqtt-port", "0", "--data-dir", dataDir, "--users", users],
      {
        env: { HOMESTREAM_ADMIN_PASSWORD: "editor pw", HOMESTREAM_ADMIN_USER: "alice" },
      },
    );
    const run = running;
    const mqtt = run.mqtt;
    if (!mqtt) throw new Error("no MQTT address printed");

    expect((await fetch(`${run.editor}flows`)).status).toBe(401);
    const token = (await json(`${run.editor}auth/token`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        client_id: "node-red-admin",
        grant_type: "password",
        scope: "*",
        username: "alice",
        password: "editor pw",
      }),
    })) as { access_token: string };
    expect(
      (await fetch(`${run.editor}flows`, { headers: { authorization: `Bearer ${token.access_token}` } }))
        .status,
    ).toBe(200);
    expect((await fetch(run.dashboard)).status).toBe(401);
    const basic = `Basic ${Buffer.from("alice:editor pw").toString("base64")}`;
    expect((await fetch(run.dashboard, { headers: { authorization: basic } })).status).toBe(200);
    const wrong = `Basic ${Buffer.from("alice:nope").toString("base64")}`;
    expect((await fetch(run.dashboard, { headers: { authorization: wrong } })).status).toBe(401);

    // The flow's own client gets in with its generated user; a device with the users file's.
    await run.waitFor(/\[mqtt-broker:local broker\] Connected to broker/);
    const room = newRoom();
    const device = { user: "attic-sensor", password: "device pw" };
    mosquittoPub(mqtt, `home/${room}/light`, "ON", device);
    mosquittoPub(mqtt, `home/${room}/presence`, "0", device);
    await eventually(
      () => csvLines(run.anomaliesDir).find((l) => l.startsWith(`anomaly_start,${room},mqtt,`)),
      20_000,
      `an anomaly row for ${room}`,
    );
    expect(await run.stop("SIGINT")).toBe(0);
    running = undefined;
  });

  it("refuses to listen beyond loopback without credentials (exit 2)", async () => {
    const run = (args: string[]) =>
      new Promise<{ code: number | null; stderr: string }>((resolve) => {
        const p = spawn(process.execPath, [MAIN, "start", "--data-dir", path.join(dir, "refused"), ...args], {
          env: { ...process.env, HOMESTREAM_ADMIN_PASSWORD: "" },
          stdio: ["ignore", "ignore", "pipe"],
        });
        let stderr = "";
        p.stderr.setEncoding("utf8").on("data", (d: string) => {
          stderr += d;
        });
        p.on("exit", (code) => resolve({ code, stderr }));
      });
    const editor = await run(["--host", "0.0.0.0"]);
    expect(editor.code).toBe(2);
    expect(editor.stderr).toMatch(
      /host: 0\.0\.0\.0 is reachable from other machines: set HOMESTREAM_ADMIN_PASSWORD/,
    );
    const broker = await run(["--mqtt-host", "0.0.0.0"]);
    expect(broker.code).toBe(2);
    expect(broker.stderr).toMatch(
      /users: MQTT on 0\.0\.0\.0 is reachable from other machines: give a users file/,
    );
    const port = await run(["--port", "http"]);
    expect(port.code).toBe(2);
    expect(port.stderr).toMatch(/port: must be a port number, got "http"/);
  });
});
