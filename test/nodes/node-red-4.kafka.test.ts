// Many installs still run Node-RED 4.1: it loads every node of this package (CommonJS from
// dist/) and each one passes a message, Kafka ones through the real broker.
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createKafkaClient } from "../../kafka/client.js";
import { kafka, noBroker, uniqueTopic } from "../kafka/helpers.js";
import { type EmbeddedRed, startRed } from "./embedded.js";
import { OUR_TYPES } from "./our-nodes.js";

const TYPES = OUR_TYPES;

describe.skipIf(noBroker)("Node-RED 4.1", () => {
  let red: EmbeddedRed;
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "hs-nr4-"));
    red = await startRed("node-red-4");
  }, 60_000);

  afterAll(async () => {
    await red?.deploy([]).catch(() => undefined);
    await red?.stop();
    await rm(dir, { recursive: true, force: true });
  }, 60_000);

  it("runs version 4.1 and registers all seven types without an error", async () => {
    expect(red.version).toMatch(/^v?4\.1\./);
    const res = await fetch(`${red.url}/nodes`, { headers: { Accept: "application/json" } });
    const sets = (await res.json()) as { types: string[]; enabled: boolean; err?: string; module: string }[];
    const ours = sets.filter((s) => s.module === "@homestream/node-red-smart-home");
    expect(ours.flatMap((s) => s.types).sort()).toEqual([...TYPES].sort());
    for (const s of ours) {
      expect(s.err).toBeUndefined();
      expect(s.enabled).toBe(true);
    }
  });

  it("passes a message through each node", async () => {
    const topic = uniqueTopic("nr4");
    await createKafkaClient({ brokers: kafka.brokers, clientId: "nr4-admin" }).ensureTopic({
      topic,
      partitions: 1,
    });
    const at = (x: number, y: number) => ({ z: "tab", x, y });
    const csv = (id: string, path: string) => ({
      id,
      type: "hs-csv-writer",
      ...at(700, 100),
      baseDir: dir,
      path,
      wires: [[]],
    });
    const reading = (sensor: string, value: number) =>
      JSON.stringify({
        room: "kitchen",
        sensor_type: sensor,
        value,
        timestamp: new Date().toISOString(),
        device_id: `k_${sensor}`,
      });
    await red.deploy([
      { id: "tab", type: "tab", label: "Node-RED 4.1" },
      { id: "broker", type: "hs-kafka-broker", brokers: kafka.brokers.join(","), clientId: "nr4" },
      {
        id: "sim",
        type: "hs-sensor-sim",
        ...at(100, 100),
        mode: "random",
        seed: 4,
        rate: 200,
        count: 50,
        autoStart: true,
        wires: [["stats", "out", "simCsv"]],
      },
      csv("simCsv", "sim.csv"),
      {
        id: "stats",
        type: "hs-windowed-stats",
        ...at(300, 100),
        window: "1s",
        sensors: "",
        idle: "300ms",
        wires: [["statsCsv"], []],
      },
      csv("statsCsv", "stats.csv"),
      {
        id: "presence",
        type: "inject",
        ...at(100, 200),
        props: [{ p: "payload" }],
        payload: reading("presence", 0),
        payloadType: "json",
        once: true,
        onceDelay: 0.1,
        repeat: "",
        wires: [["detect"]],
      },
      {
        id: "light",
        type: "inject",
        ...at(100, 240),
        props: [{ p: "payload" }],
        payload: reading("light", 1),
        payloadType: "json",
        once: true,
        onceDelay: 0.2,
        repeat: "",
        wires: [["detect"]],
      },
      { id: "detect", type: "hs-light-presence", ...at(300, 220), wires: [["eventsCsv"]] },
      csv("eventsCsv", "events.csv"),
      { id: "out", type: "hs-kafka-out", ...at(300, 300), broker: "broker", topic, wires: [] },
      {
        id: "in",
        type: "hs-kafka-in",
        ...at(100, 360),
        broker: "broker",
        topics: topic,
        group: uniqueTopic("g"),
        start: "earliest",
        wires: [["kafkaCsv"], []],
      },
      csv("kafkaCsv", "kafka.csv"),
    ]);
    const rows = async (file: string) =>
      existsSync(join(dir, file))
        ? (await readFile(join(dir, file), "utf8")).trim().split("\n").length - 1
        : 0;
    const counts: Record<string, number> = {};
    // the files are the nodes' output: wait until each has its rows (or the deadline passes)
    const deadline = Date.now() + 60_000;
    for (;;) {
      for (const f of ["sim.csv", "stats.csv", "events.csv", "kafka.csv"]) counts[f] = await rows(f);
      if ((counts["sim.csv"] === 50 && Object.values(counts).every((n) => n > 0)) || Date.now() > deadline)
        break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(counts["sim.csv"]).toBe(50);
    expect(counts["stats.csv"]).toBeGreaterThan(0);
    expect(counts["events.csv"]).toBe(1);
    expect(counts["kafka.csv"]).toBeGreaterThan(0);
    expect(await readFile(join(dir, "events.csv"), "utf8")).toMatch(/^event,room,since,detected_at/);
  }, 120_000);
});
