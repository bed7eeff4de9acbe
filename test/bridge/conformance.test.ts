// The embedded broker as a house's MQTT 3.1.1 broker: wills, client ids, ordinary (unmapped) traffic,
// device availability, retained state and sessions across a restart. Against the real broker (a Bridge
// on a loopback port) with real clients: mqtt.js, Debian's mosquitto_sub, and raw MQTT packets where a
// client library would not send what the test needs (a silent connection, a zero-length client id).
// Records go to an in-memory sink; conformance.kafka.test.ts checks a will reaching real Kafka.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import mqtt from "mqtt";
import mqttPacket from "mqtt-packet";
import { afterEach, describe, expect, it } from "vitest";
import type { BridgeConfigInput } from "../../bridge/config.js";
import { createLogger } from "../../bridge/logger.js";
import { addUser } from "../../bridge/users.js";
import { connect, startTestBridge, type TestBridge } from "./helpers.js";
import { MemorySink } from "./memory-sink.js";

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A bridge with an in-memory sink; `lines` collects its log lines (JSON) when asked to. */
async function broker(
  overrides: BridgeConfigInput = {},
  opts: { sink?: MemorySink; lines?: Array<Record<string, unknown>> } = {},
): Promise<TestBridge & { sink: MemorySink; port: number }> {
  const sink = opts.sink ?? new MemorySink();
  const lines = opts.lines;
  const logger = lines
    ? createLogger(
        "debug",
        new Writable({
          write(chunk, _enc, done) {
            lines.push(JSON.parse(String(chunk)));
            done();
          },
        }),
      )
    : undefined;
  const t = await startTestBridge([], overrides, { sink, ...(logger ? { logger } : {}) });
  cleanups.push(() => t.bridge.stop());
  return { ...t, sink, port: Number(new URL(t.url).port) };
}

async function client(url: string, options: Parameters<typeof connect>[1] = {}) {
  const c = await connect(url, options);
  cleanups.push(() => c.endAsync(true));
  return c;
}

/** Resolves with the first message on `topic` a client receives. */
function nextMessage(
  c: Awaited<ReturnType<typeof connect>>,
  topic: string,
): Promise<{ payload: string; qos: number; retain: boolean }> {
  return new Promise((resolve) => {
    const on = (t: string, payload: Buffer, packet: { qos: number; retain: boolean }) => {
      if (t !== topic) return;
      c.off("message", on);
      resolve({ payload: payload.toString(), qos: packet.qos, retain: packet.retain });
    };
    c.on("message", on);
  });
}

/** A raw MQTT connection: sends the packets given, parses what the broker answers. */
async function rawClient(port: number) {
  const sock = net.connect(port, "127.0.0.1");
  await new Promise((resolve, reject) => sock.once("connect", resolve).once("error", reject));
  cleanups.push(() => sock.destroy());
  const parser = mqttPacket.parser({ protocolVersion: 4 });
  const packets: mqttPacket.Packet[] = [];
  const waiters: Array<() => void> = [];
  parser.on("packet", (p) => {
    packets.push(p);
    for (const w of waiters.splice(0)) w();
  });
  let closed = false;
  sock.on("data", (d) => parser.parse(d));
  sock.on("close", () => {
    closed = true;
    for (const w of waiters.splice(0)) w();
  });
  return {
    sock,
    send: (p: mqttPacket.Packet) => sock.write(mqttPacket.generate(p)),
    /** The next packet of this kind, or "closed" when the connection ends first. */
    async next(cmd: string): Promise<mqttPacket.Packet | "closed"> {
      for (;;) {
        const i = packets.findIndex((p) => p.cmd === cmd);
        if (i >= 0) return packets.splice(i, 1)[0] as mqttPacket.Packet;
        if (closed) return "closed";
        await new Promise<void>((resolve) => waiters.push(resolve));
      }
    },
  };
}

/** CONNECT with a zero-length client id, written by hand: mqtt-packet refuses to with clean session 0. */
function emptyIdConnect(clean: boolean): Buffer {
  // Fixed header, then "MQTT", level 4, flags (clean session bit), keepalive 10 s, client id "".
  return Buffer.from([0x10, 12, 0, 4, 0x4d, 0x51, 0x54, 0x54, 4, clean ? 0x02 : 0x00, 0, 10, 0, 0]);
}

