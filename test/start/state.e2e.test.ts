// State that survives a crash, on the real runtime: `homestream start` as a child process (its
// file-backed context store under --data-dir), a flow deployed through the admin API that feeds
// readings from an HTTP endpoint into windowed-stats and light-presence and writes their output
// to CSV files. One run takes every reading; the other is killed with SIGKILL mid-window and
// mid-anomaly, once the state on disk holds everything it was given, started again on the same
// data directory, given some more, stopped with Ctrl+C (SIGINT: the state is saved on close),
// started again and given the rest. Both must write the same CSV rows: the open window is
// completed, the open anomaly ends once with its whole duration, nothing is written twice.
// Then the issue's own scenario: the example flow deployed by a first start, a device publishing
// over MQTT, a SIGKILL while an anomaly is open, a second start.
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { mosquittoPub } from "../bridge/mosquitto.js";
import { csvLines, eventually, type StartedHomestream, startHomestream } from "./run-start.js";

let dir: string;
const running: StartedHomestream[] = [];

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "hs-state-"));
});
afterEach(async () => {
  for (const run of running.splice(0)) await run.stop("SIGKILL");
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const T0 = Date.UTC(2026, 10, 27, 21, 0, 0);
const reading = (room: string, sensor_type: string, value: number, s: number) => ({
  room,
  sensor_type,
  value,
  timestamp: new Date(T0 + s * 1000).toISOString(),
  device_id: `${room}_${sensor_type}_1`,
});

/** Up to the kill: window [0, 60) closed, [60, 120) open, an anomaly open in the kitchen. */
const PART1 = [
  reading("kitchen", "temperature", 20, 1),
  reading("kitchen", "temperature", 22, 30),
  reading("kitchen", "temperature", 24, 61),
  reading("kitchen", "presence", 0, 62),
  reading("kitchen", "light", 1, 63),
  reading("kitchen", "temperature", 26, 90),
  reading("hall", "temperature", 18, 95),
];
/** After the restart: the light reports again, then goes off; windows [60, 120) and [120, 180) close. */
const PART2 = [
  reading("kitchen", "light", 1, 100),
  reading("kitchen", "temperature", 28, 110),
  reading("kitchen", "light", 0, 115),
  reading("kitchen", "temperature", 30, 125),
  reading("kitchen", "temperature", 31, 185),
];
const WINDOW_ROWS = 4;
const ANOMALY_ROWS = 2;

const STATS_ID = "a1b2c3d4e5f60001";
const LP_ID = "a1b2c3d4e5f60002";
const FLOW = [
  { id: "f0", type: "tab", label: "state test" },
  {
    id: "in",
    type: "http in",
    z: "f0",
    url: "/reading",
    method: "post",
    upload: false,
    x: 100,
    y: 100,
    wires: [[STATS_ID, LP_ID, "resp"]],
  },
  { id: "resp", type: "http response", z: "f0", statusCode: "", headers: {}, x: 300, y: 200, wires: [] },
  {
    id: STATS_ID,
    type: "hs-windowed-stats",
    z: "f0",
    window: "60s",
    watermark: "0s",
    mode: "append",
    groupRoom: true,
    groupSensor: true,
    sensors: "temperature",
    stateStore: "",
    x: 300,
    y: 100,
    wires: [["windows"], []],
  },
  {
    id: LP_ID,
    type: "hs-light-presence",
    z: "f0",
    grace: "",
    stateStore: "",
    x: 300,
    y: 150,
    wires: [["anomalies"]],
  },
  {
    id: "windows",
    type: "hs-csv-writer",
    z: "f0",
    baseDir: "out",
    path: "windows.csv",
    columns: "window_start, window_end, room, sensor_type, avg_value, min_value, max_value, count",
    x: 500,
    y: 100,
    wires: [],
  },
  {
    id: "anomalies",
    type: "hs-csv-writer",
    z: "f0",
    baseDir: "out",
    path: "anomalies.csv",
    columns: "event, room, since, detected_at, ended_at, duration_s",
    x: 500,
    y: 150,
    wires: [],
  },
];

async function start(dataDir: string): Promise<StartedHomestream> {
  const run = await startHomestream(["--port", "0", "--no-mqtt", "--flow", "none", "--data-dir", dataDir]);
  running.push(run);
  return run;
}

/** Deploys FLOW through the admin API and waits until Node-RED has started it. */
async function deploy(run: StartedHomestream): Promise<void> {
  const res = await fetch(`${run.editor}flows`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "Node-RED-API-Version": "v2",
      "Node-RED-Deployment-Type": "full",
    },
    body: JSON.stringify({ flows: FLOW }),
  });
  expect(res.status).toBe(200);
  await run.waitFor(/Started flows[\s\S]*Started flows/);
}

