// The topic and the user are authoritative: a device the ACL limits to home/kitchen cannot put a reading
// of another room (or another sensor type than its topic's) into Kafka by naming it in the payload. Real
// mqtt.js clients, the embedded broker with a users file, a real Kafka broker, the topic read back.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addUser } from "../../bridge/users.js";
import { kafka, noBroker } from "../kafka/helpers.js";
import { connect, type ReadRecord, reading, readTopic, startTestBridge, type TestBridge } from "./helpers.js";

let dir: string;
let usersFile: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "hs-bridge-trust-"));
  usersFile = path.join(dir, "users.yaml");
  await addUser(usersFile, { username: "kitchen", password: "pw-kitchen", allow: ["home/kitchen"] });
  await addUser(usersFile, { username: "gateway", password: "pw-gateway", allow: ["gateway"] });
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const rooms = (records: ReadRecord[]) =>
  records.map((r) => {
    const v = JSON.parse(r.value.toString());
    return [r.key, v.room, v.sensor_type, r.headers.mqtt_username];
  });

describe.skipIf(noBroker)("a restricted device cannot speak for another room", () => {
  let t: TestBridge;
  beforeAll(async () => {
    t = await startTestBridge(kafka.brokers, {
      mqtt: { users: usersFile },
      rules: [
        // A gateway trusted to publish readings of any room on one topic: the rule says so explicitly.
        { match: "gateway/+device", trust_payload: true },
        { match: "home/+room/+sensor_type" },
      ],
    });
  });
  afterAll(async () => {
    await t?.bridge.stop();
  });

  it("dead-letters a payload naming another room or sensor, forwards the device's own, and says who sent it", async () => {
    const c = await connect(t.url, {
      username: "kitchen",
      password: "pw-kitchen",
      clientId: "kitchen-light",
    });
    const forged = { room: "bedroom", sensor_type: "presence", value: 0, device_id: "x" };
    // Acknowledged (its dead letter is in Kafka), as any rejected payload is.
    await c.publishAsync("home/kitchen/light", JSON.stringify(forged), { qos: 1 });
    await c.publishAsync("home/kitchen/light", JSON.stringify({ ...forged, room: "kitchen" }), { qos: 1 });
    await c.publishAsync("home/kitchen/light", JSON.stringify({ ...reading(1, "bedroom", "light") }), {
      qos: 1,
    });
    // The device's own readings: repeating the topic's room and sensor, or leaving them out.
    await c.publishAsync("home/kitchen/light", JSON.stringify(reading(1, "kitchen", "light")), { qos: 1 });
    await c.publishAsync("home/kitchen/light", JSON.stringify({ value: 1 }), { qos: 1 });
    await c.publishAsync("home/kitchen/light", "OFF", { qos: 1 });
    await c.endAsync();

    const gw = await connect(t.url, { username: "gateway", password: "pw-gateway", clientId: "gw" });
    await gw.publishAsync("gateway/hub1", JSON.stringify(reading(0, "bedroom", "presence")), { qos: 1 });
    await gw.endAsync();

    const readings = await readTopic(kafka.brokers, t.topic, 4);
    // Key, room and sensor of each reading, and the user the broker authenticated (partitions may
    // interleave, hence sorted).
    expect(rooms(readings).sort()).toEqual([
      ["bedroom", "bedroom", "presence", "gateway"],
      ["kitchen", "kitchen", "light", "kitchen"],
      ["kitchen", "kitchen", "light", "kitchen"],
      ["kitchen", "kitchen", "light", "kitchen"],
    ]);

    const dead = await readTopic(kafka.brokers, t.dlq, 3);
    expect(dead.map((r) => r.headers.dlq_reason_code)).toEqual([
      "room_mismatch",
      "sensor_type_mismatch",
      "room_mismatch",
    ]);
    // Keyed by the topic's room, the user named, the original bytes kept.
    expect(dead.map((r) => r.key)).toEqual(["kitchen", "kitchen", "kitchen"]);
    expect(dead.map((r) => r.headers.mqtt_username)).toEqual(["kitchen", "kitchen", "kitchen"]);
    expect(dead[0]?.headers.dlq_reason).toBe(
      'room: the payload names "bedroom", but the topic is for "kitchen"; ' +
        'sensor_type: the payload names "presence", but the topic is for "light"',
    );
    expect(JSON.parse(dead[0]?.value.toString() ?? "")).toEqual(forged);
    // Counted (as /metrics shows them, with an ingest worker's counts added in when there is one).
    const all = await (await t.bridge.metricsRegistry()).getMetricsAsJSON();
    const rejected = all.find((m) => m.name === "homestream_bridge_rejected_total");
    const count = (reason: string) => rejected?.values.find((v) => v.labels.reason === reason)?.value;
    expect(count("room_mismatch")).toBe(2);
    expect(count("sensor_type_mismatch")).toBe(2);
  });
});
