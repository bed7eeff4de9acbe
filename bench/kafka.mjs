// Producer throughput against a real broker, same records (120-byte readings keyed by room), same broker,
// same run, acks=all:
//   layer_msgs_per_s       our KafkaProducer (kafka/dist), defaults: micro-batching, gzip, idempotent,
//                          records handed over with enqueue(), a delivery callback per record: the layer's
//                          call for bulk producers (the bridge uses it), as kcat gets a delivery report
//                          per message from librdkafka;
//   layer_send_msgs_per_s  the same with send(), a promise per record (what kafka-out and `homestream sim`
//                          use): the promise machinery costs about 0.6-0.8 µs of CPU per record on top;
//   kcat_msgs_per_s        kcat (librdkafka) producing the same records with gzip: this machine's practical
//                          limit;
//   naive_msgs_per_s       plain kafkajs, one awaited send() per record: what a user would write first.
// Each client is timed over the same span: from before it connects (kcat: before its process starts,
// so its start-up, connect and metadata are in; the layer: before createKafkaClient and connect()) to the
// last acknowledgement. Every round checks the topic's end offsets hold exactly the records sent. Each
// figure (rate, CPU time per record, the layer/kcat ratio) is computed within one round; the JSON gives
// the median of BENCH_ROUNDS rounds with min and max. The machine's other work moves the wall-clock
// figures a lot, so the CPU time each client spent per record is reported too.
// Uses KAFKA_BROKERS when set, otherwise starts a broker (scripts/kafka) and stops it at the end.
// Progress goes to stderr; the last stdout line is one JSON object.
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { createWriteStream, openSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { applyKafkajsSpeedups } from "../kafka/dist/kafkajs-patches.js";
import { freePort, startBroker, stateRoot, stopBroker } from "../scripts/kafka/broker.mjs";
import { spread } from "./spread.mjs";

const RECORDS = Number(process.env.BENCH_RECORDS ?? 200_000);
const NAIVE_RECORDS = Number(process.env.BENCH_NAIVE_RECORDS ?? 5_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const PARTITIONS = 6;
const RECORD_BYTES = 120;
const ROOMS = ["living_room", "kitchen", "bedroom", "bathroom", "hallway", "office"];
const SENSORS = ["temperature", "humidity"];

const log = (msg) => process.stderr.write(`bench:kafka: ${msg}\n`);
// This process is ours, as the app's are: it applies the kafkajs speed-ups before anything loads kafkajs
// (see kafka/kafkajs-patches.ts), so the layer and kafkajs are imported after (a static import would be
// hoisted above the call).
applyKafkajsSpeedups();
const { createKafkaClient } = await import("../kafka/dist/index.js");
const { default: kafkajs } = await import("kafkajs");

/** Readings padded (device_id) to exactly RECORD_BYTES of JSON. */
function records(n) {
  const t0 = Date.UTC(2026, 10, 27, 21);
  return Array.from({ length: n }, (_, i) => {
    const room = ROOMS[i % ROOMS.length];
    const sensor = SENSORS[i % SENSORS.length];
    const base = {
      room,
      sensor_type: sensor,
      value: Math.round((20 + (i % 100) / 10) * 10) / 10,
      timestamp: new Date(t0 + i * 100).toISOString(),
      device_id: "",
    };
    const pad = RECORD_BYTES - JSON.stringify(base).length;
    base.device_id = `${room}_${sensor}_${"0".repeat(pad)}`.slice(0, pad);
    const value = JSON.stringify(base);
    if (value.length !== RECORD_BYTES)
      throw new Error(`record is ${value.length} bytes, not ${RECORD_BYTES}`);
    return { key: room, value };
  });
}

async function endOffsetsSum(admin, topic) {
  const offsets = await admin.fetchTopicOffsets(topic);
  return offsets.reduce((sum, p) => sum + Number(p.high), 0);
}

async function newTopic(admin, label) {
  const topic = `bench.${label}.${randomUUID().slice(0, 8)}`;
  await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: PARTITIONS }] });
  return topic;
}

