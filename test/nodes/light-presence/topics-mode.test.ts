// light-presence in *topics* mode on the real Node-RED runtime: room and kind from msg.topic,
// states as devices and Home Assistant send them.
import { afterEach, describe, expect, it } from "vitest";
import lightPresence from "../../../nodes/light-presence/light-presence.js";
import { collector, flowWithCatch, helper, message, messages } from "../runtime.js";

afterEach(async () => {
  await helper.unload();
});

function flow(config: Record<string, unknown> = {}) {
  return flowWithCatch([
    { id: "lp", type: "hs-light-presence", wires: [["events"]], inputMode: "topics", ...config },
    { id: "events", type: "helper" },
  ]);
}

describe("hs-light-presence, states by topic", () => {
  it("room and kind from +room/+kind; ON/OFF, on/off, occupied/clear, numbers and booleans", async () => {
    await helper.load(lightPresence, flow());
    const lp = helper.getNode("lp");
    const caught = collector("caught");
    const out = messages("events", 4);
    lp.receive({ topic: "kitchen/temperature", payload: 21.5 }); // not for this rule: passed over
    lp.receive({ topic: "kitchen/light", payload: "ON" });
    lp.receive({ topic: "kitchen/presence", payload: "clear" }); // starts
    lp.receive({ topic: "kitchen/occupancy", payload: "occupied" }); // ends
    lp.receive({ topic: "hall/lamp", payload: 1 });
    lp.receive({ topic: "hall/motion", payload: false }); // starts
    lp.receive({ topic: "hall/light", payload: "off" }); // ends
    const events = await out;
    expect(events.map((m) => [m.topic, (m.payload as { light_device_id?: string }).light_device_id])).toEqual(
      [
        ["kitchen/anomaly_start", "kitchen/light"],
        ["kitchen/anomaly_end", undefined],
        ["hall/anomaly_start", "hall/lamp"],
        ["hall/anomaly_end", undefined],
      ],
    );
    expect(caught.msgs).toEqual([]); // the temperature was no error
  });

  it("zigbee2mqtt objects under a pattern without +kind: occupancy is presence, state a light", async () => {
    await helper.load(lightPresence, flow({ topicPattern: "zigbee2mqtt/+room/+" }));
    const lp = helper.getNode("lp");
    const start = message("events");
    lp.receive({
      topic: "zigbee2mqtt/bath/bulb",
      payload: { state: "ON", brightness: 200, linkquality: 80 },
    });
    lp.receive({ topic: "zigbee2mqtt/bath/pir", payload: { occupancy: false, battery: 97 } });
    expect((await start).payload).toMatchObject({
      event: "anomaly_start",
      room: "bath",
      light_device_id: "zigbee2mqtt/bath/bulb",
      presence_device_id: "zigbee2mqtt/bath/pir",
    });
  });

  it("a topic outside the pattern or a state it cannot read is an error naming it", async () => {
    await helper.load(lightPresence, flow());
    const lp = helper.getNode("lp");
    const caught = messages("caught", 2);
    lp.receive({ topic: "home/kitchen/light", payload: "ON" });
    lp.receive({ topic: "kitchen/light", payload: "dim" });
    const errors = (await caught).map((m) => m.error?.message);
    expect(errors[0]).toMatch(/topic: "home\/kitchen\/light" does not match \+room\/\+kind/);
    expect(errors[1]).toMatch(/payload: light: "dim" is not on\/off/);
  });

  it("refuses a pattern without +room at deploy, naming the field", async () => {
    await helper.load(lightPresence, flow({ topicPattern: "+/+kind" }));
    const caught = message("caught");
    helper.getNode("lp").receive({ topic: "a/light", payload: 1 });
    expect((await caught).error?.message).toMatch(
      /topicPattern: topic pattern "\+\/\+kind" must name the room/,
    );
  });
});
