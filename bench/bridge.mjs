// Bridge throughput and latency on this machine: `npm run bench:bridge` (builds first). Prints progress
// on stderr and, as its last stdout line, one JSON object:
//   qos1_msgs_per_s            100 device connections, QoS 1 120-byte readings through the bridge into
//                              Kafka, each counted at its PUBACK (which the bridge sends after Kafka's ack)
//   qos0_msgs_per_s            the same at QoS 0, counted when Kafka has them (topic high watermarks)
//   aedes_only_qos1_msgs_per_s the same QoS 1 load into a bare aedes (no Kafka): the ingest ceiling
//   naive_msgs_per_s           an mqtt.js subscriber forwarding each message with one awaited kafkajs send()
//   p99_ack_latency_ms         publish -> PUBACK at a steady 5,000 msg/s through the bridge (timed after
//                              a first untimed second on fresh connections), from when each message was
//                              due: latency_late counts those that waited for a full window,
//                              latency_sent_msgs_per_s is the rate actually written (the run fails below
//                              98% of the offered rate), and a PUBACK missing at the deadline fails it
//                              (latency_unacked)
//   *_cpu_us_per_msg           CPU time (user + system, all threads) the process under test spent per
//                              message during the measured part
// The devices are cheap on purpose: each cycles through prebuilt packets and writes what it publishes in
// one tick at once, as mqtt.js does; on this 2-core machine their cost is taken from the broker's.
// Uses KAFKA_BROKERS when set, else starts a broker of its own (scripts/kafka/broker.mjs) and stops it.
// The brokers under test run in child processes, so the load generator does not share their event loop.
import { fork } from "node:child_process";
import { randomUUID } from "node:crypto";
import { connect as netConnect } from "node:net";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { brokerForBench } from "../scripts/kafka/broker.mjs";

const here = import.meta.dirname;

const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 100);
const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 200_000);
const WINDOW = Number(process.env.BENCH_WINDOW ?? 32); // QoS 1 publishes in flight per connection
const LATENCY_RATE = 5000;
// 30 s: the p99 of a 10 s window rests on the handful of stalls (Kafka, GC) that happen to fall in it,
// and varied from 18 to 61 ms run to run on this machine; over 30 s it settles.
const LATENCY_SECONDS = Number(process.env.BENCH_LATENCY_SECONDS ?? 30);
const QOS0_SECONDS = Number(process.env.BENCH_QOS0_SECONDS ?? 10);
const NAIVE_SECONDS = Number(process.env.BENCH_NAIVE_SECONDS ?? 10);
// BENCH_PHASES=qos1,latency runs only those (aedes, qos1, qos0, naive, latency); BENCH_NODE_FLAGS go to
// the children (e.g. --cpu-prof to profile the bridge).
const PHASES = new Set((process.env.BENCH_PHASES ?? "aedes,qos1,qos0,naive,latency").split(","));
const NODE_FLAGS = process.env.BENCH_NODE_FLAGS?.split(" ").filter(Boolean) ?? [];
const ROOMS = ["living_room", "kitchen", "bedroom", "bathroom", "office", "hallway", "garage", "attic"];

const log = (msg) => process.stderr.write(`bench:bridge: ${msg}\n`);

// ---------------------------------------------------------------------------------------------------
// Child roles: a broker under test in its own process, reporting READY <port> on its IPC channel.

