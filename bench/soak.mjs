// The bridge's memory under a long steady load: `npm run bench:soak` (builds first). The bridge runs as an
// operator runs it (`homestream bridge`, its own process); 50 mqtt.js clients publish QoS 1 readings at
// 5,000 msg/s for 10 minutes; then nothing for 30 s. Prints progress on stderr and, as its last stdout
// line, one JSON object:
//   rss_start_mb / rss_peak_mb / rss_end_mb / rss_idle_mb   the bridge process's resident memory when the
//       load starts, at its highest (the kernel's VmHWM, so no sample can miss it), when the load ends,
//       and after the idle time
//   acknowledged     PUBACKs the clients received (the bridge sends them once Kafka has the reading)
//   delivered        records in the (fresh) Kafka topic afterwards, from its end offsets
//   missing          acknowledged - delivered when positive: must be 0
//   offered_msgs_per_s / achieved_msgs_per_s   publishes attempted per second of load / acknowledged
//                    per second until the last acknowledgement; drain_s: how long after the load that was
//   targets_met      peak <= 200 MB, idle <= 150 MB, missing == 0
// Settings: BENCH_SOAK_S (load seconds, default 600), BENCH_SOAK_RATE (5000), BENCH_SOAK_CLIENTS (50),
// BENCH_SOAK_IDLE_S (30), BENCH_BRIDGE_ARGS (extra `homestream bridge` flags), BENCH_NODE_FLAGS (node
// flags for the bridge process, e.g. --heapsnapshot-signal=SIGUSR2). KAFKA_BROKERS: use that Kafka,
// else a broker of its own is started (scripts/kafka/broker.mjs) and stopped.
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import mqtt from "mqtt";
import { brokerForBench, freePort } from "../scripts/kafka/broker.mjs";

const here = import.meta.dirname;
const cli = path.join(here, "..", "dist", "cli", "main.js");

const SECONDS = Number(process.env.BENCH_SOAK_S ?? 600);
const RATE = Number(process.env.BENCH_SOAK_RATE ?? 5000);
const CLIENTS = Number(process.env.BENCH_SOAK_CLIENTS ?? 50);
const IDLE_SECONDS = Number(process.env.BENCH_SOAK_IDLE_S ?? 30);
const BRIDGE_ARGS = process.env.BENCH_BRIDGE_ARGS?.split(" ").filter(Boolean) ?? [];
const NODE_FLAGS = process.env.BENCH_NODE_FLAGS?.split(" ").filter(Boolean) ?? [];
const ROOMS = ["living_room", "kitchen", "bedroom", "bathroom", "office", "hallway", "garage", "attic"];
const SENSORS = ["temperature", "humidity", "presence", "light"];
const TARGET_PEAK_MB = 200;
const TARGET_IDLE_MB = 150;

const log = (msg) => process.stderr.write(`bench:soak: ${msg}\n`);
const mb = (kb) => Math.round(kb / 102.4) / 10;

/** VmRSS and VmHWM (peak) of a process, in kB, from the kernel. */
function memoryOf(pid) {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const field = (name) => Number(new RegExp(`^${name}:\\s+(\\d+) kB$`, "m").exec(status)?.[1]);
  return { rss: field("VmRSS"), peak: field("VmHWM") };
}

function startBridge(brokers, topic, mqttPort, metricsPort) {
  const args = [
    ...NODE_FLAGS,
    cli,
    "bridge",
    "--mqtt-port",
    String(mqttPort),
    "--metrics-port",
    String(metricsPort),
    "--kafka-brokers",
    brokers.join(","),
    "--kafka-topic",
    topic,
    "--log-level",
    "warn",
    ...BRIDGE_ARGS,
  ];
  const proc = spawn(process.execPath, args, { stdio: ["ignore", "inherit", "pipe"] });
  const ready = new Promise((resolve, reject) => {
    let text = "";
    proc.stderr.on("data", (chunk) => {
      process.stderr.write(chunk);
      text += chunk;
      if (text.includes("bridge: mqtt://")) resolve();
    });
    proc.once("exit", (code) => reject(new Error(`the bridge exited (${code}) before it was ready`)));
  });
  return { proc, ready };
}

async function kafkaReachable(metricsPort) {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const text = await fetch(`http://127.0.0.1:${metricsPort}/metrics`).then(
      (r) => r.text(),
      () => "",
    );
    if (/^homestream_bridge_kafka_reachable 1$/m.test(text)) return;
    await sleep(200);
  }
  throw new Error("the bridge did not report Kafka reachable within 60 s");
}

function reading(room, sensor, seq) {
  const value =
    sensor === "presence" || sensor === "light" ? seq % 2 : Math.round((18 + (seq % 100) / 10) * 100) / 100;
  return JSON.stringify({
    room,
    sensor_type: sensor,
    value,
    timestamp: new Date(Date.UTC(2026, 10, 27, 21) + seq * 10).toISOString(),
    device_id: `${room}_${sensor}_soak`,
  });
}

async function connectClients(port) {
  const clients = [];
  for (let i = 0; i < CLIENTS; i += 10) {
    const batch = Array.from({ length: Math.min(10, CLIENTS - i) }, (_, j) =>
      mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, {
        clientId: `soak-${i + j}-${randomUUID().slice(0, 6)}`,
        clean: true,
        reconnectPeriod: 0,
      }),
    );
    clients.push(...(await Promise.all(batch)));
  }
  return clients;
}