/** Posts readings one at a time, in order. */
async function post(run: StartedHomestream, readings: readonly object[]): Promise<void> {
  for (const r of readings) {
    const res = await fetch(`${run.editor}reading`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(r),
    });
    expect(res.status).toBe(200);
    await res.arrayBuffer();
  }
}

const outDir = (dataDir: string) => path.join(dataDir, "out");
/** The data rows of `file` (its header dropped); [] before it exists. */
function rows(dataDir: string, file: string): string[] {
  const p = path.join(outDir(dataDir), file);
  return existsSync(p) ? readFileSync(p, "utf8").split("\n").filter(Boolean).slice(1) : [];
}

/** Waits until `file` has `n` data rows; returns them. */
function rowsEventually(dataDir: string, file: string, n: number): Promise<string[]> {
  return eventually(
    () => {
      const r = rows(dataDir, file);
      return r.length >= n ? r : undefined;
    },
    30_000,
    `${n} rows in ${file}`,
  );
}

/** The saved node states in the file store, as on disk. */
function savedStates(
  dataDir: string,
): Record<string, { body: Record<string, { body: Record<string, unknown> }> }> {
  const file = path.join(dataDir, "node-red", "context", "global", "global.json");
  if (!existsSync(file)) return {};
  const global = JSON.parse(readFileSync(file, "utf8")) as { homestream_state?: Record<string, never> };
  return global.homestream_state ?? {};
}