async function serveBridge({ brokers, topic }) {
  // A bridge process of ours, as `homestream bridge` is: with the kafkajs speed-ups (kafka/kafkajs-patches.ts).
  const { applyKafkajsSpeedups } = await import(path.join(here, "..", "kafka", "dist", "kafkajs-patches.js"));
  applyKafkajsSpeedups();
  const { Bridge, loadBridgeConfig } = await import(path.join(here, "..", "bridge", "dist", "index.js"));
  const config = await loadBridgeConfig({
    overrides: {
      mqtt: { port: 0 },
      kafka: {
        brokers,
        topic,
        ...(process.env.BENCH_PRODUCERS ? { producers: Number(process.env.BENCH_PRODUCERS) } : {}),
        // BENCH_KAFKA_WORKER=false: the whole bridge in one thread, for comparison.
        ...(process.env.BENCH_KAFKA_WORKER ? { worker: process.env.BENCH_KAFKA_WORKER !== "false" } : {}),
        ...(process.env.BENCH_PROBE_MS ? { probeIntervalMs: Number(process.env.BENCH_PROBE_MS) } : {}),
        // BENCH_PRODUCER='{"compression":"none"}': producer settings to try (BENCH_LINGER_MS: lingerMs).
        producer: {
          ...(process.env.BENCH_LINGER_MS ? { lingerMs: Number(process.env.BENCH_LINGER_MS) } : {}),
          ...JSON.parse(process.env.BENCH_PRODUCER ?? "{}"),
        },
      },
      logLevel: process.env.BENCH_LOG_LEVEL ?? "warn",
      qos0Buffer: 20_000,
    },
  });
  const bridge = new Bridge(config, { processMetrics: false });
  await bridge.start();
  process.send({ ready: bridge.addresses().mqtt.port });
  process.on("message", async (m) => {
    if (m === "cpu") process.send({ cpu: process.cpuUsage() });
    if (m === "stop") {
      const text = await (await bridge.metricsRegistry()).metrics();
      await bridge.stop();
      const pick = (name) => Number(new RegExp(`^${name} (\\S+)$`, "m").exec(text)?.[1]);
      // Kafka's part of the latency: send() to acknowledgement, from the bridge's histogram buckets.
      const buckets = [
        ...text.matchAll(/^homestream_bridge_kafka_ack_latency_seconds_bucket\{le="([^"]+)"\} (\d+)$/gm),
      ].map((m) => [Number(m[1]), Number(m[2])]);
      const total = buckets.at(-1)?.[1] ?? 0;
      const quantile = (q) => buckets.find(([, n]) => n >= q * total)?.[0];
      const stats = {
        kafkaAckP50UpperS: quantile(0.5),
        kafkaAckP99UpperS: quantile(0.99),
        forwarded: pick("homestream_bridge_readings_forwarded_total"),
        requests: pick("homestream_bridge_kafka_produce_requests"),
        qos0Received: pick('homestream_bridge_messages_received_total\\{qos="0"\\}'),
        qos0Dropped: pick("homestream_bridge_qos0_dropped_total"),
      };
      if (process.env.BENCH_VERBOSE)
        process.stderr.write(
          `bench:bridge:   (bridge: ${stats.forwarded} forwarded in ${stats.requests} produce requests; ` +
            `QoS 0: ${stats.qos0Received} received, ${stats.qos0Dropped} dropped; Kafka ack p50 <= ${stats.kafkaAckP50UpperS} s, ` +
            `p99 <= ${stats.kafkaAckP99UpperS} s)\n`,
        );
      process.send({ stats }, () => process.exit(0));
    }
  });
}

async function serveAedes() {
  const { Aedes } = await import("aedes");
  const aedes = await Aedes.createBroker();
  const server = (await import("node:net")).createServer((s) => {
    s.setNoDelay(true);
    aedes.handle(s);
  });
  server.listen(0, "127.0.0.1", () => process.send({ ready: server.address().port }));
  process.on("message", (m) => {
    if (m === "cpu") process.send({ cpu: process.cpuUsage() });
    if (m === "stop") aedes.close(() => process.exit(0));
  });
}

// What a user writes first: subscribe, and in the message handler await one send() per message.
async function serveNaive({ brokers, topic }) {
  const { Aedes } = await import("aedes");
  const mqtt = (await import("mqtt")).default;
  const aedes = await Aedes.createBroker();
  const server = (await import("node:net")).createServer((s) => aedes.handle(s));
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = server.address().port;
  // The naive forwarder is plain kafkajs, as a user would write it (none of the Kafka layer's changes).
  const { Kafka, logLevel } = await import("kafkajs");
  const kafka = new Kafka({ brokers, clientId: "naive", logLevel: logLevel.NOTHING });
  const producer = kafka.producer();
  await producer.connect();
  const sub = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { clientId: "naive-sub", clean: true });
  sub.handleMessage = (packet, callback) => {
    const room = String(packet.topic).split("/")[1];
    producer
      .send({ topic, messages: [{ key: room, value: packet.payload }] })
      .then(() => callback(), callback);
  };
  await sub.subscribeAsync("home/#", { qos: 1 });
  process.send({ ready: port });
  process.on("message", async (m) => {
    if (m === "stop") {
      await sub.endAsync(true);
      await producer.disconnect();
      aedes.close(() => process.exit(0));
    }
  });
}

