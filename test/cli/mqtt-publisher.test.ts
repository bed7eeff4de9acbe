// The simulator's MQTT output into the bridge: every reading arrives keyed by room, a malformed
// payload is dead-lettered, QoS 1 publishes are all acknowledged.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MqttPublisher, publishReadings } from "../../cli/mqtt-publisher.js";
import type { SimOutput } from "../../cli/sim-output.js";
import type { TimedReading } from "../../core/reading.js";
import type { SimEvent } from "../../simulator/events.js";
import { reading, startTestBridge, type TestBridge } from "../bridge/helpers.js";
import { MemorySink } from "../bridge/memory-sink.js";

describe("publishReadings", () => {
  let t: TestBridge;
  const sink = new MemorySink();
  beforeAll(async () => {
    t = await startTestBridge([], {}, { sink });
  });
  afterAll(async () => {
    await t?.bridge.stop();
  });

  it("publishes readings to home/<room>/<sensor_type> and malformed payloads verbatim", async () => {
    const rooms = ["kitchen", "bedroom"];
    async function* events(): AsyncGenerator<SimEvent | TimedReading> {
      for (let i = 0; i < 500; i++) {
        const r = reading(i, rooms[i % 2] as string, i % 3 === 0 ? "humidity" : "temperature");
        yield { reading: r, time: Date.parse(r.timestamp) };
      }
      yield {
        kind: "malformed",
        time: 0,
        text: '{"room":"kitchen","value":',
        reason: "truncated",
        fault: "malformed",
      };
    }
    const summary = await publishReadings(t.url, events(), { qos: 1, maxInFlight: 20 });
    expect(summary).toEqual({ published: 501, acknowledged: 501, failed: 0 });
    const readings = sink.acked.filter((r) => r.topic === t.topic);
    expect(readings).toHaveLength(500);
    expect(readings.map((r) => JSON.parse(String(r.value)).value)).toEqual([...Array(500).keys()]);
    for (const r of readings) {
      const v = JSON.parse(String(r.value));
      expect(r.key).toBe(v.room);
      expect(r.headers.mqtt_topic).toBe(`home/${v.room}/${v.sensor_type}`);
    }
    const dead = sink.acked.filter((r) => r.topic === t.dlq);
    expect(dead.map((d) => [d.headers.mqtt_topic, String(d.value)])).toEqual([
      ["home/sim/malformed", '{"room":"kitchen","value":'],
    ]);
  });

  it("is a SimOutput, so `homestream sim --mqtt URL` can use it as is", async () => {
    const out: SimOutput & MqttPublisher = new MqttPublisher(t.url, { qos: 1, clientId: "sim-output" });
    await out.connect();
    const r = reading(7, "office");
    await out.send({ kind: "reading", reading: r, time: Date.parse(r.timestamp) });
    await out.close();
    expect(out.summary).toEqual({ published: 1, acknowledged: 1, failed: 0 });
    expect(sink.acked.at(-1)?.headers.mqtt_client_id).toBe("sim-output");
  });

  it("fails when the broker cannot be reached", async () => {
    await expect(publishReadings("mqtt://127.0.0.1:1", [], { qos: 0 })).rejects.toThrow(/ECONNREFUSED/);
  });
});
