// The example flow a first start deploys (flows/ of the app: it uses the dashboard, which only the app
// ships), adapted to this run's broker addresses and data directory. Everything else stays as the
// file has it.
import { readFile } from "node:fs/promises";
import path from "node:path";
import type { FlowNode } from "./node-red-api.js";
import type { FlowChoice } from "./options.js";

/** The file under flows/ each choice deploys. */
export const EXAMPLE_FILES: Record<Exclude<FlowChoice, "none">, string> = {
  local: "smart-home-local.json",
  kafka: "smart-home-kafka.json",
};

/** csv-writer base directory, relative to Node-RED's file working directory (the data dir). */
export const ANOMALIES_DIR = path.join("output", "anomalies");

export interface FlowAdaptation {
  /** Where the flow's MQTT client connects (the embedded broker). */
  mqtt: { host: string; port: number; username?: string; password?: string };
  /** Kafka brokers for the flow's kafka-broker config nodes; empty leaves the example's. */
  kafkaBrokers: readonly string[];
  /** Kafka topic for the flow's kafka-in and kafka-out nodes. */
  kafkaTopic: string;
}

export async function readExampleFlow(
  packageRoot: string,
  choice: Exclude<FlowChoice, "none">,
): Promise<FlowNode[]> {
  const file = path.join(packageRoot, "flows", EXAMPLE_FILES[choice]);
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    throw new Error(`example flow ${file}: ${(err as Error).message}`);
  }
  const nodes = JSON.parse(text) as unknown;
  if (!Array.isArray(nodes) || !nodes.every((n) => typeof n?.id === "string" && typeof n?.type === "string"))
    throw new Error(`example flow ${file}: not a Node-RED flow (an array of nodes)`);
  return nodes as FlowNode[];
}

/** A copy of `nodes` pointed at this run's brokers and data directory. Pure. */
export function adaptFlow(nodes: readonly FlowNode[], a: FlowAdaptation): FlowNode[] {
  return nodes.map((original) => {
    const n: FlowNode = structuredClone(original);
    switch (n.type) {
      case "mqtt-broker":
        n.broker = a.mqtt.host;
        n.port = String(a.mqtt.port);
        if (a.mqtt.username !== undefined)
          n.credentials = { user: a.mqtt.username, password: a.mqtt.password ?? "" };
        break;
      case "hs-csv-writer":
        n.baseDir = ANOMALIES_DIR;
        break;
      case "hs-kafka-broker":
        if (a.kafkaBrokers.length > 0) n.brokers = a.kafkaBrokers.join(",");
        break;
      case "hs-kafka-in":
        n.topics = a.kafkaTopic;
        break;
      case "hs-kafka-out":
        n.topic = a.kafkaTopic;
        break;
    }
    return n;
  });
}
