// End-to-end latency as a user sees it: `homestream start` with its example flow, a device's
// `light=1` in an empty room, and the anomaly row in the CSV file.
//
// A background load of BENCH_BACKGROUND_RATE readings/s (default 1,000; temperature and humidity
// of 8 rooms, QoS 1) runs over MQTT for the whole run. Every 200 ms a probe room that nobody has
// used gets presence 0 and then light 1 (QoS 1); the time from the light's PUBACK to its
// anomaly_start row being in the CSV file (watched with fs.watch, read as it grows) is one sample.
// 30 s of probes (BENCH_LATENCY_SECONDS) after a warm-up probe that proves the path works.
// Prints p50/p99/max. Two phases: the local flow (MQTT straight into the flow), and the Kafka flow
// (the bridge forwards to Kafka and acknowledges after Kafka has the reading; the flow reads it back)
// through KAFKA_BROKERS or a broker this bench starts (scripts/kafka) when java and mvn are there.
// BENCH_PHASES=local,kafka chooses.
//
// The run verifies what it reports and fails (exit 1) otherwise: every probe's row arrived, exactly
// once; every background reading was acknowledged by the broker; the background ran at the offered
// rate (sent rate >= 98% of it); `homestream start` logged no error.
// Prints progress to stderr and, as its last stdout line, one JSON object.
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readSync, statSync, watch } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import mqtt from "mqtt";
import { brokerForBench } from "../scripts/kafka/broker.mjs";

const root = path.join(import.meta.dirname, "..");
const SECONDS = Number(process.env.BENCH_LATENCY_SECONDS ?? 30);
const BACKGROUND_RATE = Number(process.env.BENCH_BACKGROUND_RATE ?? 1000);
const PROBE_EVERY_MS = 200;
const PHASES = (process.env.BENCH_PHASES ?? "local,kafka").split(",").filter(Boolean);
const ROOMS = ["living_room", "kitchen", "bedroom", "bathroom", "office", "hallway", "garage", "attic"];
const log = (msg) => process.stderr.write(`bench:latency: ${msg}\n`);

/** `homestream start` in a fresh data dir; resolves once its MQTT client in the flow is connected. */
async function startHomestream(dataDir, kafka) {
  const args = [path.join(root, "dist/cli/main.js"), "start", "--port", "0", "--mqtt-port", "0"];
  args.push("--data-dir", dataDir, "--log-level", "warn");
  if (kafka) args.push("--kafka-brokers", kafka.brokers.join(","), "--kafka-topic", kafka.topic);
  const env = { ...process.env, HOMESTREAM_CREDENTIAL_SECRET: "bench" };
  delete env.KAFKA_BROKERS;
  delete env.HOMESTREAM_KAFKA_BROKERS;
  const child = spawn(process.execPath, args, { env, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  const errors = [];
  const onData = (d) => {
    output += d;
    for (const line of String(d).split("\n")) if (/\berror\b/i.test(line)) errors.push(line.slice(0, 300));
  };
  child.stdout.on("data", onData);
  child.stderr.on("data", onData);
  const mqttUrl = await new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`homestream start not ready in 120 s:\n${output}`)),
      120_000,
    );
    const check = () => {
      const m = /MQTT:\s+(mqtt:\/\/\S+)/.exec(output);
      if (m) {
        clearTimeout(timer);
        child.stdout.off("data", check);
        resolve(m[1]);
      }
    };
    child.stdout.on("data", check);
    child.once("exit", (code) => reject(new Error(`homestream start exited (${code}):\n${output}`)));
  });
  return {
    mqttUrl,
    errors,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
        child.once("exit", () => {
          clearTimeout(timer);
          resolve();
        });
        child.kill("SIGTERM");
      }),
  };
}

