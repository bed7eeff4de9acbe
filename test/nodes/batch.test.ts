// Batches: msg.payload an array of readings (sensor-sim's "readings per message"). Each node that
// takes readings must give, for a batch, exactly what it gives for the same readings one message
// each: the same window results and anomaly events in the same order, the same late readings (in
// one message per batch on output 2), and the same items rejected (in one error per batch, by
// index), with the good readings beside a bad one processed.
import { afterEach, describe, expect, it } from "vitest";
import { LightPresenceDetector } from "../../core/light-presence.js";
import { parseReading } from "../../core/reading.js";
import { WindowEngine } from "../../core/window-engine.js";
import lightPresence from "../../nodes/light-presence/light-presence.js";
import sensorSim from "../../nodes/sensor-sim/sensor-sim.js";
import windowedStats from "../../nodes/windowed-stats/windowed-stats.js";
import { createSimulation, take } from "../../simulator/index.js";
import { collector, flowWithCatch, helper, type Msg, messages, statusOf } from "./runtime.js";

afterEach(async () => {
  await helper.unload();
});

const T0 = Date.UTC(2026, 10, 27, 21, 0, 0);
const N = 3000;
const BATCH = 37;

/**
 * 3,000 simulated readings (about 7 s of event time at 400/s) with every 97th made late (a minute
 * back), every 211th not a reading (text that is not JSON) and every 331st a reading with a bad value.
 */
function items(): unknown[] {
  const out: unknown[] = [];
  let i = 0;
  for (const e of take(
    createSimulation({ scenario: "random", seed: 11, start: T0 + 120_000, rate: 400 }),
    N,
  )) {
    if (e.kind !== "reading") throw new Error("no faults were asked for");
    i++;
    if (i % 211 === 0) out.push("{not json");
    else if (i % 331 === 0) out.push({ ...e.reading, value: "warm" });
    else if (i % 97 === 0)
      out.push({ ...e.reading, timestamp: new Date(Date.parse(e.reading.timestamp) - 60_000).toISOString() });
    else out.push(e.reading);
  }
  return out;
}

const chunks = <T>(xs: readonly T[], n: number): T[][] =>
  Array.from({ length: Math.ceil(xs.length / n) }, (_, k) => xs.slice(k * n, k * n + n));

type Caught = Msg & { error: { message: string; source?: { id?: string } }; index?: number; batch?: number };

/** The stream indexes rejected by `source`: its errors for single messages (msg.index) or batches (msg.batch). */
function rejectedBy(caught: Msg[], source: string): number[] {
  return (caught as Caught[])
    .filter((m) => m.error.source?.id === source)
    .flatMap((m) => {
      if (m.batch === undefined) return [m.index as number];
      const text = m.error.message;
      const total = Number(/(\d+) of (\d+) readings in msg\.payload rejected/.exec(text)?.[1]);
      const named = [...text.matchAll(/msg\.payload\[(\d+)\]/g)].map(
        (x) => (m.batch as number) * BATCH + Number(x[1]),
      );
      // up to three are named: this stream never has more than one bad item in a batch
      expect(named.length).toBe(total);
      return named;
    });
}

/** Resolves with the batches node `id` receives once they hold `count` items in all. */
function itemsReceived(id: string, count: number, timeoutMs = 5000): Promise<Msg[]> {
  const node = helper.getNode(id);
  return new Promise((resolve, reject) => {
    const got: Msg[] = [];
    let n = 0;
    const timer = setTimeout(
      () => reject(new Error(`node ${id}: ${n} of ${count} items after ${timeoutMs} ms`)),
      timeoutMs,
    );
    node.on("input", ((msg: Msg) => {
      got.push(msg);
      n += (msg.payload as unknown[]).length;
      if (n === count) {
        clearTimeout(timer);
        resolve(got);
      }
    }) as (...args: never[]) => void);
  });
}

/** The stream to node "one" a reading per message (msg.index), and to node "many" in batches (msg.batch). */
function feedOneAndMany(stream: readonly unknown[]): void {
  stream.forEach((payload, index) => {
    helper.getNode("one").receive({ payload, index });
  });
  chunks(stream, BATCH).forEach((payload, batch) => {
    helper.getNode("many").receive({ payload, batch });
  });
}

const topicsAndPayloads = (ms: Msg[]) => ms.map((m) => [m.topic, m.payload]);

/** How many of the batches hold one of `indexes`. */
const batchesHolding = (indexes: readonly number[]) =>
  new Set(indexes.map((i) => Math.floor(i / BATCH))).size;