// ---------------------------------------------------------------------------------------------------
// The load generator: raw MQTT 3.1.1 over TCP, so the devices' own cost stays small and the same for
// every target. CONNECT, then PUBLISH packets with a window of unacknowledged QoS 1 ids.

function varint(n) {
  const out = [];
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    out.push(b);
  } while (n > 0);
  return Buffer.from(out);
}

function str(s) {
  const b = Buffer.from(s, "utf8");
  const len = Buffer.alloc(2);
  len.writeUInt16BE(b.length);
  return Buffer.concat([len, b]);
}

function connectPacket(clientId) {
  const body = Buffer.concat([str("MQTT"), Buffer.from([4, 0x02, 0, 60]), str(clientId)]);
  return Buffer.concat([Buffer.from([0x10]), varint(body.length), body]);
}

function publishPacket(topic, payload, qos, id) {
  const parts = [str(topic)];
  if (qos > 0) {
    const idb = Buffer.alloc(2);
    idb.writeUInt16BE(id);
    parts.push(idb);
  }
  parts.push(payload);
  const body = Buffer.concat(parts);
  return Buffer.concat([Buffer.from([0x30 | (qos << 1)]), varint(body.length), body]);
}

/** A ~120-byte reading (the size). */
function readingPayload(room, seq) {
  const value = Math.round((18 + (seq % 100) / 10) * 100) / 100;
  const r = {
    room,
    sensor_type: "temperature",
    value,
    timestamp: new Date(Date.UTC(2026, 10, 27, 21) + (seq % 86_400) * 1000).toISOString(),
    device_id: `${room.slice(0, 4)}_t1`,
  };
  return Buffer.from(JSON.stringify(r));
}

/** Where a PUBLISH packet's id sits: after the fixed header and the topic. */
function packetIdOffset(packet) {
  let i = 1;
  while (packet[i] & 0x80) i++; // remaining-length varint
  i++;
  return i + 2 + packet.readUInt16BE(i);
}

// Devices cycle through this many distinct readings each (values and timestamps differ), built once:
// building a packet per publish made the load generator take most of a core, which on this 2-core
// machine came out of what the broker under test could use.
const DISTINCT = 4096;
const packetCache = new Map();
/** The PUBLISH packet for `room`'s `seq`th reading (packet id 0: QoS 1 callers copy it and set theirs). */
function cachedPacket(room, seq, qos) {
  const key = `${room}/${qos}`;
  let ring = packetCache.get(key);
  if (!ring) {
    ring = new Array(DISTINCT);
    packetCache.set(key, ring);
  }
  const i = seq % DISTINCT;
  ring[i] ??= publishPacket(`home/${room}/temperature`, readingPayload(room, i), qos, 0);
  return ring[i];
}

class Device {
  constructor(port, index) {
    this.port = port;
    this.index = index;
    this.room = ROOMS[index % ROOMS.length];
    this.topic = `home/${this.room}/temperature`;
    this.nextId = 1;
    this.sentAt = new Map();
    this.acked = 0;
    this.latencies = [];
    /** performance.now() from which sends are timed (none by default). */
    this.measureFrom = Number.POSITIVE_INFINITY;
    this.onAck = () => {};
    this.buf = Buffer.alloc(0);
  }

  open() {
    return new Promise((resolve, reject) => {
      const socket = netConnect(this.port, "127.0.0.1");
      socket.setNoDelay(true);
      this.socket = socket;
      socket.once("error", reject);
      socket.once("connect", () =>
        socket.write(connectPacket(`bench-${this.index}-${randomUUID().slice(0, 4)}`)),
      );
      let connected = false;
      socket.on("data", (chunk) => {
        this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
        let off = 0;
        while (this.buf.length - off >= 2) {
          const type = this.buf[off] >> 4;
          const len = this.buf[off + 1]; // CONNACK and PUBACK are 2 bytes long
          if (this.buf.length - off < 2 + len) break;
          if (type === 2 && !connected) {
            connected = true;
            if (this.buf[off + 3] !== 0) reject(new Error(`CONNACK ${this.buf[off + 3]}`));
            else resolve();
          } else if (type === 4) {
            const id = this.buf.readUInt16BE(off + 2);
            const at = this.sentAt.get(id);
            if (at !== undefined) {
              this.sentAt.delete(id);
              this.acked++;
              if (at >= this.measureFrom) this.latencies.push(performance.now() - at);
              this.onAck();
            }
          }
          off += 2 + len;
        }
        this.buf = this.buf.subarray(off);
      });
    });
  }

