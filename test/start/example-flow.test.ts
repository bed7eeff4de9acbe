// The full-pipeline example flows (flows/smart-home-*.json) are well-formed Node-RED flows made of
// core nodes, ours and the dashboard's, and adaptFlow points them at a run's brokers and data dir.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ANOMALIES_DIR, adaptFlow, EXAMPLE_FILES } from "../../start/example-flow.js";
import type { FlowNode } from "../../start/node-red-api.js";

const ROOT = path.resolve(__dirname, "..", "..");
const pkg = (dir: string) => JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8"));

function coreTypes(): Set<string> {
  const types = new Set(["tab", "group", "subflow"]);
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith(".html"))
        for (const m of readFileSync(p, "utf8").matchAll(/registerType\(\s*['"]([^'"]+)['"]/g))
          types.add(m[1] as string);
    }
  };
  walk(path.join(ROOT, "node_modules", "@node-red", "nodes", "core"));
  return types;
}

const allowed = new Set([
  ...coreTypes(),
  ...Object.keys(pkg(path.join(ROOT, "nodes"))["node-red"].nodes),
  ...Object.keys(pkg(path.join(ROOT, "node_modules", "@flowfuse", "node-red-dashboard"))["node-red"].nodes),
]);

// Every example `homestream start --flow` offers; a file that cannot be read fails its suite.
const flows = Object.entries(EXAMPLE_FILES).map(
  ([name, file]) => [name, path.join(ROOT, "flows", file)] as const,
);

it("has the two examples `homestream start --flow` offers", () => {
  expect(flows.map(([name]) => name)).toEqual(["local", "kafka"]);
});

describe.each(flows)("the %s example", (_name, file) => {
  const nodes = JSON.parse(readFileSync(file, "utf8")) as FlowNode[];
  const byId = new Map(nodes.map((n) => [n.id, n]));

  it("has unique ids, one tab, and a comment node first that says what it shows", () => {
    expect(byId.size).toBe(nodes.length);
    const tabs = nodes.filter((n) => n.type === "tab");
    expect(tabs).toHaveLength(1);
    const first = nodes.find((n) => n.type !== "tab");
    expect(first?.type).toBe("comment");
    expect(String(first?.info ?? "").length).toBeGreaterThan(200);
  });

  it("uses only core nodes, ours and the dashboard's", () => {
    for (const n of nodes) expect(allowed, `${n.id} type ${n.type}`).toContain(n.type);
  });

  it("references only nodes it contains (wires, tab, group, config nodes)", () => {
    const tab = nodes.find((n) => n.type === "tab")?.id;
    for (const n of nodes) {
      if (n.z !== undefined) expect(n.z, `${n.id}.z`).toBe(tab);
      if (n.g !== undefined) expect(byId.get(n.g as string)?.type, `${n.id}.g`).toBe("group");
      for (const out of (n.wires as string[][] | undefined) ?? [])
        for (const target of out) expect(byId.has(target), `${n.id} wired to ${target}`).toBe(true);
      for (const key of ["broker", "group", "page", "ui", "theme"]) {
        const ref = n[key];
        if (typeof ref === "string" && /^[0-9a-f]{16}$/.test(ref))
          expect(byId.has(ref), `${n.id}.${key}`).toBe(true);
      }
    }
    for (const g of nodes.filter((n) => n.type === "group"))
      for (const member of g.nodes as string[]) expect(byId.get(member)?.g).toBe(g.id);
  });

  it("writes anomalies under data/output/anomalies and keeps no credentials", () => {
    const csv = nodes.filter((n) => n.type === "hs-csv-writer");
    expect(csv.length).toBeGreaterThan(0);
    for (const n of csv) expect(n.baseDir).toBe("data/output/anomalies");
    for (const n of nodes) expect(n.credentials).toBeUndefined();
  });
});

describe("adaptFlow", () => {
  const example: FlowNode[] = [
    { id: "b", type: "mqtt-broker", broker: "localhost", port: "1883" },
    { id: "c", type: "hs-csv-writer", z: "t", baseDir: "data/output/anomalies" },
    { id: "k", type: "hs-kafka-broker", brokers: "localhost:9092" },
    { id: "i", type: "hs-kafka-in", z: "t", topics: "home_sensors" },
    { id: "o", type: "hs-kafka-out", z: "t", topic: "home_sensors" },
    { id: "f", type: "function", z: "t", func: "return msg;" },
  ];

  it("points the flow at this run's broker, data dir and Kafka, without touching the input", () => {
    const before = structuredClone(example);
    const out = adaptFlow(example, {
      mqtt: { host: "127.0.0.1", port: 41883, username: "homestream-flow", password: "s3" },
      kafkaBrokers: ["10.0.0.5:9092", "10.0.0.6:9092"],
      kafkaTopic: "house_a",
    });
    expect(example).toEqual(before);
    expect(out[0]).toMatchObject({
      broker: "127.0.0.1",
      port: "41883",
      credentials: { user: "homestream-flow", password: "s3" },
    });
    expect(out[1]?.baseDir).toBe(ANOMALIES_DIR);
    expect(out[2]?.brokers).toBe("10.0.0.5:9092,10.0.0.6:9092");
    expect(out[3]?.topics).toBe("house_a");
    expect(out[4]?.topic).toBe("house_a");
    expect(out[5]).toEqual(example[5]);
  });

  it("leaves the example's Kafka brokers when none are given", () => {
    const out = adaptFlow(example, {
      mqtt: { host: "127.0.0.1", port: 1883 },
      kafkaBrokers: [],
      kafkaTopic: "home_sensors",
    });
    expect(out[2]?.brokers).toBe("localhost:9092");
    expect(out[0]?.credentials).toBeUndefined();
  });
});
