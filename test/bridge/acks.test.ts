// When devices are acknowledged: only after the sink (Kafka) acknowledged their records, in the order
// their PUBLISH packets arrived [MQTT-4.6.0-2], never while the sink fails, and not at all for what is
// still pending when the bridge stops. Real mqtt.js clients, an in-memory sink the test controls.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { addUser } from "../../bridge/users.js";
import { connect, startTestBridge, type TestBridge } from "./helpers.js";
import { MemorySink } from "./memory-sink.js";

/** Resolves once `count` records wait in the sink. */
const pending = (sink: MemorySink, count: number) =>
  vi.waitFor(() => expect(sink.pending.length).toBeGreaterThanOrEqual(count), {
    timeout: 10_000,
    interval: 5,
  });

/**
 * The positive signal before a "not acknowledged yet": another device publishes now, the sink
 * acknowledges that record alone, and its PUBACK comes back. A bridge that acknowledged the earlier
 * publishes without the sink would have sent those PUBACKs before this one.
 */
async function laterPublishAcknowledged(t: TestBridge, sink: MemorySink): Promise<void> {
  const marker = await connect(t.url);
  const sent = marker.publishAsync("home/marker/temperature", "0", { qos: 1 });
  await vi.waitFor(() => expect(sink.ackWhere((r) => r.key === "marker")).toBe(1), {
    timeout: 10_000,
    interval: 5,
  });
  await sent;
  await marker.endAsync();
}

let t: TestBridge | undefined;
afterEach(async () => {
  await t?.bridge.stop();
  t = undefined;
});

describe("QoS 1 acknowledgements", () => {
  it("wait for the sink, and come in publish order whatever order the sink acknowledges in", async () => {
    const sink = new MemorySink();
    sink.autoAck = false;
    t = await startTestBridge([], {}, { sink });
    const c = await connect(t.url);
    const order: number[] = [];
    const sends = [0, 1, 2, 3, 4].map((i) =>
      c.publishAsync(`home/r${i}/temperature`, String(i), { qos: 1 }).then(() => order.push(i)),
    );
    await pending(sink, 5);
    await laterPublishAcknowledged(t, sink);
    expect(order).toEqual([]);
    sink.ackAll((n) => [...Array(n).keys()].reverse());
    await Promise.all(sends);
    expect(order).toEqual([0, 1, 2, 3, 4]);
    await c.endAsync();
  });

  it("are withheld while the sink fails, and follow once it recovers", async () => {
    const sink = new MemorySink();
    sink.failWith = new Error("broker unreachable");
    t = await startTestBridge([], {}, { sink });
    const c = await connect(t.url);
    let acked = false;
    const send = c.publishAsync("home/kitchen/temperature", "20", { qos: 1 }).then(() => {
      acked = true;
    });
    // The positive signal: the bridge has seen the sink fail twice; a bridge acknowledging a failed
    // send would have done so at the first.
    const bridge = t.bridge;
    await vi.waitFor(
      async () => expect((await bridge.metrics.sendRetries.get()).values[0]?.value).toBeGreaterThanOrEqual(2),
      { timeout: 10_000 },
    );
    expect(acked).toBe(false);
    sink.failWith = undefined;
    await send;
    expect(sink.acked).toHaveLength(1);
    await c.endAsync();
  });

  it("are never sent for what the sink had not acknowledged when the bridge stopped", async () => {
    const sink = new MemorySink();
    sink.autoAck = false;
    t = await startTestBridge([], { shutdownTimeoutMs: 200 }, { sink });
    const c = await connect(t.url, { reconnectPeriod: 0 });
    let acked = false;
    c.publishAsync("home/kitchen/temperature", "20", { qos: 1 }).then(
      () => {
        acked = true;
      },
      () => {},
    );
    await pending(sink, 1);
    const closed = new Promise<void>((resolve) => c.once("close", () => resolve()));
    await t.bridge.stop();
    await closed;
    expect(acked).toBe(false);
    c.end(true);
  });

  it("are sent for what the sink acknowledges during the stop's grace period", async () => {
    const sink = new MemorySink();
    sink.autoAck = false;
    t = await startTestBridge([], { shutdownTimeoutMs: 5000 }, { sink });
    const c = await connect(t.url, { reconnectPeriod: 0 });
    const send = c.publishAsync("home/kitchen/temperature", "20", { qos: 1 });
    await pending(sink, 1);
    const stopping = t.bridge.stop();
    // stop() enters its grace period at once: no new connections, waiting for the sink.
    expect(t.bridge.health().detail.state).toBe("stopping");
    await expect(connect(t.url)).rejects.toThrow();
    sink.ackAll();
    await send;
    await stopping;
    c.end(true);
  });
});

