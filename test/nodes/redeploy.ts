// Shared by the redeploy tests: a flow with all seven node types, busy (the simulator feeding
// the others, files being written, timers running), and a count of the process's handles.

import csvWriter from "../../nodes/csv-writer/csv-writer.js";
import kafkaBroker from "../../nodes/kafka-broker/kafka-broker.js";
import kafkaIn from "../../nodes/kafka-in/kafka-in.js";
import kafkaOut from "../../nodes/kafka-out/kafka-out.js";
import lightPresence from "../../nodes/light-presence/light-presence.js";
import sensorSim from "../../nodes/sensor-sim/sensor-sim.js";
import windowedStats from "../../nodes/windowed-stats/windowed-stats.js";
import { flowWithCatch } from "./runtime.js";

export const allNodes = [sensorSim, kafkaBroker, kafkaOut, kafkaIn, windowedStats, lightPresence, csvWriter];

export interface BusyFlowOptions {
  brokers: string;
  topic: string;
  group: string;
  dir: string;
  /** Wire the simulator into kafka-out (only with a reachable broker: close waits for delivery). */
  produce: boolean;
  seed: number;
}

export function busyFlow(o: BusyFlowOptions): Record<string, unknown>[] {
  return flowWithCatch([
    { id: "broker", type: "hs-kafka-broker", config: true, brokers: o.brokers, clientId: "redeploy-test" },
    {
      id: "sim",
      type: "hs-sensor-sim",
      mode: "random",
      seed: o.seed,
      rate: 500,
      wires: [["stats", "detect", "csv", ...(o.produce ? ["out"] : [])]],
    },
    {
      id: "stats",
      type: "hs-windowed-stats",
      window: "1s",
      mode: "update",
      trigger: "20ms",
      idle: "50ms",
      wires: [["csv"], ["csv"]],
    },
    {
      id: "detect",
      type: "hs-light-presence",
      grace: "100ms",
      reminder: "50ms",
      presenceMaxAge: "1s",
      wires: [["csv"]],
    },
    {
      id: "csv",
      type: "hs-csv-writer",
      baseDir: o.dir,
      path: "{date}/out-{HH}.csv",
      rotation: "size",
      maxSizeMb: 0.01,
      wires: [[]],
    },
    { id: "out", type: "hs-kafka-out", broker: "broker", topic: o.topic, wires: [] },
    {
      id: "in",
      type: "hs-kafka-in",
      broker: "broker",
      topics: o.topic,
      group: o.group,
      wires: [["csv", "consumed"], []],
    },
    { id: "consumed", type: "helper" },
  ]);
}

/** Active handles and requests by kind (Timeout, TCPSocketWrap, FileHandle, ...). */
export function resources(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const r of process.getActiveResourcesInfo()) counts.set(r, (counts.get(r) ?? 0) + 1);
  return counts;
}

/** Kinds with more active resources now than in `baseline`, as "Kind: before -> now". */
export function growth(baseline: Map<string, number>): string[] {
  const out: string[] = [];
  for (const [kind, n] of resources()) {
    const before = baseline.get(kind) ?? 0;
    if (n > before) out.push(`${kind}: ${before} -> ${n}`);
  }
  return out;
}

/** Resolves once nothing has grown past `baseline` (closing sockets and files takes a few ticks). */
export async function settledTo(baseline: Map<string, number>, timeoutMs: number): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const grown = growth(baseline);
    if (grown.length === 0 || Date.now() > deadline) return grown;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
