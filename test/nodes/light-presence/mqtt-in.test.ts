// light-presence in *states by topic* mode fed by Node-RED's own `mqtt in` node from an embedded
// aedes broker: plain ON/OFF and zigbee2mqtt JSON payloads as devices publish them.
import { createRequire } from "node:module";
import { connectAsync } from "mqtt";
import { afterEach, describe, expect, it } from "vitest";
import lightPresence from "../../../nodes/light-presence/light-presence.js";
import { type AedesServer, startAedes } from "../aedes-server.js";
import { flowWithCatch, helper, messages, statusOf } from "../runtime.js";

const mqttNodes = createRequire(import.meta.url)("@node-red/nodes/core/network/10-mqtt.js");

let broker: AedesServer | undefined;

afterEach(async () => {
  await helper.unload();
  await broker?.close();
  broker = undefined;
});

describe("hs-light-presence fed by Node-RED's mqtt in node", () => {
  it("ON from a light and zigbee2mqtt occupancy objects start and end an anomaly", async () => {
    broker = await startAedes();
    const port = broker.port;

    await helper.load(
      [mqttNodes, lightPresence],
      flowWithCatch([
        { id: "broker", type: "mqtt-broker", config: true, broker: "127.0.0.1", port, protocolVersion: 4 },
        {
          id: "in",
          type: "mqtt in",
          broker: "broker",
          topic: "home/#",
          qos: "1",
          datatype: "auto-detect",
          wires: [["lp"]],
        },
        {
          id: "lp",
          type: "hs-light-presence",
          inputMode: "topics",
          topicPattern: "home/+room/+kind",
          wires: [["events"]],
        },
        { id: "events", type: "helper" },
      ]),
    );
    await statusOf("in", (s) => s.fill === "green"); // subscribed
    const events = messages("events", 2);
    const client = await connectAsync(`mqtt://127.0.0.1:${port}`);
    try {
      await client.publishAsync("home/office/temperature", "21.5", { qos: 1 }); // passed over
      await client.publishAsync("home/office/light", "ON", { qos: 1 });
      await client.publishAsync("home/office/occupancy", JSON.stringify({ occupancy: false, battery: 97 }), {
        qos: 1,
      });
      await client.publishAsync("home/office/occupancy", JSON.stringify({ occupancy: true, battery: 97 }), {
        qos: 1,
      });
      const [start, end] = await events;
      expect(start?.payload).toMatchObject({
        event: "anomaly_start",
        room: "office",
        light_device_id: "home/office/light",
        presence_device_id: "home/office/occupancy",
      });
      expect(end?.payload).toMatchObject({ event: "anomaly_end", room: "office" });
    } finally {
      await client.endAsync();
    }
  });
});
