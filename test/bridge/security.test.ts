// Authentication, topic ACLs, anonymous access by listener, connection limits, TLS and WebSocket
// listeners: real mqtt.js clients against the embedded broker (records go to an in-memory sink).
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AccessPolicy } from "../../bridge/access-policy.js";
import { Delivery } from "../../bridge/delivery.js";
import { EmbeddedBroker } from "../../bridge/embedded-broker.js";
import { Ingest } from "../../bridge/ingest.js";
import { BridgeMetrics } from "../../bridge/metrics.js";
import { RejectionLog } from "../../bridge/rejection-log.js";
import { addUser, loadUsers } from "../../bridge/users.js";
import { compileMapping, DEFAULT_RULE } from "../../core/topic-mapping.js";
import { connect, reading, startTestBridge, type TestBridge, testLogger } from "./helpers.js";
import { MemorySink } from "./memory-sink.js";

const execFileAsync = promisify(execFile);

let dir: string;
let usersFile: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "hs-bridge-sec-"));
  usersFile = path.join(dir, "users.yaml");
  await addUser(usersFile, { username: "kitchen", password: "pw-kitchen", allow: ["home/kitchen"] });
  await addUser(usersFile, { username: "hub", password: "pw-hub", allow: ["#"] });
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("users, ACLs and limits on the loopback listener", () => {
  let t: TestBridge;
  const sink = new MemorySink();
  beforeAll(async () => {
    t = await startTestBridge([], { mqtt: { users: usersFile, maxConnections: 3 } }, { sink });
  });
  afterAll(async () => {
    await t?.bridge.stop();
  });

  it("refuses a wrong password or an unknown user with CONNACK 4", async () => {
    await expect(connect(t.url, { username: "kitchen", password: "nope" })).rejects.toMatchObject({
      code: 4,
    });
    await expect(connect(t.url, { username: "ghost", password: "pw-kitchen" })).rejects.toMatchObject({
      code: 4,
    });
  });

  it("lets a user publish under its prefixes and disconnects it for anything else", async () => {
    const c = await connect(t.url, { username: "kitchen", password: "pw-kitchen", clientId: "k1" });
    await c.publishAsync("home/kitchen/temperature", JSON.stringify(reading(1, "kitchen")), { qos: 1 });
    expect(sink.values()).toContainEqual(reading(1, "kitchen"));
    const closed = new Promise<void>((resolve) => c.once("close", () => resolve()));
    const refused = c.publishAsync("home/kitchenette/temperature", "21", { qos: 1 });
    await closed;
    c.end(true);
    await expect(refused).rejects.toThrow();
    expect(sink.acked.some((r) => r.headers.mqtt_topic === "home/kitchenette/temperature")).toBe(false);
    const acl = await t.bridge.metrics.authFailures.get();
    expect(acl.values.find((v) => v.labels.reason === "acl_denied")?.value).toBe(1);
  });

  it("grants subscriptions only under the user's prefixes", async () => {
    const c = await connect(t.url, { username: "kitchen", password: "pw-kitchen" });
    // mqtt.js fails the whole call when any filter is refused; the SUBACK says which.
    const err = await c.subscribeAsync(["home/kitchen/#", "home/#"], { qos: 1 }).catch((e) => e);
    expect(err.packet.granted).toEqual([1, 128]);
    await c.endAsync();
  });

  it("lets anonymous clients in on a loopback listener", async () => {
    const c = await connect(t.url);
    await c.publishAsync("home/hall/temperature", "19", { qos: 1 });
    await c.endAsync();
    expect(sink.acked.at(-1)?.key).toBe("hall");
  });

  it("refuses connections beyond the limit", async () => {
    const open = await Promise.all([connect(t.url), connect(t.url), connect(t.url)]);
    await expect(connect(t.url)).rejects.toMatchObject({ code: 3 });
    await Promise.all(open.map((c) => c.endAsync()));
  });
});