describe("QoS 0", () => {
  it("is forwarded best effort; with the buffer full it waits a while for room, then is dropped (counted)", async () => {
    const sink = new MemorySink();
    sink.autoAck = false;
    t = await startTestBridge([], { qos0Buffer: 3, qos0WaitMs: 200 }, { sink });
    const c = await connect(t.url);
    for (let i = 0; i < 5; i++) await c.publishAsync("home/hall/temperature", String(i), { qos: 0 });
    await c.endAsync();
    // All five handled: two dropped (counted), then what the buffer holds is final.
    const bridge = t.bridge;
    await vi.waitFor(async () => expect((await bridge.metrics.droppedQos0.get()).values[0]?.value).toBe(2), {
      timeout: 5000,
    });
    expect(sink.pending.map((p) => JSON.parse(String(p.record.value)).value)).toEqual([0, 1, 2]);
    sink.ackAll();
  });

  it("gets room as soon as Kafka acknowledges what filled the buffer", async () => {
    const sink = new MemorySink();
    sink.autoAck = false;
    t = await startTestBridge([], { qos0Buffer: 2 }, { sink });
    const c = await connect(t.url);
    for (let i = 0; i < 4; i++) await c.publishAsync("home/hall/temperature", String(i), { qos: 0 });
    await pending(sink, 2);
    sink.ackAll();
    await pending(sink, 2);
    sink.ackAll();
    expect(sink.values().map((v) => (v as { value: number }).value)).toEqual([0, 1, 2, 3]);
    expect((await t.bridge.metrics.droppedQos0.get()).values[0]?.value).toBe(0);
    await c.endAsync();
  });
});

describe("oversized packets", () => {
  it("dead-letter an oversize payload (first bytes, size, user) and keep the connection; other huge packets end it", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "hs-bridge-oversize-"));
    const users = path.join(dir, "users.yaml");
    await addUser(users, { username: "hall", password: "pw", allow: ["home/hall"] });
    await addUser(users, { username: "watcher", password: "pw", allow: ["home"] });
    const sink = new MemorySink();
    t = await startTestBridge([], { mqtt: { maxPayloadBytes: 1024, users } }, { sink });
    const watcher = await connect(t.url, { username: "watcher", password: "pw" });
    const seen: string[] = [];
    watcher.on("message", (_topic, payload) => seen.push(payload.toString()));
    await watcher.subscribeAsync("home/#", { qos: 1 });

    const c = await connect(t.url, { username: "hall", password: "pw", clientId: "hall-1" });
    await c.publishAsync("home/hall/temperature", "20", { qos: 1, retain: true });
    const big = Buffer.alloc(2_000_000, 0x31);
    big.write("first bytes");
    // Acknowledged once its dead letter is stored, as any rejected payload is: the device does not resend it.
    await c.publishAsync("home/hall/temperature", big, { qos: 1, retain: true });
    await c.publishAsync("home/hall/temperature", "21.5", { qos: 1 });
    expect(c.connected).toBe(true);
    const [, dead, good] = sink.acked;
    expect([dead?.topic, dead?.headers.dlq_reason_code, dead?.value.length]).toEqual([
      t.dlq,
      "payload_too_large",
      1024,
    ]);
    expect(
      Buffer.from(dead?.value ?? "")
        .subarray(0, 11)
        .toString(),
    ).toBe("first bytes");
    expect(dead?.headers).toMatchObject({
      dlq_original_size: "2000000",
      dlq_reason: "the payload has 2000000 bytes, more than the 1024 allowed",
      mqtt_topic: "home/hall/temperature",
      mqtt_client_id: "hall-1",
      mqtt_username: "hall",
    });
    expect(good?.topic).toBe(t.topic);
    const rejected = await t.bridge.metrics.rejected.get();
    expect(rejected.values.find((v) => v.labels.reason === "payload_too_large")?.value).toBe(1);
    // Subscribers get the reading, not a cut payload (the reading came after it, on the same connection).
    await vi.waitFor(() => expect(seen).toEqual(["20", "21.5"]));
    // Nor does the cut payload replace the retained message.
    const late = await connect(t.url, { username: "watcher", password: "pw" });
    const retained: string[] = [];
    late.on("message", (_topic, payload) => retained.push(payload.toString()));
    await late.subscribeAsync("home/hall/#", { qos: 1 });
    await vi.waitFor(() => expect(retained).toEqual(["20"]));

    // A packet other than a PUBLISH far over the limit (two 40,000-byte filters) ends the connection.
    const closed = new Promise<void>((resolve) => c.once("close", () => resolve()));
    c.subscribe(["home/hall/" + "x".repeat(40_000), "home/hall/" + "y".repeat(40_000)], { qos: 1 });
    await closed;
    c.end(true);
    const refused = await t.bridge.metrics.authFailures.get();
    expect(refused.values.find((v) => v.labels.reason === "packet_too_large")?.value).toBe(1);
    await Promise.all([watcher.endAsync(), late.endAsync()]);
    await rm(dir, { recursive: true, force: true });
  });
});
