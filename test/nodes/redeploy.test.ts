// Redeploying a busy flow with all seven node types 50 times leaves no timer, socket or file
// handle behind. The Kafka nodes point at a port where nothing listens, so they keep trying to
// connect (sockets, backoff timers) and must stop trying on close; the real-broker variant is
// redeploy.kafka.test.ts.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, it } from "vitest";
import { allNodes, busyFlow, resources, settledTo } from "./redeploy.js";
import { collector, helper } from "./runtime.js";

it("leaves no timers, sockets or file handles after 50 redeploys of all seven nodes", async () => {
  const dir = await mkdtemp(join(tmpdir(), "hs-redeploy-"));
  const flow = (seed: number) =>
    busyFlow({ brokers: "127.0.0.1:1", topic: "redeploy", group: "redeploy", dir, produce: false, seed });
  try {
    const baseline = resources();
    await helper.load(allNodes, flow(0));
    for (let i = 1; i <= 50; i++) {
      await helper.setFlows(flow(i), "full");
      // some traffic each time, so timers and files are in use when the flow stops (the
      // simulator starts 100 ms after deploy: the listener is in place before then)
      await collector("csv").waitFor(20, 10_000);
    }
    await helper.unload();
    const grown = await settledTo(baseline, 10_000);
    expect(grown, `resources still open: ${JSON.stringify(Object.fromEntries(resources()))}`).toEqual([]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}, 180_000);