describe("anonymous clients beyond loopback", () => {
  // The listener classification itself is a unit (isLoopbackHost); here a listener that reports itself
  // as non-loopback, while still bound to 127.0.0.1 (tests stay on loopback).
  async function brokerOn(allowAnonymous: boolean): Promise<{ url: string; close: () => Promise<void> }> {
    const metrics = new BridgeMetrics();
    const log = testLogger();
    const sink = new MemorySink();
    const ingest = new Ingest(
      {
        mapping: compileMapping([DEFAULT_RULE], "t"),
        dlqTopic: "t.dlq",
        maxPayloadBytes: 1024,
        unmatched: "dead-letter",
        timeZone: "UTC",
      },
      new Delivery(sink, metrics, log, { qos0Capacity: 10, retryBaseMs: 10, retryMaxMs: 100 }),
      new RejectionLog(log, metrics, { linesPerInterval: 1, intervalMs: 1000 }),
      metrics,
    );
    const broker = new EmbeddedBroker({
      policy: new AccessPolicy(await loadUsers(usersFile), allowAnonymous),
      ingest,
      maxConnections: 10,
      maxPayloadBytes: 256 * 1024,
      maxPacketBytes: 1 << 20,
      metrics,
      log,
    });
    await broker.start();
    const server: Server = createServer((s) => broker.handle(s, { name: "lan", loopback: false }));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as { port: number }).port;
    return {
      url: `mqtt://127.0.0.1:${port}`,
      close: async () => {
        await broker.stop();
        await new Promise((resolve) => server.close(resolve));
      },
    };
  }

  it("refuses them with CONNACK 5 unless allowed; users still get in", async () => {
    const strict = await brokerOn(false);
    try {
      await expect(connect(strict.url)).rejects.toMatchObject({ code: 5 });
      const hub = await connect(strict.url, { username: "hub", password: "pw-hub" });
      await hub.endAsync();
    } finally {
      await strict.close();
    }
    const open = await brokerOn(true);
    try {
      const anon = await connect(open.url);
      await anon.endAsync();
    } finally {
      await open.close();
    }
  });
});

describe("TLS and WebSocket listeners", () => {
  let t: TestBridge;
  const sink = new MemorySink();
  let ca: Buffer;
  beforeAll(async () => {
    const key = path.join(dir, "key.pem");
    const cert = path.join(dir, "cert.pem");
    await execFileAsync(
      "openssl",
      [
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        key,
        "-out",
        cert,
        "-days",
        "1",
        "-subj",
        "/CN=localhost",
        "-addext",
        "subjectAltName=DNS:localhost,IP:127.0.0.1",
      ],
      { timeout: 30_000 },
    );
    ca = await readFile(cert);
    t = await startTestBridge(
      [],
      { mqtt: { tls: { port: 0, key, cert }, websocket: { port: 0 }, users: usersFile } },
      { sink },
    );
  });
  afterAll(async () => {
    await t?.bridge.stop();
  });

  it("accepts QoS 1 over TLS (certificate checked) and over WebSocket", async () => {
    const a = t.bridge.addresses();
    const tls = await connect(`mqtts://127.0.0.1:${a.tls?.port}`, {
      ca,
      username: "hub",
      password: "pw-hub",
    });
    await tls.publishAsync("home/attic/temperature", "12.5", { qos: 1 });
    await tls.endAsync();
    const ws = await connect(`ws://127.0.0.1:${a.ws?.port}/mqtt`, { username: "hub", password: "pw-hub" });
    await ws.publishAsync("home/cellar/humidity", "71", { qos: 1 });
    await ws.endAsync();
    expect(sink.acked.map((r) => [r.key, JSON.parse(String(r.value)).value])).toEqual([
      ["attic", 12.5],
      ["cellar", 71],
    ]);
  });

  it("refuses a TLS client that does not trust the certificate", async () => {
    const a = t.bridge.addresses();
    await expect(
      connect(`mqtts://127.0.0.1:${a.tls?.port}`, { username: "hub", password: "pw-hub" }),
    ).rejects.toThrow(/self[- ]signed/);
  });
});
