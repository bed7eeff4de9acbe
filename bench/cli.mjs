// `homestream stats` and `homestream detect` over a 1,000,000-line log, as whole processes, next to
// DuckDB (its official Node package) computing the same windows over the same file in the same run.
//
// Two forms of one log, generated once into .bench-data/ (gitignored) from the simulator's
// `random` scenario (the original producer's distribution):
//   producer: the original Python producer's exact text, json.dumps with its default separators
//             (", " and ": "), floats as Python writes them (20.0), naive isoformat() timestamps
//             with microseconds (read as UTC, the CLI's default zone);
//   compact:  our own wire format, JSON.stringify of the canonical reading ("...Z" timestamps).
// Each round times, per form: stats (tumbling 60 s, watermark 10 s, append), detect, and DuckDB
// (process start, package load and instance start included, as for ours). Every round checks that
// every line was read as a reading, none malformed or late, that DuckDB's windows equal ours, and
// that both forms give byte-identical outputs; any difference fails the run (exit 1).
// Figures: median of the rounds with min and max; a ratio is computed within each round.
// Env: BENCH_LINES (default 1000000), BENCH_ROUNDS (default 3).
// Prints progress to stderr and, as its last stdout line, one JSON object.
import { spawn } from "node:child_process";
import { once } from "node:events";
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeSync,
} from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { randomScenario } from "../simulator/dist/random.js";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const LINES = Number(process.env.BENCH_LINES ?? 1_000_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const DATA = join(ROOT, ".bench-data");
const WORK = join(tmpdir(), `homestream-bench-cli-${process.pid}`);
const CLI = join(ROOT, "dist/cli/main.js");
const RSS = join(ROOT, "bench/peak-rss.cjs");
const START = Date.UTC(2026, 10, 27, 21, 0, 0);
const RATE = 100; // readings per second of event time: 1,000,000 lines span ~2.8 h

const pad = (n, w) => String(n).padStart(w, "0");

/** Python's datetime.isoformat() of a naive datetime: microseconds only when not zero. */
function pythonIsoformat(micros) {
  const d = new Date(Math.floor(micros / 1000));
  const us = micros % 1_000_000;
  const base = d.toISOString().slice(0, 19);
  return us === 0 ? base : `${base}.${pad(us, 6)}`;
}

/** Python's repr of a float (json.dumps uses it): shortest round trip, always with a point. */
function pythonFloat(v) {
  const s = String(v);
  return /[.eE]/.test(s) ? s : `${s}.0`;
}

function generate(producerPath, compactPath) {
  mkdirSync(DATA, { recursive: true });
  const producer = openSync(`${producerPath}.tmp`, "w");
  const compact = openSync(`${compactPath}.tmp`, "w");
  const it = randomScenario({ seed: 42, start: START, rate: RATE });
  let p = "";
  let c = "";
  for (let i = 0; i < LINES; i++) {
    const { reading, time } = it.next().value;
    // A producer stamping datetime.now() has sub-millisecond digits: add some, below the ms.
    const micros = time * 1000 + ((i * 7919) % 1000);
    const value =
      reading.sensor_type === "temperature" || reading.sensor_type === "humidity"
        ? pythonFloat(reading.value)
        : String(reading.value);
    p += `{"room": "${reading.room}", "sensor_type": "${reading.sensor_type}", "value": ${value}, "timestamp": "${pythonIsoformat(micros)}", "device_id": "${reading.device_id}"}\n`;
    c += `${JSON.stringify(reading)}\n`;
    if (p.length > 1 << 20) {
      writeSync(producer, p);
      writeSync(compact, c);
      p = "";
      c = "";
    }
  }
  writeSync(producer, p);
  writeSync(compact, c);
  closeSync(producer);
  closeSync(compact);
  renameSync(`${producerPath}.tmp`, producerPath);
  renameSync(`${compactPath}.tmp`, compactPath);
}

/** Runs a process to its end; resolves with its wall time, peak RSS and stderr. */
async function timed(args, stdoutFile) {
  const rssFile = join(WORK, `rss-${Math.random().toString(36).slice(2)}`);
  const out = openSync(stdoutFile, "w");
  const t0 = process.hrtime.bigint();
  const child = spawn(process.execPath, ["--require", RSS, ...args], {
    stdio: ["ignore", out, "pipe"],
    env: { ...process.env, BENCH_RSS_FILE: rssFile },
  });
  let stderr = "";
  child.stderr.setEncoding("utf8");
  child.stderr.on("data", (d) => {
    stderr += d;
  });
  const [code] = await once(child, "close");
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  closeSync(out);
  if (code !== 0) throw new Error(`${args.join(" ")} exited ${code}: ${stderr}`);
  const usage = JSON.parse(readFileSync(rssFile, "utf8"));
  return { seconds, peakRssMb: Math.round(usage.maxRssKb / 1024), cpuSeconds: usage.cpuUs / 1e6, stderr };
}

function expectSummary(name, stderr, pattern) {
  const m = pattern.exec(stderr);
  if (!m) throw new Error(`${name}: summary not found or not as expected:\n${stderr}`);
  return m;
}

/** Our windows against DuckDB's: same keys and counts, min/max exact, avg to 1e-12 relative. */
function compareWindows(ours, duck) {
  const o = ours
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l))
    .map((w) => ({ ...w, start: Date.parse(w.window_start) }))
    .sort((a, b) => a.start - b.start || cmp(a.room, b.room) || cmp(a.sensor_type, b.sensor_type));
  if (o.length !== duck.length) throw new Error(`windows: ours ${o.length}, DuckDB ${duck.length}`);
  for (let i = 0; i < o.length; i++) {
    const a = o[i];
    const b = duck[i];
    const same =
      a.start === Number(b.window_start_ms) &&
      Date.parse(a.window_end) === a.start + 60_000 &&
      a.room === b.room &&
      a.sensor_type === b.sensor_type &&
      a.count === Number(b.count) &&
      a.min_value === b.min_value &&
      a.max_value === b.max_value &&
      Math.abs(a.avg_value - b.avg_value) <= 1e-12 * Math.abs(b.avg_value);
    if (!same) throw new Error(`window ${i} differs: ours ${JSON.stringify(a)}, DuckDB ${JSON.stringify(b)}`);
  }
  return o.length;
}

