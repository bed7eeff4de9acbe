import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { parseReading } from "../../core/reading.js";
import sensorSim from "../../nodes/sensor-sim/sensor-sim.js";
import { createSimulation, take } from "../../simulator/index.js";
import { collector, flowWithCatch, helper, message, messages, statusOf } from "./runtime.js";

afterEach(async () => {
  await helper.unload();
});

function flow(config: Record<string, unknown>) {
  return flowWithCatch([
    { id: "sim", type: "hs-sensor-sim", wires: [["out"]], ...config },
    { id: "out", type: "helper" },
  ]);
}

type Reading = { room: string; sensor_type: string; value: number; timestamp: string; device_id: string };
const payloads = (msgs: { payload?: unknown }[]) => msgs.map((m) => m.payload as Reading);
const shape = (r: Reading) => [r.room, r.sensor_type, r.value, r.device_id];

/** The library's random stream for `seed`, without timestamps (the node starts at deploy time). */
function expected(seed: number, count: number) {
  const events = [...take(createSimulation({ scenario: "random", seed, start: 0, rate: 1000 }), count)];
  return events.map((e) => (e.kind === "reading" ? shape(e.reading as Reading) : ["malformed"]));
}

describe("hs-sensor-sim", () => {
  it("emits the seeded random stream as valid readings with room/sensor topics", async () => {
    await helper.load(sensorSim, flow({ mode: "random", seed: 7, rate: 2000, count: 25, autoStart: false }));
    const got = messages("out", 25);
    const finished = statusOf("sim", (s) => s.fill === "grey" && s.shape === "dot");
    helper.getNode("sim").receive({ payload: "start" });
    const msgs = await got;
    for (const m of msgs) {
      const r = parseReading(m.payload);
      expect(r.ok).toBe(true);
      const p = m.payload as Reading;
      expect(m.topic).toBe(`${p.room}/${p.sensor_type}`);
    }
    expect(payloads(msgs).map(shape)).toEqual(expected(7, 25));
    // event times 0.5 ms apart at 2000 readings/s, starting about now
    const times = payloads(msgs).map((p) => Date.parse(p.timestamp));
    expect(Math.abs((times[0] as number) - Date.now())).toBeLessThan(10_000);
    expect((times[24] as number) - (times[0] as number)).toBe(12);
    await finished;
  });

  it("starts and stops on command, keeping its place in the stream", async () => {
    await helper.load(sensorSim, flow({ mode: "random", seed: 3, rate: 5000, autoStart: false }));
    const sim = helper.getNode("sim");
    const out = collector("out");
    sim.receive({ payload: "start" });
    await out.waitFor(10);
    const stopped = statusOf("sim", (s) => s.fill === "grey" && s.shape === "ring");
    sim.receive({ payload: "stop" });
    await stopped;
    const before = out.msgs.length;
    sim.receive({ command: "start" });
    await out.waitFor(before + 10);
    // nothing skipped or repeated across the stop
    expect(payloads(out.msgs).map(shape)).toEqual(expected(3, out.msgs.length));
  });

  it("starts and stops from its editor button", async () => {
    await helper.load(sensorSim, flow({ mode: "random", seed: 4, rate: 5000, autoStart: false }));
    const out = collector("out").waitFor(5);
    expect((await helper.request().post("/hs-sensor-sim/sim/toggle")).status).toBe(200);
    await out;
    const stopped = statusOf("sim", (s) => s.fill === "grey" && s.shape === "ring");
    expect((await helper.request().post("/hs-sensor-sim/sim/toggle")).status).toBe(200);
    await stopped;
    expect((await helper.request().post("/hs-sensor-sim/nope/toggle")).status).toBe(404);
  });

  it("restarts from the seed on reset", async () => {
    await helper.load(sensorSim, flow({ mode: "random", seed: 11, rate: 5000, autoStart: false, count: 5 }));
    const sim = helper.getNode("sim");
    const first = messages("out", 5);
    sim.receive({ payload: "start" });
    const a = await first;
    const second = messages("out", 5);
    sim.receive({ payload: "reset" });
    sim.receive({ payload: "start" });
    const b = await second;
    expect(payloads(b).map(shape)).toEqual(payloads(a).map(shape));
  });

  it("plays the realistic scenario as fast as the flow takes it", async () => {
    await helper.load(
      sensorSim,
      flow({ mode: "realistic", seed: 5, asap: true, count: 300, people: 3, autoStart: false }),
    );
    const got = messages("out", 300);
    helper.getNode("sim").receive({ payload: "start" });
    const msgs = await got;
    const times = payloads(msgs).map((p) => Date.parse(p.timestamp));
    expect(times.every((t, i) => i === 0 || t >= (times[i - 1] as number))).toBe(true);
    expect(new Set(payloads(msgs).map((p) => p.sensor_type))).toEqual(
      new Set(["temperature", "humidity", "presence", "light"]),
    );
  });

  it("emits malformed payloads verbatim when that fault is on", async () => {
    await helper.load(
      sensorSim,
      flow({ mode: "random", seed: 1, asap: true, count: 1500, faults: "malformed", autoStart: false }),
    );
    const got = messages("out", 1500);
    helper.getNode("sim").receive({ payload: "start" });
    const msgs = await got;
    const bad = msgs.filter((m) => m.topic === "malformed");
    expect(bad.length).toBeGreaterThan(0);
    for (const m of bad) {
      expect(typeof m.payload).toBe("string");
      expect(m.fault).toBe("malformed");
    }
  });

  it("replays a log, keeping or moving its times, and warns about bad lines", async () => {
    const dir = await mkdtemp(join(tmpdir(), "hs-sim-"));
    try {
      const file = join(dir, "log.jsonl");
      const line = (value: number, ts: string) =>
        JSON.stringify({
          room: "kitchen",
          sensor_type: "temperature",
          value,
          timestamp: ts,
          device_id: "k1",
        });
      await writeFile(
        file,
        [
          line(20, "2026-11-27T21:00:00Z"),
          "not json",
          line(21, "2026-11-27T21:00:01Z"),
          line(22, "2026-11-27T21:00:02Z"),
        ].join("\n"),
      );
      await helper.load(
        sensorSim,
        flow({ mode: "replay", file, retime: false, speed: 1000, autoStart: false }),
      );
      const got = messages("out", 3);
      const warned = new Promise<string>((resolve) =>
        helper.getNode("sim").on("call:warn", ((call: { args: [string] }) => resolve(call.args[0])) as never),
      );
      const finished = statusOf("sim", (s) => s.fill === "grey" && s.shape === "dot");
      helper.getNode("sim").receive({ payload: "start" });
      const msgs = await got;
      expect(payloads(msgs).map((p) => [p.value, p.timestamp])).toEqual([
        [20, "2026-11-27T21:00:00.000Z"],
        [21, "2026-11-27T21:00:01.000Z"],
        [22, "2026-11-27T21:00:02.000Z"],
      ]);
      expect(await warned).toMatch(/replay line 2: invalid JSON/);
      await finished;
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("reports a replay file that cannot be read to a Catch node", async () => {
    await helper.load(
      sensorSim,
      flow({ mode: "replay", file: join(tmpdir(), "hs-no-such-log.jsonl"), autoStart: false }),
    );
    const caught = message("caught");
    helper.getNode("sim").receive({ payload: "start" });
    expect((await caught).error?.message).toMatch(/ENOENT/);
  });

  it("reports bad commands and overrides to a Catch node", async () => {
    await helper.load(sensorSim, flow({ mode: "random", autoStart: false }));
    const sim = helper.getNode("sim");
    for (const [msg, pattern] of [
      [{ payload: "jump" }, /expected "start", "stop", "toggle" or "reset"/],
      [{ rate: -1 }, /msg.rate must be/],
      [{ speed: "fast" }, /msg.speed must be/],
    ] as const) {
      const caught = message("caught");
      sim.receive(msg);
      expect((await caught).error?.message).toMatch(pattern);
    }
  });

  it("reports an invalid configuration", async () => {
    await helper.load(sensorSim, flow({ mode: "random", seed: -1, faults: "gremlins", batch: "0" }));
    let caught = message("caught");
    helper.getNode("sim").receive({ payload: "start" });
    const text = (await caught).error?.message;
    expect(text).toMatch(/seed: must be at least 0/);
    expect(text).toMatch(/faults: unknown fault "gremlins"/);
    expect(text).toMatch(/batch: must be at least 1, got "0"/);
    await helper.unload();
    await helper.load(sensorSim, flow({ mode: "replay", file: "" }));
    caught = message("caught");
    helper.getNode("sim").receive({ payload: "start" });
    expect((await caught).error?.message).toMatch(/file: is required to replay a log/);
  });

  it("changes the rate with msg.rate", async () => {
    await helper.load(sensorSim, flow({ mode: "random", seed: 2, rate: 1, autoStart: false }));
    const sim = helper.getNode("sim");
    const got = collector("out").waitFor(50, 3000);
    sim.receive({ payload: "start", rate: 5000 });
    const msgs = await got;
    const times = payloads(msgs).map((p) => Date.parse(p.timestamp));
    // event spacing follows the rate in random mode: 50 readings within a few dozen ms of event time
    expect((times[49] as number) - (times[0] as number)).toBeLessThan(100);
  });
});
