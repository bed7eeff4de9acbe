// The ingest worker dying under the bridge: what it held is not acknowledged (devices send it again),
// messages in the gap are refused the same way, and a new worker takes over against the real Kafka.
import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { bridgeConfigSchema } from "../../bridge/config.js";
import { IngestThread } from "../../bridge/ingest-thread.js";
import { createLogger } from "../../bridge/logger.js";
import { BridgeMetrics } from "../../bridge/metrics.js";
import type { InboundMessage } from "../../bridge/records.js";
import { kafka, noBroker } from "../kafka/helpers.js";
import { reading, readTopic } from "./helpers.js";

const message = (seq: number): InboundMessage => ({
  topic: "home/kitchen/temperature",
  payload: Buffer.from(JSON.stringify(reading(seq, "kitchen"))),
  qos: 1,
  clientId: "crash-device",
  receivedAt: Date.now(),
});

describe.skipIf(noBroker)("the ingest worker thread", () => {
  it("fails what a crashed worker held and carries on with a new one", async () => {
    const dir = await mkdtemp(join(tmpdir(), "hs-worker-crash-"));
    process.env.HOMESTREAM_TEST_CRASH_MARKER = join(dir, "crashed");
    const topic = `test.worker.${randomUUID().slice(0, 8)}`;
    const config = bridgeConfigSchema.parse({ kafka: { brokers: [...kafka.brokers], topic } });
    const lines: string[] = [];
    const thread = new IngestThread({
      config,
      metrics: new BridgeMetrics(),
      log: createLogger("info", { write: (line: string) => void lines.push(line) }),
      workerScript: join(import.meta.dirname, "fixtures", "crash-once-worker.mjs"),
    });
    try {
      await thread.start();
      expect(await thread.reliable(message(1))).toBe(true);
      // The worker exits with this one in hand: not acknowledged, so the device sends it again.
      expect(await thread.reliable(message(2))).toBe(false);
      expect(thread.reachable()).toBe(false);
      // No worker for a moment: refused the same way, not queued without a bound.
      expect(await thread.reliable(message(3))).toBe(false);
      await vi.waitFor(() => expect(thread.reachable()).toBe(true), { timeout: 20_000 });
      expect(await thread.reliable(message(4))).toBe(true);
      const values = (await readTopic(kafka.brokers, topic, 2)).map(
        (r) => JSON.parse(r.value.toString()).value,
      );
      expect(values).toEqual([1, 4]);
      expect(lines.some((l) => l.includes("ingest worker stopped; starting a new one"))).toBe(true);
    } finally {
      await thread.close(5000);
      delete process.env.HOMESTREAM_TEST_CRASH_MARKER;
      await rm(dir, { recursive: true, force: true });
    }
  });
});