function cmp(a, b) {
  return a < b ? -1 : a > b ? 1 : 0;
}

function stat(values, digits = 0) {
  const s = [...values].sort((a, b) => a - b);
  const r = (v) => Math.round(v * 10 ** digits) / 10 ** digits;
  return { median: r(s[Math.floor(s.length / 2)]), min: r(s[0]), max: r(s[s.length - 1]) };
}

async function round(forms) {
  const result = {};
  const outputs = {};
  for (const [form, file] of Object.entries(forms)) {
    const statsOut = join(WORK, `${form}.stats.jsonl`);
    const detectOut = join(WORK, `${form}.detect.jsonl`);
    const duckOut = join(WORK, `${form}.duckdb.json`);
    const stats = await timed(
      [CLI, "stats", "--window", "60s", "--watermark", "10s", "--mode", "append", "--input", file],
      statsOut,
    );
    const sm = expectSummary(
      `stats (${form})`,
      stats.stderr,
      /stats: (\d+) lines, (\d+) readings, (\d+) malformed, \d+ filtered, (\d+) late, (\d+) windows/,
    );
    if (+sm[1] !== LINES || +sm[2] !== LINES || +sm[3] !== 0 || +sm[4] !== 0) {
      throw new Error(`stats (${form}): expected ${LINES} readings, none malformed or late: ${sm[0]}`);
    }
    const detect = await timed([CLI, "detect", "--input", file], detectOut);
    const dm = expectSummary(
      `detect (${form})`,
      detect.stderr,
      /detect: (\d+) lines, (\d+) readings, (\d+) malformed, (\d+) anomalies started/,
    );
    if (+dm[1] !== LINES || +dm[2] !== LINES || +dm[3] !== 0 || +dm[4] === 0) {
      throw new Error(
        `detect (${form}): expected ${LINES} readings, none malformed, some anomalies: ${dm[0]}`,
      );
    }
    const duck = await timed(
      [join(ROOT, "bench/cli-duckdb.mjs"), file, duckOut],
      join(WORK, "duckdb.stdout"),
    );
    const statsText = readFileSync(statsOut, "utf8");
    const windows = compareWindows(statsText, JSON.parse(readFileSync(duckOut, "utf8")));
    if (windows !== +sm[5])
      throw new Error(`stats (${form}): summary says ${sm[5]} windows, wrote ${windows}`);
    outputs[form] = { stats: statsText, detect: readFileSync(detectOut, "utf8") };
    result[form] = { stats, detect, duck, windows, anomalies: +dm[4] };
    process.stderr.write(
      `${form}: stats ${stats.seconds.toFixed(2)} s (${stats.peakRssMb} MB), detect ${detect.seconds.toFixed(2)} s, ` +
        `DuckDB ${duck.seconds.toFixed(2)} s (${duck.peakRssMb} MB); ${windows} windows equal\n`,
    );
  }
  const [first, ...others] = Object.keys(outputs);
  for (const form of others) {
    for (const kind of ["stats", "detect"]) {
      if (outputs[form][kind] !== outputs[first][kind])
        throw new Error(`${kind}: ${form} output differs from ${first}`);
    }
  }
  return result;
}

