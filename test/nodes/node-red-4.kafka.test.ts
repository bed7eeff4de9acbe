// Many installs still run Node-RED 4.1: it loads every node of this package (CommonJS from
// dist/) and each one passes a message, Kafka ones through the real broker.
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "csv-parse/sync";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
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
    type Row = Record<string, string>;
    const read = async (file: string): Promise<Row[]> =>
      existsSync(join(dir, file)) ? parse(await readFile(join(dir, file), "utf8"), { columns: true }) : [];
    const files = ["sim.csv", "stats.csv", "events.csv", "kafka.csv"] as const;
    const snapshot = async () =>
      Object.fromEntries(await Promise.all(files.map(async (f) => [f, await read(f)])));
    // The files are the nodes' output: wait until the simulator's 50 readings came back from Kafka and
    // the last window closed (its rows count every reading), then keep reading a while: nothing more
    // (a duplicate, a window emitted twice) may arrive.
    const countIn = (rows: Row[]) => rows.reduce((n, r) => n + Number(r.count), 0);
    let got: Record<string, Row[]> = {};
    await vi.waitFor(
      async () => {
        got = await snapshot();
        expect(got["kafka.csv"]).toHaveLength(50);
        expect(countIn(got["stats.csv"] ?? [])).toBe(50);
        expect(got["events.csv"]).toHaveLength(1);
      },
      { timeout: 60_000, interval: 100 },
    );
    const settled = await new Promise<Record<string, Row[]>>((resolve) =>
      setTimeout(() => resolve(snapshot()), 1500),
    );
    expect(Object.fromEntries(files.map((f) => [f, settled[f]?.length]))).toEqual(
      Object.fromEntries(files.map((f) => [f, got[f]?.length])),
    );

    const sim = got["sim.csv"] ?? [];
    expect(sim).toHaveLength(50);
    const fields = (r: Row) => [r.timestamp, r.room, r.sensor_type, r.device_id, r.value].join("|");
    // Kafka gave back exactly the simulator's readings: each once.
    expect((got["kafka.csv"] ?? []).map(fields).sort()).toEqual(sim.map(fields).sort());
    // One row per room, sensor type and 1 s window the readings fall in.
    const windows = new Set(
      sim.map((r) => `${r.room}|${r.sensor_type}|${Math.floor(Date.parse(r.timestamp as string) / 1000)}`),
    );
    expect(got["stats.csv"]).toHaveLength(windows.size);
    expect(got["events.csv"]?.[0]).toMatchObject({ event: "anomaly_start", room: "kitchen" });
  }, 120_000);
});
