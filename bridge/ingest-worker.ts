// The ingest worker: the Kafka side of the bridge (validation, records, delivery, the producer) in a
// thread of its own, so that it and the MQTT broker each have a core. The bridge thread sends packed
// messages (ingest-wire.ts) and gets back, per message, what the device may be told. Started by
// IngestThread (ingest-thread.ts); workerData is the validated bridge configuration.
import { parentPort, workerData } from "node:worker_threads";
import { pino } from "pino";
import type { BridgeConfig } from "./config.js";
import { type FromWorker, type ToWorker, unpackMessages, type WorkerCall } from "./ingest-wire.js";
import { configuredSink, type KafkaSide, startKafkaSide } from "./kafka-side.js";
import { BridgeMetrics } from "./metrics.js";

if (!parentPort) throw new Error("ingest-worker.js runs as a worker thread (see ingest-thread.ts)");
const port = parentPort;

const config = workerData as BridgeConfig;
const post = (m: FromWorker, transfer?: ArrayBuffer[]) => port.postMessage(m, transfer ?? []);
// Log lines go to the bridge thread's logger, which writes them (or hands them to a host's logger).
const log = pino(
  { name: "homestream-bridge", level: config.logLevel, base: { thread: "ingest" } },
  { write: (line: string) => post({ log: line }) },
);
const metrics = new BridgeMetrics();

let acks: number[] = [];
let qos0Done = 0;
let reportScheduled = false;
function report(): void {
  reportScheduled = false;
  if (acks.length === 0 && qos0Done === 0) return;
  const out = Int32Array.from(acks);
  post({ acks: out, qos0: qos0Done }, [out.buffer as ArrayBuffer]);
  acks = [];
  qos0Done = 0;
}
function scheduleReport(): void {
  if (reportScheduled) return;
  reportScheduled = true;
  setImmediate(report);
}
const bestEffortDone = () => {
  qos0Done++;
  scheduleReport();
};

async function answer(side: KafkaSide, call: WorkerCall): Promise<unknown> {
  switch (call.op) {
    case "drain":
      return {
        settled: side.delivery ? await side.delivery.drain(call.timeoutMs) : true,
        pending: side.delivery?.pending ?? 0,
      };
    case "abandon":
      side.delivery?.abandon();
      report(); // the outcomes abandon() just settled go out before the reply
      return true;
    case "metrics":
      return metrics.registry.getMetricsAsJSON();
    case "close":
      clearInterval(watch);
      await side.sink?.close(call.timeoutMs);
      report();
      return metrics.registry.getMetricsAsJSON();
  }
}

let watch: NodeJS.Timeout | undefined;

async function main(): Promise<void> {
  const side = await startKafkaSide(config, configuredSink(config, log), metrics, log);
  let reachable: boolean | undefined;
  const checkReachable = () => {
    const now = side.sink?.reachable() ?? false;
    if (now !== reachable) post({ reachable: now });
    reachable = now;
  };
  checkReachable();
  watch = setInterval(checkReachable, 250);

  port.on("message", (m: ToWorker) => {
    if ("batch" in m) {
      unpackMessages(m.batch, (seq, msg) => {
        if (msg.qos === 0) {
          const waiting = side.ingest.bestEffort(msg);
          if (waiting) waiting.then(bestEffortDone);
          else bestEffortDone();
          return;
        }
        side.ingest.reliable(msg).then(
          (delivered) => {
            acks.push(delivered ? seq : -seq);
            scheduleReport();
          },
          (err: Error) => {
            log.error(
              { err: err.message, topic: msg.topic },
              "ingest failed; the device is not acknowledged",
            );
            acks.push(-seq);
            scheduleReport();
          },
        );
      });
      return;
    }
    answer(side, m as WorkerCall & { call: number }).then(
      (value) => post({ reply: m.call, value }),
      (err: Error) => post({ reply: m.call, value: { error: err.message } }),
    );
  });
  post({ ready: true });
}

main().catch((err: Error) => {
  post({ failed: err.message });
  // Nothing here answers the bridge thread now: end, rather than linger with a producer retrying.
  setTimeout(() => process.exit(1), 100);
});