describe("batches of readings", () => {
  it("windowed-stats gives for batches what it gives for the same readings one by one", async () => {
    const stream = items();
    // the core engine, fed the valid readings in order: what both nodes must send
    const engine = new WindowEngine({ windowMs: 1000, watermarkDelayMs: 500, mode: "append" });
    const expected: unknown[] = [];
    const expectedLate: unknown[] = [];
    const expectedRejected: number[] = [];
    stream.forEach((item, i) => {
      const r = parseReading(typeof item === "string" ? null : item);
      if (!r.ok || typeof item === "string") {
        expectedRejected.push(i);
        return;
      }
      const out = engine.add(r.value.reading, r.value.time);
      if (out.outcome === "late") expectedLate.push(item);
      else expected.push(...out.closed);
    });
    expected.push(...engine.flush());
    expect(expected.length).toBeGreaterThan(100);
    expect(expectedLate.length).toBeGreaterThan(20);

    const node = { type: "hs-windowed-stats", window: "1s", watermark: "500ms", idle: "300ms", sensors: "" };
    await helper.load(
      windowedStats,
      flowWithCatch([
        { id: "one", ...node, wires: [["oneResults"], ["oneLate"]] },
        { id: "many", ...node, wires: [["manyResults"], ["manyLate"]] },
        { id: "oneResults", type: "helper" },
        { id: "oneLate", type: "helper" },
        { id: "manyResults", type: "helper" },
        { id: "manyLate", type: "helper" },
      ]),
    );
    const oneResults = messages("oneResults", expected.length, 10_000);
    const manyResults = messages("manyResults", expected.length, 10_000);
    const oneLate = messages("oneLate", expectedLate.length, 10_000);
    const manyLate = collector("manyLate");
    const caught = collector("caught");
    feedOneAndMany(stream);

    expect(topicsAndPayloads(await manyResults)).toEqual(topicsAndPayloads(await oneResults));
    expect((await oneResults).map((m) => m.payload)).toEqual(expected);
    expect((await oneLate).map((m) => m.payload)).toEqual(expectedLate);
    // late readings: one message per batch that had any, holding that batch's late ones in order
    expect(manyLate.msgs.flatMap((m) => m.payload as unknown[])).toEqual(expectedLate);
    expect(manyLate.msgs.length).toBe(batchesHolding(expectedLate.map((r) => stream.indexOf(r))));
    for (const m of manyLate.msgs) expect(m.late).toEqual({ watermark: expect.any(String) });

    await caught.waitFor(expectedRejected.length + batchesHolding(expectedRejected));
    expect(rejectedBy(caught.msgs, "one")).toEqual(expectedRejected);
    expect(rejectedBy(caught.msgs, "many")).toEqual(expectedRejected);
  });

  it("light-presence gives for batches what it gives for the same readings one by one", async () => {
    const stream = items();
    const detector = new LightPresenceDetector({ graceMs: 0 });
    const expected: unknown[] = [];
    const expectedRejected: number[] = [];
    stream.forEach((item, i) => {
      const r = parseReading(typeof item === "string" ? null : item);
      if (!r.ok || typeof item === "string") expectedRejected.push(i);
      else expected.push(...detector.observe(r.value));
    });
    expect(expected.length).toBeGreaterThan(50);

    const node = { type: "hs-light-presence", grace: "0s", tick: "0s" };
    await helper.load(
      lightPresence,
      flowWithCatch([
        { id: "one", ...node, wires: [["oneEvents"]] },
        { id: "many", ...node, wires: [["manyEvents"]] },
        { id: "oneEvents", type: "helper" },
        { id: "manyEvents", type: "helper" },
      ]),
    );
    const oneEvents = messages("oneEvents", expected.length, 10_000);
    const manyEvents = messages("manyEvents", expected.length, 10_000);
    const caught = collector("caught");
    feedOneAndMany(stream);
    expect(topicsAndPayloads(await manyEvents)).toEqual(topicsAndPayloads(await oneEvents));
    expect((await oneEvents).map((m) => m.payload)).toEqual(expected);
    await caught.waitFor(expectedRejected.length + batchesHolding(expectedRejected));
    expect(rejectedBy(caught.msgs, "one")).toEqual(expectedRejected);
    expect(rejectedBy(caught.msgs, "many")).toEqual(expectedRejected);
  });

  it("sensor-sim sends the seeded stream in arrays of at most its batch size", async () => {
    const count = 1000;
    const size = 64;
    await helper.load(
      sensorSim,
      flowWithCatch([
        {
          id: "sim",
          type: "hs-sensor-sim",
          mode: "random",
          seed: 7,
          asap: true,
          count,
          batch: size,
          autoStart: false,
          wires: [["out"]],
        },
        { id: "out", type: "helper" },
      ]),
    );
    const received = itemsReceived("out", count);
    helper.getNode("sim").receive({ payload: "start" });
    const got = await received;
    // the runner yields every 500 readings, and a batch never waits across a yield
    expect(got.length).toBeGreaterThanOrEqual(Math.ceil(count / size));
    for (const m of got) {
      expect(m.topic).toBe("readings");
      expect((m.payload as unknown[]).length).toBeGreaterThan(0);
      expect((m.payload as unknown[]).length).toBeLessThanOrEqual(size);
    }
    const all = got.flatMap((m) => m.payload as unknown[]);
    await statusOf(
      "sim",
      (s) => s.fill === "grey" && s.shape === "dot" && s.text === "hs-sensor-sim.status.finished",
    );
    const shape = (r: { room: string; sensor_type: string; value: number }) => [
      r.room,
      r.sensor_type,
      r.value,
    ];
    const expected = [
      ...take(createSimulation({ scenario: "random", seed: 7, start: 0, rate: 1 }), count),
    ].map((e) => (e.kind === "reading" ? shape(e.reading) : []));
    expect(all.map((r) => shape(r as { room: string; sensor_type: string; value: number }))).toEqual(
      expected,
    );
    for (const r of all) expect(parseReading(r).ok).toBe(true);
  });

  it("sensor-sim never holds paced readings back to fill a batch", async () => {
    // 100 readings/s: one falls due every 10 ms; a batch of 1000 would take 10 s to fill
    await helper.load(
      sensorSim,
      flowWithCatch([
        {
          id: "sim",
          type: "hs-sensor-sim",
          mode: "random",
          seed: 3,
          rate: 100,
          count: 30,
          batch: 1000,
          autoStart: false,
          wires: [["out"]],
        },
        { id: "out", type: "helper" },
      ]),
    );
    const received = itemsReceived("out", 30);
    const started = Date.now();
    helper.getNode("sim").receive({ payload: "start" });
    const got = await received;
    // each reading went out when due, alone or with the few due with it: never all 30 together
    expect(got.length).toBeGreaterThan(1);
    expect(((got[0] as Msg).payload as unknown[]).length).toBeLessThan(30);
    expect(Date.now() - started).toBeLessThan(5000);
  });
});
