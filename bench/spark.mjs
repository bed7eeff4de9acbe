// The Spark job (spark/) on a topic of 1,000,000 readings, next to `homestream stats` and
// `homestream detect` on the same readings. No target: the figures tell users when one machine's
// Node process stops being enough.
//   spark_*_readings_per_s  input rows / the query's batch processing time (Spark's own progress
//                           figures: after the session and the query have started);
//   spark_wall_s            the whole spark-submit run, start-up included;
//   cli_*_readings_per_s    the CLI over the same readings from a JSONL file, process start included.
// Verified: the topic holds exactly the readings written, each Spark query read all of them, the CLI
// read all of them, and Spark wrote exactly the windows the CLI closed before the final watermark.
// Uses KAFKA_BROKERS when set, otherwise starts a broker (scripts/kafka) and stops it at the end.
// Progress goes to stderr; the last stdout line is one JSON object.
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { ensureSparkEnv } from "../dist/cli/spark-env.js";
import { freePort, startBroker, stateRoot, stopBroker } from "../scripts/kafka/broker.mjs";

const READINGS = Number(process.env.BENCH_READINGS ?? 1_000_000);
const PARTITIONS = Number(process.env.BENCH_PARTITIONS ?? 2);
const WATERMARK = "10s";
const cli = path.resolve(import.meta.dirname, "../dist/cli/main.js");
const log = (msg) => process.stderr.write(`bench:spark: ${msg}\n`);

function timed(fn) {
  const t0 = process.hrtime.bigint();
  const result = fn();
  return { result, seconds: Number(process.hrtime.bigint() - t0) / 1e9 };
}

function runCli(args) {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: "utf8", maxBuffer: 1024 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`homestream ${args[0]} exited ${r.status}: ${r.stderr.slice(-2000)}`);
  return r;
}

function runSpark(env, args) {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const child = spawn(env.sparkSubmit, [...env.submitArgs("local[2]"), ...args], {
      env: env.env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    // spark-submit hands the Python driver's stdout and stderr to its own stdout, logs to stderr.
    let stderr = "";
    const keep = (d) => {
      stderr = (stderr + d).slice(-1_000_000);
    };
    child.stdout.setEncoding("utf8").on("data", keep);
    child.stderr.setEncoding("utf8").on("data", keep);
    child.once("error", reject);
    child.once("exit", (code) => {
      if (code !== 0) return reject(new Error(`spark-submit exited ${code}: ${stderr.slice(-4000)}`));
      const queries = {};
      // Not anchored: the JVM's log lines share the stream and may cut in.
      for (const m of stderr.matchAll(/homestream-spark: (\{"query"[^\n]*?\})/g)) {
        const q = JSON.parse(m[1]);
        queries[q.query] = q;
      }
      if (Object.keys(queries).length === 0)
        log(`no query summaries; spark-submit said:\n${stderr.slice(-3000)}`);
      resolve({ seconds: (Date.now() - t0) / 1000, queries });
    });
  });
}

function csvRows(dir) {
  return readdirSync(dir)
    .filter((f) => f.endsWith(".csv"))
    .reduce((n, f) => n + readFileSync(path.join(dir, f), "utf8").trim().split("\n").length - 1, 0);
}