  /**
   * Writes one PUBLISH; for QoS 1 returns false when the window is full. Its latency runs from
   * `dueAt` (default: now), when it should have been sent.
   */
  publish(seq, qos, dueAt) {
    if (qos === 1 && this.sentAt.size >= WINDOW) return false;
    let packet = cachedPacket(this.room, seq, qos);
    if (qos === 1) {
      const id = this.nextId;
      this.nextId = this.nextId === 65535 ? 1 : this.nextId + 1;
      this.sentAt.set(id, dueAt ?? performance.now());
      packet = Buffer.from(packet);
      packet.writeUInt16BE(id, packetIdOffset(packet));
    }
    // Packets written in one tick leave in one write, as mqtt.js clients do (mqtt-packet corks the
    // socket and uncorks it on the next tick).
    if (!this.corked) {
      this.corked = true;
      this.socket.cork();
      process.nextTick(() => {
        this.corked = false;
        this.socket.uncork();
      });
    }
    return this.socket.write(packet) || qos === 1;
  }

  close() {
    this.socket.end(Buffer.from([0xe0, 0x00]));
  }
}

async function openDevices(port) {
  const devices = [];
  for (let i = 0; i < CONNECTIONS; i += 20) {
    const batch = Array.from({ length: Math.min(20, CONNECTIONS - i) }, (_, j) => new Device(port, i + j));
    await Promise.all(batch.map((d) => d.open()));
    devices.push(...batch);
  }
  return devices;
}

/** Every device publishes its share of `total` at QoS 1, keeping its window full; resolves with msg/s. */
async function floodQos1(port, total) {
  const devices = await openDevices(port);
  const per = Math.ceil(total / devices.length);
  const started = performance.now();
  await Promise.all(
    devices.map(
      (d) =>
        new Promise((resolve) => {
          let sent = 0;
          const pump = () => {
            while (sent < per && d.publish(sent, 1)) sent++;
            if (d.acked >= per) resolve();
          };
          d.onAck = pump;
          pump();
        }),
    ),
  );
  const seconds = (performance.now() - started) / 1000;
  for (const d of devices) d.close();
  return { rate: (per * devices.length) / seconds, count: per * devices.length, seconds };
}

/**
 * QoS 0 as fast as the sockets take it (the bridge reads them as fast as it can handle them) for
 * `seconds`; the delivered rate is measured over the steady part (after the first second) by the topic's
 * growth in Kafka. QoS 0 is best effort: whatever the bridge cannot hand to Kafka is dropped, counted.
 */