/** Watches the CSV folder; calls onRow(cells, seenAt) for each new line of any file in it. */
function watchRows(dir, onRow) {
  mkdirSync(dir, { recursive: true });
  const offsets = new Map();
  const partial = new Map();
  const readNew = () => {
    const seenAt = performance.now();
    for (const name of readdirSync(dir)) {
      if (!name.endsWith(".csv")) continue;
      const file = path.join(dir, name);
      const size = statSync(file).size;
      const from = offsets.get(file) ?? 0;
      if (size <= from) continue;
      const buf = Buffer.alloc(size - from);
      const fd = openSync(file, "r");
      readSync(fd, buf, 0, buf.length, from);
      closeSync(fd);
      offsets.set(file, size);
      const text = (partial.get(file) ?? "") + buf.toString("utf8");
      const lines = text.split("\n");
      partial.set(file, lines.pop());
      for (const line of lines) onRow(line.split(","), seenAt);
    }
  };
  const watcher = watch(dir, readNew);
  // fs.watch may coalesce events; a slow poll is the safety net, not the clock (rows seen by the
  // watcher are timed when its event arrives).
  const poll = setInterval(readNew, 50);
  readNew();
  return () => {
    watcher.close();
    clearInterval(poll);
  };
}

async function phase(name, kafka) {
  const dataDir = await mkdtemp(path.join(tmpdir(), `hs-bench-latency-${name}-`));
  const hs = await startHomestream(dataDir, kafka);
  const waiting = new Map(); // probe room -> { ackedAt, resolve }
  const seen = new Map(); // probe room -> rows seen
  const stopWatching = watchRows(path.join(dataDir, "output", "anomalies"), (cells, seenAt) => {
    const [event, room] = cells;
    if (event !== "anomaly_start" || !room?.startsWith("probe_")) return;
    seen.set(room, (seen.get(room) ?? 0) + 1);
    waiting.get(room)?.(seenAt);
  });
  const client = await mqtt.connectAsync(hs.mqttUrl, {
    clientId: `bench-latency-${randomUUID().slice(0, 6)}`,
  });
  const run = randomUUID().slice(0, 6);
  let probeIndex = 0;

  /** presence 0 then light 1 in a new room; resolves with PUBACK -> row in ms. */
  const probe = async (timeoutMs) => {
    const room = `probe_${run}_${probeIndex++}`;
    await client.publishAsync(`home/${room}/presence`, "0", { qos: 1 });
    const row = new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no anomaly row for ${room} in ${timeoutMs} ms`)),
        timeoutMs,
      );
      waiting.set(room, (at) => {
        clearTimeout(timer);
        resolve(at);
      });
    });
    await client.publishAsync(`home/${room}/light`, "1", { qos: 1 });
    const ackedAt = performance.now();
    return (await row) - ackedAt;
  };

  try {
    // Warm-up: the flow is deployed and its MQTT (or Kafka) input is reading when a probe comes through.
    const warmDeadline = performance.now() + 120_000;
    for (;;) {
      try {
        await probe(5000);
        break;
      } catch (err) {
        if (performance.now() > warmDeadline) throw err;
      }
    }

    // Background: readings due on a clock schedule (a slow tick sends what fell due meanwhile).
    let backgroundSent = 0;
    let backgroundAcked = 0;
    let backgroundFailed = 0;
    let running = true;
    const bgStart = performance.now();
    const background = (async () => {
      while (running) {
        const due = Math.floor(((performance.now() - bgStart) / 1000) * BACKGROUND_RATE);
        while (backgroundSent < due) {
          const i = backgroundSent++;
          const room = ROOMS[i % ROOMS.length];
          const sensor = i % 2 ? "humidity" : "temperature";
          const value = sensor === "temperature" ? 18 + (i % 100) / 10 : 40 + (i % 200) / 10;
          client.publish(`home/${room}/${sensor}`, String(value), { qos: 1 }, (err) => {
            if (err) backgroundFailed++;
            else backgroundAcked++;
          });
        }
        await sleep(10);
      }
    })();

    const latencies = [];
    const probesStart = performance.now();
    const pending = [];
    for (let k = 0; performance.now() - probesStart < SECONDS * 1000; k++) {
      const nextAt = probesStart + k * PROBE_EVERY_MS;
      const wait = nextAt - performance.now();
      if (wait > 0) await sleep(wait);
      pending.push(probe(30_000).then((ms) => latencies.push(ms)));
    }
    const probesSent = pending.length;
    await Promise.all(pending);
    running = false;
    await background;
    const bgSeconds = (performance.now() - bgStart) / 1000;
    const ackDeadline = performance.now() + 30_000;
    while (backgroundAcked + backgroundFailed < backgroundSent && performance.now() < ackDeadline)
      await sleep(20);
    await sleep(500); // a duplicate row would show up by now (rows come out within ms; see the latencies)

    latencies.sort((a, b) => a - b);
    const q = (p) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))];
    const r1 = (x) => Math.round(x * 10) / 10;
    const duplicates = [...seen.values()].filter((n) => n > 1).length;
    const result = {
      p50_ms: r1(q(0.5)),
      p99_ms: r1(q(0.99)),
      max_ms: r1(latencies.at(-1)),
      probes: probesSent,
      rows: latencies.length,
      duplicate_rows: duplicates,
      background_offered_per_s: BACKGROUND_RATE,
      background_sent_per_s: Math.round(backgroundSent / bgSeconds),
      background_acked: backgroundAcked,
      background_sent: backgroundSent,
      errors: hs.errors.length,
      ...(hs.errors.length > 0 ? { first_errors: hs.errors.slice(0, 3) } : {}),
    };
    log(
      `${name}: p50 ${result.p50_ms} ms, p99 ${result.p99_ms} ms, max ${result.max_ms} ms over ${latencies.length} probes; ` +
        `background ${result.background_sent_per_s}/s of ${BACKGROUND_RATE}/s offered, ${backgroundAcked}/${backgroundSent} acknowledged`,
    );
    const failures = [];
    if (latencies.length !== probesSent) failures.push(`${probesSent} probes, ${latencies.length} rows`);
    if (duplicates > 0) failures.push(`${duplicates} probes with more than one anomaly_start row`);
    if (backgroundAcked !== backgroundSent)
      failures.push(
        `background: ${backgroundAcked} of ${backgroundSent} acknowledged (${backgroundFailed} failed)`,
      );
    if (result.background_sent_per_s < 0.98 * BACKGROUND_RATE)
      failures.push(`background sent at ${result.background_sent_per_s}/s, below ${BACKGROUND_RATE}/s`);
    if (hs.errors.length > 0) failures.push(`homestream start logged errors: ${hs.errors[0]}`);
    return { result, failures };
  } finally {
    await client.endAsync().catch(() => {});
    stopWatching();
    await hs.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

async function main() {
  const report = {
    bench: "latency",
    seconds: SECONDS,
    probe_every_ms: PROBE_EVERY_MS,
    load_average: loadavg().map((l) => Math.round(l * 100) / 100),
  };
  const failures = [];
  if (!existsSync(path.join(root, "dist/cli/main.js"))) throw new Error("dist/ is missing: npm run build");
  for (const name of PHASES) {
    if (name === "local") {
      log(
        `local flow: ${BACKGROUND_RATE} readings/s background, a probe every ${PROBE_EVERY_MS} ms for ${SECONDS} s`,
      );
      const r = await phase("local");
      report.local = r.result;
      failures.push(...r.failures.map((f) => `local: ${f}`));
    } else if (name === "kafka") {
      let broker;
      try {
        broker = await brokerForBench("latency", log);
      } catch (err) {
        if (process.env.CI === "true") throw err;
        log(`SKIPPED the Kafka phase: ${err.message}`);
        continue;
      }
      const { brokers } = broker;
      try {
        log(`Kafka flow: the same through the bridge, Kafka and kafka-in`);
        const r = await phase("kafka", { brokers, topic: `bench.latency.${randomUUID().slice(0, 8)}` });
        report.kafka = r.result;
        failures.push(...r.failures.map((f) => `kafka: ${f}`));
      } finally {
        await broker.stop();
      }
    }
  }
  console.log(JSON.stringify(report));
  if (failures.length > 0) {
    log(`FAILED: ${failures.join("; ")}`);
    process.exitCode = 1;
  }
}

main().catch((err) => {
  log(err?.stack ?? String(err));
  process.exitCode = 1;
});