describe("homestream start: state survives SIGKILL", () => {
  it("killed mid-window and mid-anomaly, restarted, writes exactly the rows of an uninterrupted run", {
    timeout: 240_000,
  }, async () => {
    // The uninterrupted run.
    const whole = path.join(dir, "whole");
    const a = await start(whole);
    await deploy(a);
    await post(a, [...PART1, ...PART2]);
    const expectedWindows = await rowsEventually(whole, "windows.csv", WINDOW_ROWS);
    const expectedAnomalies = await rowsEventually(whole, "anomalies.csv", ANOMALY_ROWS);
    expect(await a.stop("SIGINT")).toBe(0);
    expect(expectedAnomalies[1]).toMatch(
      /^anomaly_end,kitchen,2026-11-27T21:01:03.000Z,,2026-11-27T21:01:55.000Z,52$/,
    );

    // The killed run: part 1, then wait until the file store holds the state after part 1.
    const killed = path.join(dir, "killed");
    const b = await start(killed);
    await deploy(b);
    await post(b, PART1);
    await rowsEventually(killed, "windows.csv", 1);
    await rowsEventually(killed, "anomalies.csv", 1);
    const lastTime = T0 + 95_000;
    await eventually(
      () => {
        const s = savedStates(killed);
        const engine = s[STATS_ID]?.body.engine?.body;
        const detector = s[LP_ID]?.body.detector?.body;
        return engine?.maxEventTime === lastTime && detector?.clock === lastTime ? true : undefined;
      },
      30_000,
      "the state after part 1 on disk",
    );
    expect(await b.stop("SIGKILL")).toBeNull();
    expect(b.proc.signalCode).toBe("SIGKILL");

    // Started again on the same data directory: the deployed flow and its state come back. Then a
    // clean stop right after two more readings (no wait: closing saves), and a third start.
    const c0 = await start(killed);
    await c0.waitFor(/Started flows/);
    await post(c0, PART2.slice(0, 2));
    expect(await c0.stop("SIGINT")).toBe(0);
    const c = await start(killed);
    await c.waitFor(/Started flows/);
    await post(c, PART2.slice(2));
    const windows = await rowsEventually(killed, "windows.csv", WINDOW_ROWS);
    const anomalies = await rowsEventually(killed, "anomalies.csv", ANOMALY_ROWS);
    expect(windows).toEqual(expectedWindows);
    expect(anomalies).toEqual(expectedAnomalies);
    // Nothing more arrives: the end of the anomaly and the last window are the last things written,
    // and a clean stop (which saves the state, and would flush any pending row) adds nothing.
    expect(await c.stop("SIGINT")).toBe(0);
    expect(rows(killed, "windows.csv")).toEqual(expectedWindows);
    expect(rows(killed, "anomalies.csv")).toEqual(expectedAnomalies);
  });

  it("the example flow, fed by a device over MQTT: an anomaly open at a SIGKILL ends once after the restart, with its whole duration", {
    timeout: 240_000,
  }, async () => {
    // The flow's MQTT client keeps the broker port of the first start, so both starts use one port.
    const mqttPort = await freePort();
    const dataDir = path.join(dir, "example");
    const args = ["--port", "0", "--mqtt-port", String(mqttPort), "--data-dir", dataDir];
    const first = await startHomestream(args);
    running.push(first);
    expect(first.deployed).toBe("local");
    await first.waitFor(/\[mqtt-broker:local broker\] Connected to broker/);
    const mqtt = { host: "127.0.0.1", port: mqttPort };
    const room = `attic_${Math.random().toString(36).slice(2, 8)}`;
    const t0 = Date.now() - 60_000;
    const publish = (sensor_type: string, value: number, s: number) =>
      mosquittoPub(
        mqtt,
        `home/${room}/${sensor_type}`,
        JSON.stringify({
          room,
          sensor_type,
          value,
          timestamp: new Date(t0 + s * 1000).toISOString(),
          device_id: `${room}_${sensor_type}`,
        }),
      );
    const roomRows = () => csvLines(first.anomaliesDir).filter((l) => l.split(",")[1] === room);
    publish("presence", 0, 0);
    publish("light", 1, 1);
    await eventually(() => (roomRows().length === 1 ? true : undefined), 30_000, `anomaly_start for ${room}`);
    // The devices group's detector (the example's node id) has the open anomaly on disk.
    await eventually(
      () => {
        const s = savedStates(dataDir).bdb007b88666784d?.body.detector?.body as
          | { rooms?: Array<{ room: string; phase: string }> }
          | undefined;
        return s?.rooms?.some((r) => r.room === room && r.phase === "open") ? true : undefined;
      },
      30_000,
      "the open anomaly in the file store",
    );
    expect(await first.stop("SIGKILL")).toBeNull();

    const second = await startHomestream(args);
    running.push(second);
    expect(second.deployed).toBeUndefined();
    await second.waitFor(/\[mqtt-broker:local broker\] Connected to broker/);
    publish("light", 1, 5); // the light reports again: still the same anomaly
    publish("presence", 0, 6);
    publish("light", 1, 7);
    publish("light", 0, 13);
    const rows = await eventually(
      () => {
        const r = roomRows();
        return r.some((l) => l.startsWith("anomaly_end,")) ? r : undefined;
      },
      30_000,
      `anomaly_end for ${room}`,
    );
    const since = new Date(t0 + 1000).toISOString();
    expect(rows.map((l) => l.split(",").slice(0, 7).join(","))).toEqual([
      `anomaly_start,${room},mqtt,${since},${since},,`,
      `anomaly_end,${room},mqtt,${since},,${new Date(t0 + 13_000).toISOString()},12`,
    ]);
    expect(await second.stop("SIGINT")).toBe(0);
  });
});

/** A loopback port free right now (the OS picks it; released before use). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
