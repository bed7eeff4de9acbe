// Benchmark of the nodes in a real Node-RED runtime (the node-red package, the compiled nodes
// from nodes/dist/, loaded through package.json's "node-red" section as an install would):
//
//   sensor-sim (random, as fast as the flow takes it) ─┬─> windowed-stats ──> csv-writer (windows)
//                                                      └─> light-presence ──> csv-writer (anomalies)
//
// Window results and anomaly events are not readings, so the simulator feeds both analyses and
// each writes its own CSV file. The clock runs from the simulator's start (its editor button)
// until every reading has been through both analyses and every row they sent has been written.
// Nothing instruments the run itself: when the simulator reports it has sent its last reading,
// inject nodes queue a flush into windowed-stats and a reset into light-presence behind the
// readings still in flight (Node-RED delivers in order); once both have completed those, end
// markers go into both CSV writers behind the rows, and the run ends when the writers complete
// them (they write in arrival order). Completions are seen with Node-RED's onComplete hook, added
// only then. Prints progress to stderr and, as its last stdout line, one JSON object.
//
// One run, as a process of its own (bench/nodes.mjs starts three per mode and takes medians).
// BENCH_READINGS (default 1000000) sets the number of readings; BENCH_BATCH (default 1) the
// simulator's readings per message: 1 sends each reading alone, more sends arrays of readings
// (batches), which windowed-stats and light-presence take as they are.
//
// The run verifies what it reports, and fails (exit 1) otherwise: the simulator's own count of what
// it sent equals BENCH_READINGS; the window results' counts add up to the temperature and humidity
// readings among those (computed here from the same seeded scenario), so every one reached
// windowed-stats and was counted once; the anomaly rows equal what the core detector finds in the
// same readings; and no node reported an error.

