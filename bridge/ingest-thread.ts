// The bridge thread's side of the ingest worker (ingest-worker.ts). It stands in for Ingest: messages are
// packed (ingest-wire.ts) and sent once per turn of the event loop; QoS 1/2 promises settle when the
// worker reports what Kafka did with their records. Parsing, validating and producing then use a core
// of their own while this thread runs the MQTT broker: the bridge's throughput no longer stops at
// what one core does for both.
//
// QoS 0 keeps its bound: at most `qos0Buffer` messages are with the worker (in the post, or waiting
// there for room in its best-effort buffer). Beyond that, a message waits here, holding its sender's
// connection as Ingest does, until the worker reports room: it always does within its qos0WaitMs,
// by handing messages over or dropping them.
import path from "node:path";
import { Worker } from "node:worker_threads";
import { kafkajsSpeedupsApplied } from "@homestream/kafka/kafkajs-patches";
import Denque from "denque";
import type { MetricObjectWithValues, MetricValue } from "prom-client";
import type { BridgeConfig } from "./config.js";
import type { IngestPort } from "./ingest.js";
import { type FromWorker, MessagePacker, type WorkerCall } from "./ingest-wire.js";
import { SPEEDUPS_FLAG } from "./ingest-worker-flags.js";
import type { Logger } from "./logger.js";
import type { BridgeMetrics } from "./metrics.js";
import type { InboundMessage } from "./records.js";

export type MetricsJson = MetricObjectWithValues<MetricValue<string>>[];

export interface IngestThreadOptions {
  config: BridgeConfig;
  /** This thread's metrics: QoS 0 messages dropped here are counted in them. */
  metrics: BridgeMetrics;
  log: Logger;
  /** The worker script; default the compiled ingest-worker.js (tests wrap it to make it fail). */
  workerScript?: string;
}

interface Waiter {
  msg: InboundMessage;
  resolve(): void;
}

/** The worker's young generation, MB (V8 keeps it at three semi-spaces: 16 MB of them usable). */
const WORKER_YOUNG_GENERATION_MB = 24;
/** Flush a batch early once it holds this many bytes. */
const BATCH_BYTES = 1 << 20;
/** pino's numeric levels. */
const LEVEL_NAMES: Record<number, "trace" | "debug" | "info" | "warn" | "error" | "fatal"> = {
  10: "trace",
  20: "debug",
  30: "info",
  40: "warn",
  50: "error",
  60: "fatal",
};

/**
 * The worker script (its entry, which loads ingest-worker.js). Compiled, it sits next to this file; run from the TypeScript sources (the test
 * runner), the build's copy is used: `npm test` builds first.
 */
function workerScript(): string {
  const name = "ingest-worker-entry.js";
  return __filename.endsWith(".js") ? path.join(__dirname, name) : path.join(__dirname, "dist", name);
}

/** `execArgv` without the "source" export condition (`--conditions source`, `--conditions=source`, `-C source`). */
const V8_HEAP_FLAG =
  /^--(no-)?(optimize[-_]for[-_]size|max[-_]semi[-_]space[-_]size|max[-_]old[-_]space[-_]size)\b/;

function compiledConditions(execArgv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < execArgv.length; i++) {
    const arg = execArgv[i] as string;
    if (arg === "--conditions=source" || arg === "-C=source") continue;
    // V8's heap flags (homestream bridge sets them, cli/memory-flags.ts) are the process's: a worker
    // given them in its execArgv refuses to start.
    if (V8_HEAP_FLAG.test(arg)) continue;
    if ((arg === "--conditions" || arg === "-C") && execArgv[i + 1] === "source") {
      i++;
      continue;
    }
    out.push(arg);
  }
  return out;
}

export class IngestThread implements IngestPort {
  #worker: Worker | undefined;
  #state: "new" | "running" | "closing" | "closed" = "new";
  #packer = new MessagePacker();
  #flushScheduled = false;
  #seq = 0;
  /** QoS 1/2 messages with the worker, by sequence number. */
  #pending = new Map<number, (delivered: boolean) => void>();
  #qos0WithWorker = 0;
  #waiters = new Denque<Waiter>();
  #calls = new Map<number, (value: unknown) => void>();
  #nextCall = 1;
  #reachable = false;
  #lastMetrics: MetricsJson = [];
  #restartTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: IngestThreadOptions) {}