const external = process.env.KAFKA_BROKERS;
let broker;
const work = await mkdtemp(path.join(tmpdir(), "bench-spark-"));
try {
  const env = await ensureSparkEnv({ log });
  let brokers = external;
  if (!brokers) {
    broker = await startBroker({
      dir: path.join(stateRoot, `bench-spark-${process.pid}`),
      port: await freePort(),
    });
    brokers = broker.bootstrap;
  }
  const topic = `bench.spark.${randomUUID().slice(0, 8)}`;
  const file = path.join(work, "readings.jsonl");
  // Event times end about now (one reading a second): records stamped with them are not older
  // than the broker's retention.
  const start = new Date(Math.floor(Date.now() / 86_400_000) * 86_400_000 - READINGS * 1000).toISOString();
  log(`simulating ${READINGS} readings`);
  execFileSync("sh", [
    "-c",
    `"${process.execPath}" "${cli}" sim --seed 1 --start ${start} --count ${READINGS} > "${file}"`,
  ]);
  log(`writing them to ${topic} (${PARTITIONS} partitions), each record stamped with its event time`);
  const { default: kafkajs } = await import("kafkajs");
  const client = new kafkajs.Kafka({ brokers: [brokers], logLevel: kafkajs.logLevel.NOTHING });
  const admin = client.admin();
  await admin.connect();
  // Records stamped with event times days old would fall to the broker's 7-day retention.
  await admin.createTopics({
    topics: [{ topic, numPartitions: PARTITIONS, configEntries: [{ name: "retention.ms", value: "-1" }] }],
    waitForLeaders: true,
  });
  // The job's arrival order across partitions is the records' Kafka timestamps (then partition,
  // offset). Stamped with event time, that order is the file's, which the CLI reads: the same input.
  const producer = client.producer();
  await producer.connect();
  const lines = readFileSync(file, "utf8").trimEnd().split("\n");
  const BATCH = 5_000; // under the broker's 1 MB request limit
  for (let i = 0; i < lines.length; i += BATCH) {
    const messages = lines.slice(i, i + BATCH).map((value) => {
      const r = JSON.parse(value);
      return { key: r.room, value, timestamp: String(Date.parse(r.timestamp)) };
    });
    await producer.send({ topic, acks: -1, messages });
  }
  await producer.disconnect();
  const ends = await admin.fetchTopicOffsets(topic);
  await admin.disconnect();
  const inTopic = ends.reduce((n, p) => n + Number(p.high), 0);
  if (inTopic !== READINGS) throw new Error(`the topic holds ${inTopic} records, not ${READINGS}`);

  log("homestream stats and detect on the same readings");
  const stats = timed(() => runCli(["stats", "--input", file, "--watermark", WATERMARK]));
  const detect = timed(() => runCli(["detect", "--input", file]));
  const statsSummary = /(\d+) readings/.exec(stats.result.stderr);
  if (Number(statsSummary?.[1]) !== READINGS) throw new Error(`stats read ${statsSummary?.[1]} readings`);
  const cliWindows = stats.result.stdout
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l));

  log("the Spark job (local[2], availableNow): windows and anomalies");
  const out = path.join(work, "spark");
  const spark = await runSpark(env, [
    "--brokers",
    brokers,
    "--topic",
    topic,
    "--output",
    out,
    "--watermark",
    WATERMARK,
    "--only",
    "windows,anomalies",
  ]);
  log(`Spark queries: ${JSON.stringify(spark.queries)}`);
  const rate = (q) => {
    const s = spark.queries[q];
    if (!s || s.input_rows !== READINGS)
      throw new Error(`Spark query ${q} read ${s?.input_rows} rows, not ${READINGS}`);
    return Math.round(s.input_rows / (s.processing_ms / 1000));
  };
  const windowsRate = rate("windows-files");
  const anomaliesRate = rate("anomalies-files");

  // The job's final watermark is the last event time minus the delay; the CLI closes the rest at its end.
  const last = readFileSync(file, "utf8")
    .trimEnd()
    .split("\n")
    .reduce((m, l) => Math.max(m, Date.parse(JSON.parse(l).timestamp)), Number.NEGATIVE_INFINITY);
  const closed = cliWindows.filter((w) => Date.parse(w.window_end) <= last - 10_000).length;
  const sparkWindows = csvRows(path.join(out, "windows"));
  if (sparkWindows !== closed)
    throw new Error(`Spark wrote ${sparkWindows} windows, the CLI closed ${closed}`);

  console.log(
    JSON.stringify({
      readings: READINGS,
      partitions: PARTITIONS,
      spark_windows_readings_per_s: windowsRate,
      spark_anomalies_readings_per_s: anomaliesRate,
      spark_wall_s: Math.round(spark.seconds * 10) / 10,
      cli_stats_readings_per_s: Math.round(READINGS / stats.seconds),
      cli_detect_readings_per_s: Math.round(READINGS / detect.seconds),
      windows: sparkWindows,
    }),
  );
} finally {
  await rm(work, { recursive: true, force: true });
  if (broker) await stopBroker({ dir: broker.dir });
}