import { readdirSync, readFileSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { createServer } from "node:http";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const N = Number(process.env.BENCH_READINGS ?? 1_000_000);
const BATCH = Number(process.env.BENCH_BATCH ?? 1);
let errors = 0;
const errorMessages = [];
const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const require = createRequire(import.meta.url);
const RED = require("node-red");
const { parseSimulationOptions } = require("../simulator/dist/options.js");
const { simulate, take } = require("../simulator/dist/simulation.js");
const { LightPresenceDetector } = require("../core/dist/light-presence.js");

/** Other node packages installed here (the dashboard): Node-RED would load them too. */
function otherNodePackages() {
  const names = [];
  const modules = join(root, "node_modules");
  const consider = (dir) => {
    try {
      if (JSON.parse(readFileSync(join(dir, "package.json"), "utf8"))["node-red"]?.nodes)
        names.push(basename(dir));
    } catch {}
  };
  for (const e of readdirSync(modules)) {
    if (e.startsWith("@")) for (const s of readdirSync(join(modules, e))) consider(join(modules, e, s));
    else consider(join(modules, e));
  }
  return names;
}

const userDir = await mkdtemp(join(tmpdir(), "hs-bench-nodes-"));
const outDir = join(userDir, "out");
const server = createServer((req, res) => RED.httpAdmin(req, res));
RED.init(server, {
  userDir,
  nodesDir: [join(root, "nodes")],
  nodesExcludes: otherNodePackages(),
  httpAdminRoot: "/",
  httpNodeRoot: false,
  fileWorkingDirectory: userDir,
  credentialSecret: "bench",
  editorTheme: { tours: false },
  telemetry: { enabled: false },
  diagnostics: { enabled: false },
  externalModules: { autoInstall: false, palette: { allowInstall: false } },
  logging: {
    console: { level: "warn" },
    // node errors (a rejected reading, a failed write) are counted, not just printed
    count: {
      level: "error",
      handler: () => (m) => {
        if (++errors <= 5) errorMessages.push(String(m.msg?.message ?? m.msg));
      },
    },
  },
});
await new Promise((ready) => server.listen(0, "127.0.0.1", ready));
const flowsStarted = () => new Promise((resolve) => RED.events.once("flows:started", resolve));
let started = flowsStarted();
await RED.start();
await started;
const url = `http://127.0.0.1:${server.address().port}`;

const at = (x, y) => ({ z: "tab", x, y });
const flows = [
  { id: "tab", type: "tab", label: "bench" },
  {
    id: "sim",
    type: "hs-sensor-sim",
    ...at(100, 100),
    mode: "random",
    seed: 42,
    // event time: one reading per millisecond, so the run spans many 60 s windows
    rate: 1000,
    asap: true,
    count: N,
    autoStart: false,
    batch: BATCH,
    wires: [["stats", "detect"]],
  },
  {
    id: "stats",
    type: "hs-windowed-stats",
    ...at(300, 80),
    window: "60s",
    watermark: "10s",
    mode: "append",
    sensors: "temperature, humidity",
    wires: [["windowsCsv"], []],
  },
  { id: "detect", type: "hs-light-presence", ...at(300, 140), grace: "0s", wires: [["eventsCsv"]] },
  {
    id: "windowsCsv",
    type: "hs-csv-writer",
    ...at(500, 80),
    baseDir: outDir,
    path: "windows.csv",
    wires: [[]],
  },
  {
    id: "eventsCsv",
    type: "hs-csv-writer",
    ...at(500, 140),
    baseDir: outDir,
    path: "anomalies.csv",
    wires: [[]],
  },
  {
    id: "flushStats",
    type: "inject",
    ...at(100, 200),
    props: [{ p: "flush", v: "true", vt: "bool" }],
    repeat: "",
    once: false,
    wires: [["stats"]],
  },
  {
    id: "resetDetect",
    type: "inject",
    ...at(100, 240),
    props: [{ p: "reset", v: "true", vt: "bool" }],
    repeat: "",
    once: false,
    wires: [["detect"]],
  },
  {
    id: "marker",
    type: "inject",
    ...at(300, 200),
    props: [{ p: "payload" }],
    payload: '{"marker":"end"}',
    payloadType: "json",
    repeat: "",
    once: false,
    wires: [["windowsCsv", "eventsCsv"]],
  },
];
started = flowsStarted();
const deployed = await fetch(`${url}/flows`, {
  method: "POST",
  headers: { "content-type": "application/json", "Node-RED-API-Version": "v2" },
  body: JSON.stringify({ flows }),
});
if (!deployed.ok) throw new Error(`deploy failed: ${deployed.status} ${await deployed.text()}`);
await started;

const memory = [];
const sampler = setInterval(() => memory.push(process.memoryUsage().rss), 100);
const post = async (path) => {
  const r = await fetch(`${url}${path}`, { method: "POST" });
  if (!r.ok) throw new Error(`POST ${path}: ${r.status}`);
};
const deadline = (ms, what) =>
  new Promise((_, reject) =>
    setTimeout(() => reject(new Error(`${what} not done after ${ms / 1000} s`)), ms).unref(),
  );

// Resolves when `predicate` holds for a completion seen by the onComplete hook (added on demand).
const completion = (name, predicate) =>
  new Promise((resolve) => {
    RED.hooks.add(`onComplete.${name}`, (e) => {
      if (predicate(e)) {
        RED.hooks.remove(`onComplete.${name}`);
        resolve();
      }
    });
  });
let simStatus = "";
const simFinished = new Promise((resolve) => {
  const onStatus = (e) => {
    if (e.id === "sim" && e.status?.fill === "grey" && e.status?.shape === "dot") {
      simStatus = String(e.status.text ?? "");
      RED.events.removeListener("node-status", onStatus);
      resolve();
    }
  };
  RED.events.on("node-status", onStatus);
});

const t0 = performance.now();
const cpu0 = process.cpuUsage();
await post("/hs-sensor-sim/sim/toggle"); // the simulator's editor button
await Promise.race([simFinished, deadline(600_000, "the simulator")]);
const analysed = Promise.all([
  completion("stats", (e) => e.node.id === "stats" && e.msg?.flush === true),
  completion("detect", (e) => e.node.id === "detect" && e.msg?.reset === true),
]);
await post("/inject/flushStats");
await post("/inject/resetDetect");
await Promise.race([analysed, deadline(60_000, "the analyses")]);
let markers = 0;
const written = completion("csv", (e) => e.msg?.payload?.marker === "end" && ++markers === 2);
await post("/inject/marker"); // the end marker into both CSV writers
await Promise.race([written, deadline(60_000, "the CSV writers")]);
clearInterval(sampler);
memory.push(process.memoryUsage().rss); // the run's end, before the checks below read the files
const cpu = process.cpuUsage(cpu0);
const seconds = (performance.now() - t0) / 1000;

const rows = async (f) =>
  (await readFile(join(outDir, f), "utf8").catch(() => ""))
    .split("\n")
    .filter(Boolean)
    .slice(1, -1) // without the header and the end marker
    .map((line) => line.split(","));
const windowRows = await rows("windows.csv");
const header = (await readFile(join(outDir, "windows.csv"), "utf8")).split("\n")[0].split(",");
const countColumn = header.indexOf("count");
const windowedReadings = windowRows.reduce((n, r) => n + Number(r[countColumn]), 0);
const anomalyRows = await rows("anomalies.csv");

// The oracle: the same seeded readings (the node's first run uses its seed as configured) through
// the core's detector, and how many of them windowed-stats aggregates.
const expected = { windowed: 0, anomalies: 0 };
const detector = new LightPresenceDetector({ graceMs: 0, presenceMaxAgeMs: null });
for (const e of take(
  simulate(parseSimulationOptions({ scenario: "random", seed: 42, start: 0, rate: 1000, faults: [] })),
  N,
)) {
  if (e.reading.sensor_type === "temperature" || e.reading.sensor_type === "humidity") expected.windowed++;
  expected.anomalies += detector.observe(e).length;
}
const simSent = Number(/(\d+) sent/.exec(simStatus)?.[1]);

const result = {
  pipeline_readings_per_s: Math.round(N / seconds),
  readings: N,
  readings_per_message: BATCH,
  seconds: Math.round(seconds * 1000) / 1000,
  // The machine may be shared: the process's CPU time (all threads) against the wall clock, and
  // the throughput per CPU-second, show how much of the wall time it actually ran.
  cpu_share: Math.round(((cpu.user + cpu.system) / 1e6 / seconds) * 100) / 100,
  readings_per_cpu_s: Math.round(N / ((cpu.user + cpu.system) / 1e6)),
  cpu_us_per_reading: Math.round(((cpu.user + cpu.system) / N) * 100) / 100,
  verified: {
    sim_sent: simSent,
    windowed_readings: windowedReadings,
    windowed_readings_expected: expected.windowed,
    anomaly_events: anomalyRows.length,
    anomaly_events_expected: expected.anomalies,
  },
  window_results: windowRows.length,
  anomaly_events: anomalyRows.length,
  errors,
  ...(errors > 0 ? { first_errors: errorMessages } : {}),
  // during the run only (the verification reads the CSV files into memory)
  peak_rss_mb: Math.round(Math.max(...memory) / 1048576),
  node_red: RED.version(),
  node: process.version,
  files: await readdir(outDir),
};
const failures = [];
if (simSent !== N) failures.push(`the simulator sent ${simSent} readings, not ${N}`);
if (windowedReadings !== expected.windowed)
  failures.push(`window results count ${windowedReadings} readings, expected ${expected.windowed}`);
if (anomalyRows.length !== expected.anomalies)
  failures.push(`${anomalyRows.length} anomaly rows, the detector finds ${expected.anomalies}`);
if (errors !== 0) failures.push(`${errors} node errors`);
console.error(
  `bench:nodes: ${N} readings, ${BATCH} per message, in ${result.seconds} s = ${result.pipeline_readings_per_s} readings/s, ${result.cpu_us_per_reading} µs CPU each`,
);

started = flowsStarted();
await fetch(`${url}/flows`, {
  method: "POST",
  headers: { "content-type": "application/json", "Node-RED-API-Version": "v2" },
  body: JSON.stringify({ flows: [] }),
});
await started;
await RED.stop();
server.close();
server.closeAllConnections();
await rm(userDir, { recursive: true, force: true });
console.log(JSON.stringify(result));
if (failures.length > 0) {
  console.error(`bench:nodes: FAILED: ${failures.join("; ")}`);
  process.exitCode = 1;
}