/** `api`: "enqueue" (a delivery callback per record) or "send" (a promise per record). */
async function layerRound(brokers, topic, data, api) {
  const started = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  const client = createKafkaClient({ brokers, clientId: "bench-layer" });
  const producer = client.producer({ topic });
  await producer.connect();
  let failed = 0;
  const onError = () => {
    failed++;
  };
  const onDelivery = (err) => {
    if (err) failed++;
  };
  for (const r of data) {
    // Pace on the bounded buffer rather than be rejected by it (what the bridge does with its ack window).
    if (producer.buffered >= producer.config.maxBufferedRecords) await producer.waitForRoom();
    if (api === "send") producer.send(r).catch(onError);
    else producer.enqueue(r, onDelivery);
  }
  await producer.close();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const used = process.cpuUsage(cpu);
  if (failed) throw new Error(`layer: ${failed} records failed`);
  return { seconds, cpuSeconds: (used.user + used.system) / 1e6 };
}

// kcat runs under sh, which prints its own /proc stat after kcat exited: fields 16-17 are the CPU time
// of its waited-for children (kcat), in clock ticks (100 a second on Linux).
async function kcatRound(bootstrap, topic, file) {
  const started = process.hrtime.bigint();
  const stat = await new Promise((resolve, reject) => {
    const args = ["-P", "-b", bootstrap, "-t", topic, "-K", "|", "-z", "gzip", "-X", "acks=all", "-q"];
    const child = spawn("sh", ["-c", 'kcat "$@" && cat /proc/$$/stat', "sh", ...args], {
      stdio: [openSync(file, "r"), "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => {
      stdout += d;
    });
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), 300_000);
    child.on("error", reject);
    child.on("exit", (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(stdout);
      else reject(new Error(`kcat exited with ${code}: ${stderr}`));
    });
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // After ")": field 3 is index 0, so cutime (16) and cstime (17) are at 13 and 14.
  const cpuSeconds = (Number(fields[13]) + Number(fields[14])) / 100;
  return { seconds, cpuSeconds };
}

async function naiveRound(brokers, topic, data) {
  const kafka = new kafkajs.Kafka({ brokers, clientId: "bench-naive", logLevel: kafkajs.logLevel.NOTHING });
  const started = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  const producer = kafka.producer({ createPartitioner: kafkajs.Partitioners.DefaultPartitioner });
  await producer.connect();
  for (const r of data) await producer.send({ topic, acks: -1, messages: [r] });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const used = process.cpuUsage(cpu);
  await producer.disconnect();
  return { seconds, cpuSeconds: (used.user + used.system) / 1e6 };
}

async function main() {
  let brokers = process.env.KAFKA_BROKERS?.split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  let ownDir;
  if (!brokers?.length) {
    ownDir = path.join(stateRoot, `bench-${process.pid}`);
    log("KAFKA_BROKERS not set: starting a broker");
    const broker = await startBroker({ dir: ownDir, port: await freePort() });
    brokers = [broker.bootstrap];
  }
  const bootstrap = brokers.join(",");
  const tmp = await mkdtemp(path.join(tmpdir(), "bench-kafka-"));
  const kafka = new kafkajs.Kafka({ brokers, clientId: "bench-admin", logLevel: kafkajs.logLevel.NOTHING });
  const admin = kafka.admin();
  try {
    await admin.connect();
    const data = records(RECORDS);
    const file = path.join(tmp, "records.txt");
    await new Promise((resolve, reject) => {
      const out = createWriteStream(file);
      out.on("error", reject);
      out.on("finish", resolve);
      for (const r of data) out.write(`${r.key}|${r.value}\n`);
      out.end();
    });

    log(`warm-up (${Math.min(RECORDS, 50_000)} records through the layer, each way)`);
    await layerRound(brokers, await newTopic(admin, "warmup"), data.slice(0, 50_000), "enqueue");
    await layerRound(brokers, await newTopic(admin, "warmup"), data.slice(0, 50_000), "send");

    const rounds = [];
    const measure = async (what, topic, expected, { seconds, cpuSeconds }) => {
      const landed = await endOffsetsSum(admin, topic);
      if (landed !== expected)
        throw new Error(`${what}: ${landed} records in ${topic}, expected ${expected}`);
      const rate = expected / seconds;
      const cpu = (cpuSeconds * 1e6) / expected;
      log(
        `${what}: ${expected} records in ${seconds.toFixed(2)} s = ${Math.round(rate)} msg/s, ${cpu.toFixed(2)} µs CPU/msg`,
      );
      return { rate, cpu };
    };
    const runKcat = async (r) => {
      const topic = await newTopic(admin, "kcat");
      r.kcat = await measure("kcat", topic, RECORDS, await kcatRound(bootstrap, topic, file));
    };
    /** The layer fed with `api`: its figures in r.layer (enqueue) or r.layerSend (send). */
    const layerRunner = (api) => async (r) => {
      const send = api === "send";
      const topic = await newTopic(admin, send ? "layer-send" : "layer");
      const figures = await measure(
        send ? "layer send()" : "layer",
        topic,
        RECORDS,
        await layerRound(brokers, topic, data, api),
      );
      if (send) r.layerSend = figures;
      else r.layer = figures;
    };
    const runLayer = layerRunner("enqueue");
    const runLayerSend = layerRunner("send");
    for (let round = 1; round <= ROUNDS; round++) {
      log(`round ${round}/${ROUNDS}`);
      const r = {};
      // Alternate who goes first, so neither always meets a broker still busy with the other's data; kcat
      // and the layer's enqueue() run next to each other, for the ratio.
      const order = round % 2 ? [runKcat, runLayer, runLayerSend] : [runLayerSend, runLayer, runKcat];
      for (const run of order) await run(r);
      log(
        `  layer/kcat this round: ${(r.layer.rate / r.kcat.rate).toFixed(2)} (send(): ${(r.layerSend.rate / r.kcat.rate).toFixed(2)})`,
      );
      rounds.push(r);
    }
    const naiveData = data.slice(0, NAIVE_RECORDS);
    const naiveTopic = await newTopic(admin, "naive");
    const naive = await measure(
      "naive",
      naiveTopic,
      naiveData.length,
      await naiveRound(brokers, naiveTopic, naiveData),
    );

    const result = {
      layer_msgs_per_s: spread(
        rounds.map((r) => r.layer.rate),
        0,
      ),
      kcat_msgs_per_s: spread(
        rounds.map((r) => r.kcat.rate),
        0,
      ),
      layer_vs_kcat: spread(
        rounds.map((r) => r.layer.rate / r.kcat.rate),
        2,
      ),
      layer_cpu_us_per_msg: spread(
        rounds.map((r) => r.layer.cpu),
        2,
      ),
      layer_send_msgs_per_s: spread(
        rounds.map((r) => r.layerSend.rate),
        0,
      ),
      layer_send_vs_kcat: spread(
        rounds.map((r) => r.layerSend.rate / r.kcat.rate),
        2,
      ),
      layer_send_cpu_us_per_msg: spread(
        rounds.map((r) => r.layerSend.cpu),
        2,
      ),
      kcat_cpu_us_per_msg: spread(
        rounds.map((r) => r.kcat.cpu),
        2,
      ),
      naive_msgs_per_s: Math.round(naive.rate),
      naive_cpu_us_per_msg: Math.round(naive.cpu * 100) / 100,
      timing:
        "each client from before it connects (kcat: before its process starts) to its last acknowledgement",
      layer_api: "enqueue() with a delivery callback per record; layer_send: send(), a promise per record",
      records: RECORDS,
      naive_records: NAIVE_RECORDS,
      record_bytes: RECORD_BYTES,
      partitions: PARTITIONS,
      rounds: ROUNDS,
      acks: "all",
      compression: "gzip (layer, kcat); none (naive)",
      broker: ownDir ? "started by the bench" : "KAFKA_BROKERS",
    };
    console.log(JSON.stringify(result));
  } finally {
    await admin.disconnect().catch(() => {});
    await rm(tmp, { recursive: true, force: true });
    if (ownDir) await stopBroker({ dir: ownDir });
  }
}

main().catch((err) => {
  log(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exitCode = 1;
});