  /** Starts the worker; resolves once its Kafka side is up (Kafka itself may still be unreachable). */
  async start(): Promise<void> {
    await this.#spawn();
    this.#state = "running";
  }

  /** True while the worker reports Kafka reachable. */
  reachable(): boolean {
    return this.#reachable;
  }

  /** QoS 1/2 messages the worker has not reported on yet. */
  get pending(): number {
    return this.#pending.size;
  }

  reliable(msg: InboundMessage): Promise<boolean> {
    if (this.#state !== "running" || !this.#worker) return Promise.resolve(false);
    // 1 .. 2^31-1: the worker answers with the number, negated when the records did not make it.
    this.#seq = this.#seq >= 0x7fffffff ? 1 : this.#seq + 1;
    const seq = this.#seq;
    return new Promise((resolve) => {
      this.#pending.set(seq, resolve);
      this.#add(seq, msg);
    });
  }

  bestEffort(msg: InboundMessage): Promise<void> | undefined {
    if (this.#state !== "running" || !this.#worker) {
      this.#drop();
      return undefined;
    }
    if (this.#waiters.length === 0 && this.#qos0WithWorker < this.options.config.qos0Buffer) {
      this.#qos0WithWorker++;
      this.#add(0, msg);
      return undefined;
    }
    return new Promise((resolve) => this.#waiters.push({ msg, resolve }));
  }

  /** Waits (at most `timeoutMs`) until Kafka has settled every QoS 1/2 message; true when it did. */
  async drain(timeoutMs: number): Promise<{ settled: boolean; pending: number }> {
    const r = (await this.#call({ op: "drain", timeoutMs })) as
      | { settled: boolean; pending: number }
      | undefined;
    return r ?? { settled: this.#pending.size === 0, pending: this.#pending.size };
  }

  /** Gives up on what Kafka has not acknowledged: those devices are told nothing, and send again. */
  async abandon(): Promise<void> {
    await this.#call({ op: "abandon" });
    this.#failAll();
  }

  /** The worker's metrics (for /metrics); after close(), its last ones. */
  async metrics(): Promise<MetricsJson> {
    if (this.#state !== "running") return this.#lastMetrics;
    return ((await this.#call({ op: "metrics" })) as MetricsJson | undefined) ?? this.#lastMetrics;
  }

  /** Flushes the producer (at most `timeoutMs`) and ends the worker. */
  async close(timeoutMs: number): Promise<void> {
    if (this.#state === "closed") return;
    this.#state = "closing";
    clearTimeout(this.#restartTimer);
    const worker = this.#worker;
    if (worker) {
      const last = (await this.#call({ op: "close", timeoutMs })) as MetricsJson | undefined;
      if (Array.isArray(last)) this.#lastMetrics = last;
      this.#worker = undefined;
      await worker.terminate();
    }
    this.#failAll();
    this.#state = "closed";
  }

  #spawn(): Promise<void> {
    const worker = new Worker(this.options.workerScript ?? workerScript(), {
      workerData: this.options.config,
      // The worker follows this process's choice about kafkajs (see ingest-worker-entry.ts).
      argv: kafkajsSpeedupsApplied() ? [SPEEDUPS_FLAG] : [],
      // The worker script is compiled JavaScript: it must load our packages' builds, not their TypeScript
      // sources, which a test runner's `--conditions source` (inherited by workers) would pick.
      execArgv: compiledConditions(process.execArgv),
      // V8 grows a busy isolate's young generation to 2 x 64 MB and keeps it; 16 MB (two 8 MB semi-
      // spaces) holds what is in flight here many times over (bench/soak.mjs).
      resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB },
    });
    this.#worker = worker;
    return new Promise<void>((resolve, reject) => {
      let started = false;
      worker.on("message", (m: FromWorker) => {
        if ("ready" in m) {
          started = true;
          resolve();
        } else if ("failed" in m) reject(new Error(`the ingest worker did not start: ${m.failed}`));
        else this.#onMessage(m);
      });
      worker.on("error", (err) => {
        this.options.log.error({ err: err.message }, "ingest worker failed");
        if (!started) reject(err);
      });
      worker.on("exit", (code) => {
        if (this.#worker !== worker) return; // closed on purpose
        this.#worker = undefined;
        this.#reachable = false;
        this.#failAll();
        for (const resolveCall of this.#calls.values()) resolveCall(undefined);
        this.#calls.clear();
        if (!started) {
          reject(new Error(`the ingest worker exited (code ${code}) before it was ready`));
          return;
        }
        if (this.#state !== "running") return;
        // Unacknowledged devices send again; a new worker takes them.
        this.options.log.error({ code }, "ingest worker stopped; starting a new one in 1 s");
        this.#restartTimer = setTimeout(() => {
          if (this.#state === "running")
            this.#spawn().catch((err: Error) =>
              this.options.log.error({ err: err.message }, "ingest worker restart failed"),
            );
        }, 1000);
      });
    });
  }

  #onMessage(m: FromWorker): void {
    if ("acks" in m) {
      for (const seq of m.acks) {
        const id = seq < 0 ? -seq : seq;
        const resolve = this.#pending.get(id);
        if (!resolve) continue;
        this.#pending.delete(id);
        resolve(seq > 0);
      }
      if (m.qos0 > 0) {
        this.#qos0WithWorker = Math.max(0, this.#qos0WithWorker - m.qos0);
        this.#admitWaiters();
      }
    } else if ("reachable" in m) {
      this.#reachable = m.reachable;
    } else if ("log" in m) {
      this.#relayLog(m.log);
    } else if ("reply" in m) {
      const resolve = this.#calls.get(m.reply);
      this.#calls.delete(m.reply);
      resolve?.(m.value);
    }
  }

  #admitWaiters(): void {
    while (this.#qos0WithWorker < this.options.config.qos0Buffer) {
      const w = this.#waiters.shift();
      if (!w) break;
      this.#qos0WithWorker++;
      this.#add(0, w.msg);
      w.resolve();
    }
  }

  #add(seq: number, msg: InboundMessage): void {
    this.#packer.add(seq, msg);
    if (this.#packer.size >= BATCH_BYTES) this.#flush();
    else if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      setImmediate(() => this.#flush());
    }
  }

  #flush(): void {
    this.#flushScheduled = false;
    const batch = this.#packer.take();
    if (batch) this.#worker?.postMessage({ batch }, [batch]);
  }

  #call(call: WorkerCall): Promise<unknown> {
    const worker = this.#worker;
    if (!worker) return Promise.resolve(undefined);
    this.#flush(); // what was handed over before the call reaches the worker before it
    const id = this.#nextCall++;
    return new Promise((resolve) => {
      this.#calls.set(id, resolve);
      worker.postMessage({ call: id, ...call });
    });
  }

  /** QoS 1/2 still waiting end unacknowledged; QoS 0 still waiting for room is dropped. */
  #failAll(): void {
    const pending = [...this.#pending.values()];
    this.#pending.clear();
    for (const resolve of pending) resolve(false);
    this.#qos0WithWorker = 0;
    for (let w = this.#waiters.shift(); w; w = this.#waiters.shift()) {
      this.#drop();
      w.resolve();
    }
  }

  /** Counted as Ingest counts a QoS 0 message dropped before it was parsed. */
  #drop(): void {
    this.options.metrics.countReceived(0);
    this.options.metrics.droppedQos0.inc();
  }

  #relayLog(line: string): void {
    try {
      const {
        level,
        msg,
        time: _time,
        pid: _pid,
        hostname: _host,
        name: _name,
        ...fields
      } = JSON.parse(line);
      this.options.log[LEVEL_NAMES[level as number] ?? "info"](fields, msg);
    } catch {
      this.options.log.warn({ line }, "unreadable log line from the ingest worker");
    }
  }
}
