// homestream_bridge_kafka_reachable as a Prometheus scrape sees it, with nobody asking /healthz: 1 while
// readings flow into Kafka, 0 once Kafka is killed, 1 again when it is back. With the Kafka side in the
// ingest worker (the default) and in the bridge's own thread.
import { randomUUID } from "node:crypto";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { freePort, killBroker, startBroker, stateRoot, stopBroker } from "../../scripts/kafka/broker.mjs";
import { kafka, noBroker } from "../kafka/helpers.js";
import { requirePrerequisite } from "../setup/prerequisite.js";
import { connect, startTestBridge, type TestBridge } from "./helpers.js";

/** One sample (no labels) from the bridge's /metrics, scraped over HTTP. */
async function scrape(t: TestBridge, name: string): Promise<number> {
  const a = t.bridge.addresses().metrics;
  if (!a) throw new Error("no metrics listener");
  const text = await (await fetch(`http://127.0.0.1:${a.port}/metrics`)).text();
  const m = new RegExp(`^${name} (\\S+)$`, "m").exec(text);
  if (!m) throw new Error(`${name} is not in /metrics`);
  return Number(m[1]);
}

async function scrapeUntil(t: TestBridge, name: string, wanted: (v: number) => boolean, what: string) {
  const deadline = Date.now() + 30_000;
  let last = Number.NaN;
  while (Date.now() < deadline) {
    last = await scrape(t, name);
    if (wanted(last)) return last;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`timed out waiting for ${what}; ${name} is ${last}`);
}

const runs =
  !noBroker &&
  requirePrerequisite(
    "kafka-broker-starts",
    kafka.canStartBrokers,
    kafka.brokerStartsMissing ?? "java and mvn on PATH, to start a broker of its own",
  );

describe.runIf(runs)("/metrics reports Kafka reachability by itself", () => {
  let dir: string | undefined;
  let t: TestBridge | undefined;
  afterEach(async () => {
    await t?.bridge.stop();
    t = undefined;
    if (dir) await stopBroker({ dir });
    dir = undefined;
  });

  it.each([
    ["in the ingest worker", true],
    ["in the bridge thread", false],
  ])("with the Kafka side %s", { timeout: 120_000 }, async (_where, worker) => {
    dir = path.join(stateRoot, `vitest-${process.pid}-reachable-${randomUUID().slice(0, 6)}`);
    const broker = await startBroker({ dir, port: await freePort(), heap: "384m" });
    t = await startTestBridge([broker.bootstrap], {
      kafka: { worker, probeIntervalMs: 300 },
      metrics: { port: 0 },
    });
    const client = await connect(t.url);
    for (let i = 0; i < 20; i++)
      await client.publishAsync("home/kitchen/temperature", String(20 + i / 10), { qos: 1 });
    // Readings acknowledged by Kafka: the gauge must say so without /healthz having been asked.
    expect(await scrape(t, "homestream_bridge_readings_forwarded_total")).toBe(20);
    await scrapeUntil(t, "homestream_bridge_kafka_reachable", (v) => v === 1, "reachable 1");

    await killBroker({ dir });
    await scrapeUntil(t, "homestream_bridge_kafka_reachable", (v) => v === 0, "reachable 0 after the kill");

    await startBroker({ dir, heap: "384m" });
    await scrapeUntil(
      t,
      "homestream_bridge_kafka_reachable",
      (v) => v === 1,
      "reachable 1 once Kafka is back",
    );
    await client.publishAsync("home/kitchen/temperature", "21", { qos: 1 });
    expect(await scrape(t, "homestream_bridge_readings_forwarded_total")).toBe(21);
    await client.endAsync();
  });
});
