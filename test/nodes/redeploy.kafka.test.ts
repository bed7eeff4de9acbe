// Redeploying all seven node types 50 times against the real broker (producing, consuming in a
// group) leaves no timer, socket or file handle behind.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, it } from "vitest";
import { createKafkaClient } from "../../kafka/client.js";
import { kafka, noBroker, uniqueTopic } from "../kafka/helpers.js";
import { allNodes, busyFlow, resources, settledTo } from "./redeploy.js";
import { collector, helper } from "./runtime.js";

it.skipIf(noBroker)(
  "leaves no timers, sockets or file handles after 50 redeploys against a real broker",
  async () => {
    const dir = await mkdtemp(join(tmpdir(), "hs-redeploy-kafka-"));
    const topic = uniqueTopic("redeploy");
    const admin = createKafkaClient({ brokers: kafka.brokers, clientId: "redeploy-admin" });
    await admin.ensureTopic({ topic, partitions: 2 });
    const group = uniqueTopic("g");
    const flow = (seed: number) =>
      busyFlow({ brokers: kafka.brokers.join(","), topic, group, dir, produce: true, seed });
    try {
      const baseline = resources();
      await helper.load(allNodes, flow(0));
      for (let i = 1; i <= 50; i++) {
        await helper.setFlows(flow(i), "full");
        await collector("csv").waitFor(20, 10_000);
        // every tenth deploy, also wait for a record to come back through the consumer group
        if (i % 10 === 0) await collector("consumed").waitFor(1, 60_000);
      }
      await helper.unload();
      const grown = await settledTo(baseline, 15_000);
      expect(grown, `resources still open: ${JSON.stringify(Object.fromEntries(resources()))}`).toEqual([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  },
  600_000,
);
