// bench:nodes: the nodes in a real Node-RED runtime (see bench/nodes-run.mjs for the flow, the
// timing and what each run verifies), in two modes, each run as a process of its own:
//   per_message  the simulator sends each reading in a message of its own (the default);
//   batched      it sends BENCH_BATCH readings per message (an array in msg.payload; default
//                100), which windowed-stats and light-presence take as they are.
// BENCH_RUNS runs per mode (default 3); the JSON gives each figure's median with min and max,
// the load average before and after, and every run's own line. A run that fails its
// verification fails the bench (exit 1). BENCH_READINGS passes through (default 1000000).
import { spawn } from "node:child_process";
import { loadavg } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { spread } from "./spread.mjs";

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const BATCH = Number(process.env.BENCH_BATCH ?? 100);
if (!Number.isInteger(RUNS) || RUNS < 1)
  throw new Error(`BENCH_RUNS must be a positive integer, got ${RUNS}`);
if (!Number.isInteger(BATCH) || BATCH < 2 || BATCH > 10_000)
  throw new Error(`BENCH_BATCH must be an integer from 2 to 10000, got ${process.env.BENCH_BATCH}`);
const script = join(dirname(fileURLToPath(import.meta.url)), "nodes-run.mjs");
const load = () => loadavg().map((l) => Math.round(l * 100) / 100);

/** One run in its own process: its JSON line, or an Error with why it failed. */
function run(batch) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script], {
      env: { ...process.env, BENCH_BATCH: String(batch) },
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    child.stdout.on("data", (d) => {
      out += d;
    });
    child.on("error", reject);
    child.on("close", (code) => {
      const line = out.trim().split("\n").at(-1) ?? "";
      if (code !== 0) reject(new Error(`a run (${batch} per message) failed with exit ${code}: ${line}`));
      else resolve(JSON.parse(line));
    });
  });
}

function summary(runs) {
  return {
    readings_per_message: runs[0].readings_per_message,
    pipeline_readings_per_s: spread(runs.map((r) => r.pipeline_readings_per_s)),
    cpu_us_per_reading: spread(
      runs.map((r) => r.cpu_us_per_reading),
      2,
    ),
    readings_per_cpu_s: spread(runs.map((r) => r.readings_per_cpu_s)),
    cpu_share: spread(
      runs.map((r) => r.cpu_share),
      2,
    ),
    peak_rss_mb: spread(runs.map((r) => r.peak_rss_mb)),
  };
}

const loadBefore = load();
const modes = { per_message: 1, batched: BATCH };
const runs = { per_message: [], batched: [] };
for (let i = 1; i <= RUNS; i++) {
  // the modes alternate, so a change in the machine's load falls on both
  for (const [mode, batch] of Object.entries(modes)) {
    process.stderr.write(`bench:nodes: run ${i}/${RUNS}, ${mode} (${batch} per message)\n`);
    runs[mode].push(await run(batch));
  }
}
const first = runs.per_message[0];
console.log(
  JSON.stringify({
    bench: "nodes",
    readings: first.readings,
    runs: RUNS,
    node_red: first.node_red,
    node: first.node,
    load_average_before: loadBefore,
    load_average_after: load(),
    per_message: summary(runs.per_message),
    batched: summary(runs.batched),
    verified:
      "every run: the simulator's count, every windowed reading counted once, the anomaly rows equal the core detector's, no node error",
    each_run: runs,
  }),
);