mkdirSync(WORK, { recursive: true });
const forms = {
  producer: join(DATA, `producer-${LINES}.jsonl`),
  compact: join(DATA, `compact-${LINES}.jsonl`),
};
if (!existsSync(forms.producer) || !existsSync(forms.compact)) {
  process.stderr.write(`generating ${LINES} lines into ${DATA} (once)...\n`);
  generate(forms.producer, forms.compact);
}

const loadBefore = loadavg().map((l) => Math.round(l * 100) / 100);
const rounds = [];
for (let i = 0; i < ROUNDS; i++) {
  process.stderr.write(`round ${i + 1}/${ROUNDS}\n`);
  rounds.push(await round(forms));
}

const report = {
  bench: "cli",
  lines: LINES,
  rounds: ROUNDS,
  load_average_before: loadBefore,
  load_average_after: loadavg().map((l) => Math.round(l * 100) / 100),
  stats_flags: "--window 60s --watermark 10s --mode append",
  timing: "whole processes, start-up included, for ours and DuckDB alike",
};
for (const form of Object.keys(forms)) {
  const rs = rounds.map((r) => r[form]);
  report[form] = {
    verified: {
      readings: LINES,
      malformed: 0,
      late: 0,
      windows_equal_duckdb: rs[0].windows,
      anomalies: rs[0].anomalies,
      same_output_both_forms: true,
    },
    hs_readings_per_s: stat(rs.map((r) => LINES / r.stats.seconds)),
    duckdb_readings_per_s: stat(rs.map((r) => LINES / r.duck.seconds)),
    ratio_vs_duckdb: stat(
      rs.map((r) => r.duck.seconds / r.stats.seconds),
      2,
    ),
    hs_detect_readings_per_s: stat(rs.map((r) => LINES / r.detect.seconds)),
    // CPU time of the whole process (all threads): less sensitive than wall time to a shared
    // machine's load; DuckDB spreads its work over the cores, ours runs on one.
    cpu_s: {
      hs_stats: stat(
        rs.map((r) => r.stats.cpuSeconds),
        2,
      ),
      hs_detect: stat(
        rs.map((r) => r.detect.cpuSeconds),
        2,
      ),
      duckdb: stat(
        rs.map((r) => r.duck.cpuSeconds),
        2,
      ),
    },
    peak_rss_mb: {
      hs_stats: stat(rs.map((r) => r.stats.peakRssMb)),
      hs_detect: stat(rs.map((r) => r.detect.peakRssMb)),
      duckdb: stat(rs.map((r) => r.duck.peakRssMb)),
    },
  };
}
rmSync(WORK, { recursive: true, force: true });
console.log(JSON.stringify(report));