async function floodQos0(port, seconds, sample) {
  const devices = await openDevices(port);
  let running = true;
  let sent = 0;
  const writers = devices.map(async (d) => {
    let seq = 0;
    while (running) {
      sent++;
      if (!d.publish(seq++, 0)) await new Promise((resolve) => d.socket.once("drain", resolve));
      else if (seq % 64 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
  });
  await sleep(1000);
  const from = await sample();
  const t0 = performance.now();
  await sleep((seconds - 1) * 1000);
  const to = await sample();
  const window = (performance.now() - t0) / 1000;
  running = false;
  await Promise.all(writers);
  for (const d of devices) d.close();
  const delivered = to.count - from.count;
  return { rate: delivered / window, sent, window, cpuPerMsg: (to.cpu - from.cpu) / delivered };
}

/**
 * QoS 1 at a steady total `rate`: `settleSeconds` untimed (fresh connections, the bridge settling into
 * the rate), then `seconds` timed. Each message is due at its place in the schedule (computed from the
 * clock, so a slow tick of the generator sends what fell due meanwhile rather than lowering the rate);
 * one that finds its device's window full waits for the next PUBACK and is counted as late, and its
 * latency runs from when it was due, so waiting behind an overloaded bridge shows in the quantiles.
 * Every timed message must be acknowledged by a deadline: a missing PUBACK is reported and fails the
 * run, never dropped from the latencies.
 */
async function paced(port, rate, seconds, settleSeconds = 1) {
  const devices = await openDevices(port);
  const perDevice = rate / devices.length;
  const tickMs = 20;
  const started = performance.now();
  const timedFrom = started + settleSeconds * 1000;
  const timedUntil = timedFrom + seconds * 1000;
  for (const d of devices) d.measureFrom = timedFrom;
  const scheduled = new Array(devices.length).fill(0);
  const backlog = devices.map(() => []);
  let late = 0;
  let timedScheduled = 0;
  let timedWritten = 0;
  const send = (d, seq, dueAt) => {
    if (!d.publish(seq, 1, dueAt)) return false;
    if (dueAt >= timedFrom && performance.now() < timedUntil) timedWritten++;
    return true;
  };
  devices.forEach((d, i) => {
    d.onAck = () => {
      const queue = backlog[i];
      while (queue.length > 0 && send(d, queue[0].seq, queue[0].dueAt)) queue.shift();
    };
  });
  for (let now = performance.now(); now < timedUntil; now = performance.now()) {
    devices.forEach((d, i) => {
      // Messages due by now: the schedule is the rate times the elapsed time, not a count of ticks.
      const due = Math.floor((now - started) * (perDevice / 1000) + (i + 1) / devices.length);
      while (scheduled[i] < due) {
        const seq = scheduled[i]++;
        const dueAt = started + ((seq + 1 - (i + 1) / devices.length) * 1000) / perDevice;
        if (dueAt >= timedFrom) timedScheduled++;
        if (backlog[i].length > 0 || !send(d, seq, dueAt)) {
          backlog[i].push({ seq, dueAt });
          late++; // window full: the bridge is not keeping up; this one waits and is timed from dueAt
        }
      }
    });
    await sleep(tickMs);
  }
  const deadline = performance.now() + 30_000;
  const pending = () =>
    backlog.reduce((n, q) => n + q.length, 0) + devices.reduce((n, d) => n + d.sentAt.size, 0);
  while (pending() > 0 && performance.now() < deadline) await sleep(20);
  const unacked = pending();
  for (const d of devices) d.close();
  const all = devices.flatMap((d) => d.latencies).sort((a, b) => a - b);
  const q = (p) => all[Math.min(all.length - 1, Math.floor(p * all.length))] ?? Number.NaN;
  return {
    p50: q(0.5),
    p99: q(0.99),
    max: all.at(-1),
    count: all.length,
    late,
    unacked,
    scheduled: timedScheduled,
    sentRate: timedWritten / seconds,
  };
}

// ---------------------------------------------------------------------------------------------------

function child(role, args) {
  const proc = fork(import.meta.filename, [role, JSON.stringify(args)], {
    stdio: ["ignore", "inherit", "inherit", "ipc"],
    execArgv: NODE_FLAGS,
  });
  const ready = new Promise((resolve, reject) => {
    proc.once("message", (m) => resolve(m.ready));
    proc.once("exit", (code) => reject(new Error(`${role} exited (${code}) before it was ready`)));
  });
  let stats;
  const cpuWaiters = [];
  proc.on("message", (m) => {
    if (m?.stats) stats = m.stats;
    if (m?.cpu) cpuWaiters.shift()?.(m.cpu.user + m.cpu.system);
  });
  return {
    ready,
    /** The child's CPU time so far (user + system), in µs. */
    cpu: () =>
      new Promise((resolve) => {
        cpuWaiters.push(resolve);
        proc.send("cpu");
      }),
    /** Stops the child; resolves with the bridge's counters when it is a bridge. */
    stop: () =>
      new Promise((resolve) => {
        if (proc.exitCode !== null) return resolve(stats);
        const timer = setTimeout(() => proc.kill("SIGKILL"), 30_000);
        proc.once("exit", () => {
          clearTimeout(timer);
          resolve(stats);
        });
        proc.send("stop");
      }),
  };
}

async function topicSize(admin, topic) {
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    return offsets.reduce((n, p) => n + Number(p.high), 0);
  } catch {
    return 0;
  }
}

async function main() {
  const broker = await brokerForBench("bridge", log);
  const { brokers } = broker;
  // Loaded here, not at the top: the bridge child runs this file too, and must load kafkajs through the
  // Kafka layer (which adjusts it) rather than before it.
  const { Kafka, logLevel } = await import("kafkajs");
  const kafka = new Kafka({ brokers, clientId: "bench-admin", logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const result = {};
  try {
    if (PHASES.has("aedes")) {
      log(`aedes only: ${CONNECTIONS} connections, ${MESSAGES} QoS 1 messages`);
      {
        const c = child("serve-aedes", {});
        const port = await c.ready;
        await floodQos1(port, Math.min(MESSAGES, 20_000)); // warm-up, as for the bridge
        const cpuBefore = await c.cpu();
        const r = await floodQos1(port, MESSAGES);
        const cpuUsed = (await c.cpu()) - cpuBefore;
        await c.stop();
        result.aedes_only_qos1_msgs_per_s = Math.round(r.rate);
        result.aedes_only_cpu_us_per_msg = Math.round((cpuUsed / r.count) * 10) / 10;
        log(
          `  ${Math.round(r.rate)} msg/s (${r.count} in ${r.seconds.toFixed(1)} s; aedes CPU ${result.aedes_only_cpu_us_per_msg} µs/msg)`,
        );
      }
    }

    if (PHASES.has("qos1")) {
      log(`bridge QoS 1: ${CONNECTIONS} connections, ${MESSAGES} messages`);
      {
        const topic = `bench.bridge.q1.${randomUUID().slice(0, 8)}`;
        const c = child("serve-bridge", { brokers, topic });
        const port = await c.ready;
        await floodQos1(port, Math.min(MESSAGES, 20_000)); // warm-up: connections, JIT, producer batches
        const before = await topicSize(admin, topic);
        const cpuBefore = await c.cpu();
        const r = await floodQos1(port, MESSAGES);
        const cpuUsed = (await c.cpu()) - cpuBefore;
        const inKafka = (await topicSize(admin, topic)) - before;
        await c.stop();
        result.qos1_bridge_cpu_us_per_msg = Math.round((cpuUsed / r.count) * 10) / 10;
        if (inKafka < r.count) throw new Error(`QoS 1: ${r.count} acknowledged but only ${inKafka} in Kafka`);
        result.qos1_msgs_per_s = Math.round(r.rate);
        log(
          `  ${Math.round(r.rate)} msg/s (${r.count} acknowledged in ${r.seconds.toFixed(1)} s; ${inKafka} in Kafka; ` +
            `bridge CPU ${result.qos1_bridge_cpu_us_per_msg} µs/msg)`,
        );
      }
    }

    if (PHASES.has("qos0")) {
      log(`bridge QoS 0: ${CONNECTIONS} connections flooding for ${QOS0_SECONDS} s`);
      const topic = `bench.bridge.q0.${randomUUID().slice(0, 8)}`;
      const c = child("serve-bridge", { brokers, topic });
      const port = await c.ready;
      await floodQos1(port, Math.min(MESSAGES, 20_000)); // warm-up (into the same topic)
      const base = await topicSize(admin, topic);
      const r = await floodQos0(port, QOS0_SECONDS, async () => {
        const [count, cpu] = await Promise.all([topicSize(admin, topic), c.cpu()]);
        return { count, cpu };
      });
      await sleep(2000); // what was in flight lands
      const delivered = (await topicSize(admin, topic)) - base;
      const stats = await c.stop();
      result.qos0_msgs_per_s = Math.round(r.rate);
      result.qos0_bridge_cpu_us_per_msg = Math.round(r.cpuPerMsg * 10) / 10;
      // QoS 0 the bridge received and dropped (best-effort buffer full past qos0WaitMs, or Kafka failed it).
      result.qos0_dropped = stats?.qos0Dropped ?? null;
      log(
        `  ${result.qos0_msgs_per_s} msg/s into Kafka over the steady ${r.window.toFixed(1)} s ` +
          `(${delivered} delivered of ${stats?.qos0Received} the bridge received; ${stats?.qos0Dropped} dropped; ` +
          `bridge CPU ${result.qos0_bridge_cpu_us_per_msg} µs/msg)`,
      );
    }

    if (PHASES.has("naive")) {
      log(`naive forwarder: ${CONNECTIONS} connections for ${NAIVE_SECONDS} s`);
      {
        const topic = `bench.bridge.naive.${randomUUID().slice(0, 8)}`;
        const c = child("serve-naive", { brokers, topic });
        const port = await c.ready;
        const devices = await openDevices(port);
        let stop = false;
        // The publishers only need to keep the broker's queue non-empty; aedes acknowledges them itself.
        const feeders = devices.map(async (d) => {
          let seq = 0;
          while (!stop) {
            if (d.publish(seq, 1)) seq++;
            else await new Promise((resolve) => setTimeout(resolve, 5));
          }
        });
        await sleep(1000);
        const before = await topicSize(admin, topic);
        const t0 = performance.now();
        await sleep(NAIVE_SECONDS * 1000);
        const after = await topicSize(admin, topic);
        const seconds = (performance.now() - t0) / 1000;
        stop = true;
        await Promise.all(feeders);
        for (const d of devices) d.close();
        await c.stop();
        result.naive_msgs_per_s = Math.round((after - before) / seconds);
        log(`  ${result.naive_msgs_per_s} msg/s`);
      }
    }

    if (PHASES.has("latency")) {
      log(
        `latency: QoS 1 at ${LATENCY_RATE} msg/s through the bridge, timed for ${LATENCY_SECONDS} s after 1 s`,
      );
      {
        const topic = `bench.bridge.lat.${randomUUID().slice(0, 8)}`;
        const c = child("serve-bridge", { brokers, topic });
        const port = await c.ready;
        await floodQos1(port, 10_000); // warm-up
        const r = await paced(port, LATENCY_RATE, LATENCY_SECONDS);
        await c.stop();
        result.p99_ack_latency_ms = Math.round(r.p99 * 10) / 10;
        result.p50_ack_latency_ms = Math.round(r.p50 * 10) / 10;
        result.max_ack_latency_ms = Math.round(r.max * 10) / 10;
        result.latency_offered_msgs_per_s = LATENCY_RATE;
        result.latency_sent_msgs_per_s = Math.round(r.sentRate);
        result.latency_timed_messages = r.scheduled;
        result.latency_acks = r.count;
        result.latency_late = r.late;
        result.latency_unacked = r.unacked;
        log(
          `  p50 ${r.p50.toFixed(1)} ms, p99 ${r.p99.toFixed(1)} ms, max ${r.max?.toFixed(1)} ms over ${r.count} acks of ` +
            `${r.scheduled} timed messages; sent at ${Math.round(r.sentRate)} msg/s of ${LATENCY_RATE} offered; ` +
            `${r.late} sends waited for a full window (timed from when they were due); ${r.unacked} unacknowledged`,
        );
        // The figure holds only if the load was the load claimed and every message was answered.
        if (r.unacked > 0) throw new Error(`latency: ${r.unacked} messages not acknowledged within 30 s`);
        if (r.count !== r.scheduled)
          throw new Error(`latency: ${r.scheduled} timed messages but ${r.count} latencies`);
        if (r.sentRate < 0.98 * LATENCY_RATE)
          throw new Error(
            `latency: sent ${Math.round(r.sentRate)} msg/s, below the ${LATENCY_RATE} msg/s offered`,
          );
      }
    }
    if (result.qos1_msgs_per_s && result.naive_msgs_per_s)
      result.qos1_vs_naive = Math.round((result.qos1_msgs_per_s / result.naive_msgs_per_s) * 10) / 10;
    result.connections = CONNECTIONS;
    result.messages = MESSAGES;
  } finally {
    await admin.disconnect();
    await broker.stop();
  }
  console.log(JSON.stringify(result));
}

const role = process.argv[2];
const args = process.argv[3] ? JSON.parse(process.argv[3]) : {};
const roles = { "serve-bridge": serveBridge, "serve-aedes": serveAedes, "serve-naive": serveNaive };
if (roles[role]) {
  roles[role](args).catch((err) => {
    console.error(err);
    process.exit(1);
  });
} else {
  main().catch((err) => {
    console.error(`bench:bridge: ${err?.stack ?? err}`);
    process.exitCode = 1;
  });
}
