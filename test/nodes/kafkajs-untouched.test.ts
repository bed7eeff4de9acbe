// In a user's Node-RED, kafkajs is shared with other palette packages (their Kafka nodes depend on
// kafkajs ^2.2.4), so our nodes must leave it as published: the speed-ups of kafka/kafkajs-patches.ts
// are applied only by processes the app owns. Here our nodes load into a real Node-RED first, a
// kafka-out node runs, and then code that uses kafkajs directly finds every internal the speed-ups
// would replace untouched. The second part shows the check can fail: applying the speed-ups is seen.
import { createRequire } from "node:module";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type EmbeddedRed, startRed } from "./embedded.js";

const require = createRequire(import.meta.url);
const MARK = Symbol.for("homestream.kafkajs-speedup");
const src = "kafkajs/src/";

function replaced(): string[] {
  const internals: Record<string, unknown> = {
    groupMessagesPerPartition: require(`${src}producer/groupMessagesPerPartition.js`),
    produceRequestV3: require(`${src}protocol/requests/produce/v3/request.js`),
    scheduleCheckPendingRequests: (
      require(`${src}network/requestQueue/index.js`) as {
        prototype: { scheduleCheckPendingRequests: unknown };
      }
    ).prototype.scheduleCheckPendingRequests,
  };
  return Object.entries(internals)
    .filter(([, f]) => typeof f !== "function" || MARK in (f as object) || "original" in (f as object))
    .map(([name]) => name);
}

describe("kafkajs beside our nodes in a real Node-RED", () => {
  let red: EmbeddedRed;
  const before = new Set(Object.keys(require.cache));

  beforeAll(async () => {
    expect([...before].some((m) => m.includes(`${"node_modules"}/kafkajs/`))).toBe(false);
    red = await startRed("node-red");
  }, 60_000);

  afterAll(async () => {
    await red?.deploy([]);
    await red?.stop();
  }, 60_000);

  it("our nodes load kafkajs and leave its internals as published", async () => {
    await red.deploy([
      { id: "t", type: "tab", label: "kafka" },
      { id: "b", type: "hs-kafka-broker", brokers: "127.0.0.1:1", clientId: "untouched" },
      {
        id: "o",
        type: "hs-kafka-out",
        z: "t",
        broker: "b",
        topic: "home_sensors",
        x: 100,
        y: 100,
        wires: [[]],
      },
    ]);
    // The nodes' own copy of the Kafka layer required kafkajs (the same module this file requires).
    expect(Object.keys(require.cache).some((m) => m.includes("/kafkajs/src/producer/"))).toBe(true);
    expect(replaced()).toEqual([]);
    // kafkajs used directly still works as published.
    const { Kafka } = require("kafkajs") as typeof import("kafkajs");
    expect(typeof new Kafka({ brokers: ["127.0.0.1:1"] }).producer).toBe("function");
  });

  it("would see the speed-ups if something applied them (the check can fail)", async () => {
    const { applyKafkajsSpeedups } = await import("../../kafka/kafkajs-patches.js");
    applyKafkajsSpeedups();
    // kafkajs's producer was loaded before, so its grouping stays; the rest is replaced and seen.
    expect(replaced()).toContain("scheduleCheckPendingRequests");
    expect(replaced()).not.toContain("groupMessagesPerPartition");
  });
});