/** QoS 1 at a steady total `RATE` for `SECONDS`; counts attempts and acknowledgements. */
async function load(clients, sampleRss) {
  const tickMs = 20;
  const perMs = RATE / clients.length / 1000;
  const credit = new Array(clients.length).fill(0);
  const counts = { offered: 0, acknowledged: 0, failed: 0 };
  const started = performance.now();
  let nextReport = started + 60_000;
  let seq = 0;
  let last = started;
  while (last - started < SECONDS * 1000) {
    // Paced by the clock, not by the sleep: a late tick's credit is made up by this one.
    const now = performance.now();
    const elapsed = Math.min(now, started + SECONDS * 1000) - last;
    last = now;
    clients.forEach((c, i) => {
      credit[i] += perMs * elapsed;
      while (credit[i] >= 1) {
        credit[i] -= 1;
        const room = ROOMS[i % ROOMS.length];
        const sensor = SENSORS[(i >> 3) % SENSORS.length];
        counts.offered++;
        c.publish(`home/${room}/${sensor}`, reading(room, sensor, seq++), { qos: 1 }, (err) => {
          if (err) counts.failed++;
          else counts.acknowledged++;
        });
      }
    });
    if (now >= nextReport) {
      nextReport += 60_000;
      const m = sampleRss();
      log(
        `  ${Math.round((now - started) / 1000)} s: ${counts.acknowledged} acknowledged of ${counts.offered}; ` +
          `bridge RSS ${mb(m.rss)} MB (peak ${mb(m.peak)} MB)`,
      );
    }
    await sleep(tickMs);
  }
  return { counts, seconds: (performance.now() - started) / 1000 };
}

async function topicSize(admin, topic) {
  const offsets = await admin.fetchTopicOffsets(topic);
  return offsets.reduce((n, p) => n + Number(p.high), 0);
}

async function main() {
  const broker = await brokerForBench("soak", log);
  const { brokers } = broker;
  const { Kafka, logLevel } = await import("kafkajs");
  const admin = new Kafka({ brokers, clientId: "bench-soak", logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  const topic = `bench.soak.${randomUUID().slice(0, 8)}`;
  const [mqttPort, metricsPort] = [await freePort(), await freePort()];
  const bridge = startBridge(brokers, topic, mqttPort, metricsPort);
  let clients = [];
  try {
    await bridge.ready;
    await kafkaReachable(metricsPort);
    const pid = bridge.proc.pid;
    const sampleRss = () => memoryOf(pid);
    clients = await connectClients(mqttPort);
    const start = sampleRss();
    log(
      `${CLIENTS} clients, QoS 1 at ${RATE} msg/s for ${SECONDS} s into topic ${topic}; bridge RSS ${mb(start.rss)} MB`,
    );
    const { counts, seconds } = await load(clients, sampleRss);
    // What is still on its way gets its PUBACK (or its error) before the counts are read, so that the
    // idle time is idle (a bridge behind the offered rate works through its backlog first).
    const loadEnded = performance.now();
    const deadline = Date.now() + 600_000;
    while (counts.acknowledged + counts.failed < counts.offered && Date.now() < deadline) await sleep(50);
    const drainSeconds = (performance.now() - loadEnded) / 1000;
    const end = sampleRss();
    log(
      `load over: ${counts.acknowledged} acknowledged of ${counts.offered} (${drainSeconds.toFixed(0)} s after ` +
        `the load); idle for ${IDLE_SECONDS} s`,
    );
    await sleep(IDLE_SECONDS * 1000);
    const idle = sampleRss();
    await Promise.all(clients.map((c) => c.endAsync()));
    clients = [];
    const delivered = await topicSize(admin, topic);
    const missing = Math.max(0, counts.acknowledged - delivered);
    const result = {
      seconds: Math.round(seconds),
      clients: CLIENTS,
      offered_msgs_per_s: Math.round(counts.offered / seconds),
      achieved_msgs_per_s: Math.round(counts.acknowledged / (seconds + drainSeconds)),
      drain_s: Math.round(drainSeconds),
      rss_start_mb: mb(start.rss),
      rss_peak_mb: mb(idle.peak),
      rss_end_mb: mb(end.rss),
      rss_idle_mb: mb(idle.rss),
      acknowledged: counts.acknowledged,
      unacknowledged: counts.offered - counts.acknowledged,
      delivered,
      missing,
      targets_met:
        mb(idle.peak) <= TARGET_PEAK_MB && mb(idle.rss) <= TARGET_IDLE_MB && missing === 0 && delivered > 0,
    };
    if (BRIDGE_ARGS.length || NODE_FLAGS.length)
      result.bridge_flags = [...NODE_FLAGS, ...BRIDGE_ARGS].join(" ");
    console.log(JSON.stringify(result));
    if (missing > 0) process.exitCode = 1;
  } finally {
    for (const c of clients) c.end(true);
    if (bridge.proc.exitCode === null) {
      const exited = new Promise((resolve) => bridge.proc.once("exit", resolve));
      bridge.proc.kill("SIGTERM");
      const timer = setTimeout(() => bridge.proc.kill("SIGKILL"), 30_000);
      await exited;
      clearTimeout(timer);
    }
    await admin.disconnect();
    await broker.stop();
  }
}

main().catch((err) => {
  console.error(`bench:soak: ${err?.stack ?? err}`);
  process.exitCode = 1;
});