/** Debian's mosquitto_sub waiting for `count` messages on `topic`; resolves with its lines. */
function mosquittoSub(
  port: number,
  topic: string,
  count: number,
): { ready: Promise<void>; lines: Promise<string[]> } {
  // stdbuf: mosquitto_sub's stdout is a pipe here, which C stdio would hold until exit.
  const child: ChildProcess = spawn(
    "stdbuf",
    [
      "-oL",
      "mosquitto_sub",
      "-h",
      "127.0.0.1",
      "-p",
      String(port),
      "-t",
      topic,
      "-q",
      "1",
      "-C",
      String(count),
      "-v",
      "-W",
      "20",
      "-d",
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  cleanups.push(() => child.exitCode === null && child.pid !== undefined && process.kill(child.pid));
  let out = "";
  let debug = "";
  child.stdout?.setEncoding("utf8").on("data", (d: string) => {
    out += d;
  });
  // -d prints the SUBACK it received: subscribed from then on.
  const ready = new Promise<void>((resolve, reject) => {
    const onData = (d: Buffer) => {
      debug += String(d);
      if (/SUBACK/.test(debug)) resolve();
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.once("exit", (code) =>
      reject(new Error(`mosquitto_sub exited (${code}) before subscribing: ${debug}`)),
    );
  });
  const lines = new Promise<string[]>((resolve, reject) =>
    child.once("exit", (code) =>
      code === 0
        ? resolve(out.split("\n").filter((l) => l.startsWith(topic.replace(/[#+].*$/, ""))))
        : reject(new Error(`mosquitto_sub exit ${code}: ${out}`)),
    ),
  );
  return { ready, lines };
}

const counter = async (t: TestBridge, name: string, labels: Record<string, string>) => {
  const registry = await t.bridge.metricsRegistry();
  const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === name);
  const value = metric?.values.find((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l));
  return Number(value?.value ?? 0);
};

describe("wills", () => {
  it("are published on keepalive expiry with their QoS and retain flag, to mqtt.js and mosquitto_sub", async () => {
    const b = await broker();
    const sub = await client(b.url);
    await sub.subscribeAsync("devices/#", { qos: 2 });
    const qosList = [0, 1, 2] as const;
    const viaMqttJs = qosList.map((qos) => nextMessage(sub, `devices/plug${qos}/status`));
    const mosq = mosquittoSub(b.port, "devices/#", qosList.length);
    await mosq.ready;
    // Devices that connect with keepalive 1 s and then say nothing: the broker must give up on them
    // after 1.5 keepalives [MQTT-3.1.2-24] and publish their wills, whatever their QoS.
    for (const qos of qosList) {
      const dev = await rawClient(b.port);
      dev.send({
        cmd: "connect",
        protocolId: "MQTT",
        protocolVersion: 4,
        clean: true,
        clientId: `plug${qos}`,
        keepalive: 1,
        will: { topic: `devices/plug${qos}/status`, payload: Buffer.from("offline"), qos, retain: true },
      });
      expect(await dev.next("connack")).toMatchObject({ returnCode: 0 });
    }
    // Delivered live with the will's QoS; retain is 0 on live delivery [MQTT-3.3.1-9].
    expect(await Promise.all(viaMqttJs)).toEqual(
      qosList.map((qos) => ({ payload: "offline", qos, retain: false })),
    );
    expect((await mosq.lines).sort()).toEqual(qosList.map((qos) => `devices/plug${qos}/status offline`));
    // Retained: a subscriber that comes later gets them too.
    const late = await client(b.url);
    const retained = nextMessage(late, "devices/plug2/status");
    await late.subscribeAsync("devices/plug2/status", { qos: 2 });
    expect(await retained).toEqual({ payload: "offline", qos: 2, retain: true });
  });

  it("are published when the socket drops and when the client id is taken over, not after DISCONNECT", async () => {
    const b = await broker();
    const sub = await client(b.url);
    await sub.subscribeAsync("devices/#", { qos: 1 });
    const seen: string[] = [];
    sub.on("message", (t, p) => seen.push(`${t} ${p}`));
    const will = (id: string) => ({
      topic: `devices/${id}/status`,
      payload: "gone",
      qos: 1 as const,
      retain: false,
    });

    const dropped = await connect(b.url, { clientId: "drop1", will: will("drop1") });
    const droppedWill = nextMessage(sub, "devices/drop1/status");
    dropped.stream.destroy();
    expect((await droppedWill).payload).toBe("gone");

    await client(b.url, { clientId: "dup1", will: will("dup1") });
    const takenOverWill = nextMessage(sub, "devices/dup1/status");
    await client(b.url, { clientId: "dup1" });
    expect((await takenOverWill).payload).toBe("gone");

    const polite = await connect(b.url, { clientId: "polite1", will: will("polite1") });
    await polite.endAsync();
    // Positive signal: a message published after the DISCONNECT arrives; a will would have come before.
    const marker = nextMessage(sub, "devices/marker");
    const other = await client(b.url);
    await other.publishAsync("devices/marker", "after", { qos: 1 });
    await marker;
    expect(seen).toEqual(["devices/drop1/status gone", "devices/dup1/status gone", "devices/marker after"]);
  });

  it("follow the user's ACL: a will topic the user may not publish to is refused at CONNECT (CONNACK 5)", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "hs-conformance-"));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const users = path.join(dir, "users.yaml");
    await addUser(users, { username: "kitchen", password: "pw-kitchen-1", allow: ["home/kitchen"] });
    const b = await broker({ mqtt: { users } });
    const creds = { username: "kitchen", password: "pw-kitchen-1" };
    const refused = await connect(b.url, {
      ...creds,
      will: { topic: "home/garage/status", payload: "x", qos: 0, retain: false },
    }).then(
      () => "connected",
      (err: Error & { code?: number }) => err.code,
    );
    expect(refused).toBe(5);
    expect(await counter(b, "homestream_bridge_auth_failures_total", { reason: "acl_denied" })).toBe(1);

    const sub = await client(b.url);
    await sub.subscribeAsync("home/#", { qos: 1 });
    const allowed = nextMessage(sub, "home/kitchen/status");
    const dev = await connect(b.url, {
      ...creds,
      will: { topic: "home/kitchen/status", payload: "offline", qos: 1, retain: false },
    });
    dev.stream.destroy();
    expect((await allowed).payload).toBe("offline");
  });

  it("that are valid readings are forwarded like readings, with the client id", async () => {
    const b = await broker();
    const dev = await connect(b.url, {
      clientId: "kitchen-temp",
      will: { topic: "home/kitchen/temperature", payload: "19.5", qos: 1, retain: false },
    });
    const sub = await client(b.url);
    await sub.subscribeAsync("home/#", { qos: 1 });
    const delivered = nextMessage(sub, "home/kitchen/temperature");
    dev.stream.destroy();
    await delivered;
    while (b.sink.acked.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(b.sink.values()).toEqual([
      expect.objectContaining({
        room: "kitchen",
        sensor_type: "temperature",
        value: 19.5,
        device_id: "kitchen-temp",
      }),
    ]);
    expect(b.sink.acked[0]?.headers).toMatchObject({ mqtt_client_id: "kitchen-temp" });
  });
});

describe("client ids [MQTT-3.1.3]", () => {
  it("a zero-length id with clean session is accepted and gets an id of its own", async () => {
    const b = await broker();
    const a = await rawClient(b.port);
    const c = await rawClient(b.port);
    a.sock.write(emptyIdConnect(true));
    c.sock.write(emptyIdConnect(true));
    expect(await a.next("connack")).toMatchObject({ returnCode: 0 });
    expect(await c.next("connack")).toMatchObject({ returnCode: 0 });
    // Two different ids: neither took the other over, both receive what is published.
    for (const [i, raw] of [a, c].entries()) {
      raw.send({ cmd: "subscribe", messageId: 1, subscriptions: [{ topic: `anon/${i}`, qos: 0 }] });
      expect(await raw.next("suback")).toMatchObject({ granted: [0] });
    }
    const pub = await client(b.url);
    await pub.publishAsync("anon/0", "to a", { qos: 1 });
    await pub.publishAsync("anon/1", "to c", { qos: 1 });
    expect(await a.next("publish")).toMatchObject({ topic: "anon/0" });
    expect(await c.next("publish")).toMatchObject({ topic: "anon/1" });
  });

  it("a zero-length id without clean session is refused with CONNACK 2, then the connection closes", async () => {
    const b = await broker();
    const raw = await rawClient(b.port);
    raw.sock.write(emptyIdConnect(false));
    expect(await raw.next("connack")).toMatchObject({ returnCode: 2 });
    expect(await raw.next("never")).toBe("closed");
  });
});

describe("topics no rule matches", () => {
  const other = ["TopicA", "cmnd/lamp/POWER", "zigbee2mqtt/bridge/state", "tele/plug1/LWT"];

  it("are routed to subscribers, counted as not forwarded and logged at debug only (unmatched: ignore)", async () => {
    const lines: Array<Record<string, unknown>> = [];
    const b = await broker({ unmatched: "ignore" }, { lines });
    const sub = await client(b.url);
    await sub.subscribeAsync("#", { qos: 1 });
    const got: string[] = [];
    sub.on("message", (t) => got.push(t));
    const pub = await client(b.url);
    for (const topic of other) await pub.publishAsync(topic, "ON", { qos: 1 });
    await pub.publishAsync("home/kitchen/temperature", "21", { qos: 1 });
    while (got.length < other.length + 1) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(got).toEqual([...other, "home/kitchen/temperature"]);
    // Only the reading reached the sink; the rest is counted by reason.
    expect(b.sink.values()).toEqual([expect.objectContaining({ room: "kitchen", value: 21 })]);
    expect(await counter(b, "homestream_bridge_not_forwarded_total", { reason: "unmatched_topic" })).toBe(4);
    expect(await counter(b, "homestream_bridge_rejected_total", { reason: "unmatched_topic" })).toBe(0);
    const warnings = lines.filter((l) => Number(l.level) >= 40);
    expect(warnings).toEqual([]);
    expect(lines.filter((l) => l.msg === "not for Kafka").map((l) => l.topic)).toEqual(other);
  });

  it("are dead letters and warnings in an ingest funnel (unmatched: dead-letter, the bridge's default)", async () => {
    const lines: Array<Record<string, unknown>> = [];
    const b = await broker({}, { lines });
    const pub = await client(b.url);
    await pub.publishAsync("TopicA", "hello", { qos: 1 });
    expect(b.sink.acked.map((r) => [r.topic, r.headers.dlq_reason_code])).toEqual([
      [b.dlq, "unmatched_topic"],
    ]);
    expect(await counter(b, "homestream_bridge_rejected_total", { reason: "unmatched_topic" })).toBe(1);
    expect(lines.filter((l) => l.level === 40 && l.msg === "rejected payload")).toHaveLength(1);
  });

  it("a reading that fails validation on a topic a rule matches stays a warning and a dead letter", async () => {
    const lines: Array<Record<string, unknown>> = [];
    const b = await broker({ unmatched: "ignore" }, { lines });
    const pub = await client(b.url);
    await pub.publishAsync("home/kitchen/temperature", "warm", { qos: 1 });
    expect(b.sink.acked.map((r) => r.headers.dlq_reason_code)).toEqual(["unsupported_payload"]);
    expect(lines.filter((l) => l.level === 40 && l.msg === "rejected payload")).toHaveLength(1);
  });
});

describe("device availability", () => {
  const rules = [
    { match: "tele/+room/+device/LWT", payload: "availability" as const },
    { match: "zigbee2mqtt/+room/+device/availability", payload: "availability" as const },
    { match: "devices/+room/status", payload: "availability" as const },
    { match: "home/+room/+sensor_type" },
  ];

  it("Tasmota LWT, zigbee2mqtt availability and a will become availability readings per device", async () => {
    const b = await broker({ rules, unmatched: "ignore" });
    const pub = await client(b.url);
    await pub.publishAsync("tele/kitchen/plug1/LWT", "Offline", { qos: 1, retain: true });
    await pub.publishAsync("tele/kitchen/plug1/LWT", "Online", { qos: 1, retain: true });
    await pub.publishAsync("zigbee2mqtt/hall/motion1/availability", '{"state":"offline"}', { qos: 1 });
    const dev = await connect(b.url, {
      clientId: "hall-motion2",
      will: { topic: "devices/hall/status", payload: "offline", qos: 1, retain: true },
    });
    dev.stream.destroy();
    while (b.sink.acked.length < 4) await new Promise((resolve) => setTimeout(resolve, 10));
    const summary = b.sink.values().map((v) => {
      const r = v as { room: string; sensor_type: string; value: number; device_id: string };
      return [r.room, r.sensor_type, r.device_id, r.value];
    });
    expect(summary).toEqual([
      ["kitchen", "availability", "plug1", 0],
      ["kitchen", "availability", "plug1", 1],
      ["hall", "availability", "motion1", 0],
      ["hall", "availability", "hall-motion2", 0],
    ]);
  });

  it("is announced to flows as a retained availability reading on home/<room>/availability", async () => {
    const b = await broker({ rules, unmatched: "ignore" });
    const flow = await client(b.url);
    await flow.subscribeAsync("home/+/+", { qos: 1 });
    const announced = nextMessage(flow, "home/kitchen/availability");
    const pub = await client(b.url);
    await pub.publishAsync("tele/kitchen/plug1/LWT", "Offline", { qos: 1, retain: true });
    const live = await announced;
    expect(JSON.parse(live.payload)).toMatchObject({
      room: "kitchen",
      sensor_type: "availability",
      value: 0,
      device_id: "plug1",
    });
    // Retained: a flow that connects later (Node-RED restarted) learns it too.
    const later = await client(b.url);
    const retained = nextMessage(later, "home/kitchen/availability");
    await later.subscribeAsync("home/+/+", { qos: 1 });
    expect(await retained).toMatchObject({ payload: live.payload, retain: true });
    // The announcement is the broker's own: it is not ingested again (one record, the LWT's).
    expect(b.sink.values()).toHaveLength(1);
  });

  it("a message on an availability topic that says neither online nor offline is a dead letter naming why", async () => {
    const b = await broker({ rules });
    const pub = await client(b.url);
    await pub.publishAsync("tele/kitchen/plug1/LWT", "Rebooting", { qos: 1 });
    expect(
      b.sink.acked.map((r) => [r.headers.dlq_reason_code, String(r.headers.dlq_reason).slice(0, 30)]),
    ).toEqual([["unsupported_payload", "not an availability message (o"]]);
  });
});

describe("retained state and sessions across a restart (mqtt.dataDir)", () => {
  it("a retained state and a persistent session's queued message survive a restart", async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), "hs-broker-data-"));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    const first = await broker({ mqtt: { dataDir } });
    // A persistent session subscribes, then goes away; a QoS 1 message for it is queued.
    const sleeper = await connect(first.url, { clientId: "sleeper", clean: false });
    await sleeper.subscribeAsync("cmnd/lamp/#", { qos: 1 });
    await sleeper.endAsync();
    const pub = await connect(first.url);
    await pub.publishAsync("stat/lamp/POWER", "ON", { qos: 1, retain: true });
    await pub.publishAsync("cmnd/lamp/POWER", "OFF", { qos: 1 });
    await pub.endAsync();
    await first.bridge.stop();

    const second = await broker({ mqtt: { dataDir, port: first.port } });
    const late = await client(second.url);
    const retained = nextMessage(late, "stat/lamp/POWER");
    await late.subscribeAsync("stat/lamp/POWER", { qos: 1 });
    expect(await retained).toEqual({ payload: "ON", qos: 1, retain: true });

    // Listening before the CONNECT goes out: the queued message follows the CONNACK at once.
    const back = mqtt.connect(second.url, { clientId: "sleeper", clean: false, reconnectPeriod: 0 });
    cleanups.push(() => back.endAsync(true));
    const queued = await nextMessage(back, "cmnd/lamp/POWER");
    expect(queued).toEqual({ payload: "OFF", qos: 1, retain: false });
  });

  it("a second broker on the same data directory is refused with a message naming it", async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), "hs-broker-data-"));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    await broker({ mqtt: { dataDir } });
    await expect(broker({ mqtt: { dataDir } })).rejects.toThrow(
      `the MQTT data directory ${dataDir} cannot be opened`,
    );
  });
});
