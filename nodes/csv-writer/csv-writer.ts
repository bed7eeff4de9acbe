// Node-RED adapter: hs-csv-writer appends each message's payload (an object, or an array of
// objects) as CSV rows. Messages queue in arrival order; one drain loop writes everything queued
// with one write per file, then completes each message. `close` waits for the queue to drain.
import { basename } from "node:path";
import type { CsvRecord } from "@homestream/core/csv-row";
import type { DoneFunction, Node, NodeAPI, NodeDef, NodeMessage, SendFunction } from "../shared/red.js";
import { StatusThrottle } from "../shared/status.js";
import { failEveryMessage } from "../shared/unusable.js";
import { csvWriterConfig } from "./config.js";
import { CsvSink } from "./csv-sink.js";
import type { Confined } from "./file-path.js";

interface Job {
  msg: NodeMessage;
  send: SendFunction;
  done: DoneFunction;
  records: CsvRecord[];
  fileName: string | undefined;
}

function isRecord(v: unknown): v is CsvRecord {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !Buffer.isBuffer(v);
}

/** The rows a payload stands for, or why it stands for none. */
function recordsOf(payload: unknown, property: string): CsvRecord[] | string {
  if (isRecord(payload)) return [payload];
  if (Array.isArray(payload) && payload.every(isRecord)) return payload;
  const got = Array.isArray(payload)
    ? "an array with a non-object item"
    : payload === null
      ? "null"
      : typeof payload;
  return `msg.${property} must be an object or an array of objects, got ${got}`;
}

function register(RED: NodeAPI): void {
  function CsvWriterNode(this: Node, def: NodeDef) {
    RED.nodes.createNode(this, def);
    const status = new StatusThrottle((s) => this.status(s));
    let config: ReturnType<typeof csvWriterConfig>;
    try {
      config = csvWriterConfig(def, RED.settings.fileWorkingDirectory ?? process.cwd());
    } catch (err) {
      failEveryMessage(this, err as Error, RED._("hs-csv-writer.status.config"), status);
      return;
    }

    const sink = new CsvSink(config.sink);
    const queue: Job[] = [];
    let draining: Promise<void> | undefined;
    let rows = 0;
    let lastFile = "";

    async function drain(): Promise<void> {
      while (queue.length > 0) {
        const batch = queue.splice(0);
        const now = Date.now();
        // Rows for the same file in one write, files in first-seen order, messages in order.
        const byFile = new Map<string, Job[]>();
        // one clock reading for the batch, so each file name is resolved once
        const targets = new Map<string | undefined, Confined>();
        for (const job of batch) {
          let target = targets.get(job.fileName);
          if (target === undefined) {
            target = sink.resolve(now, job.fileName);
            targets.set(job.fileName, target);
          }
          if (!target.ok) {
            status.now({ fill: "red", shape: "ring", text: RED._("hs-csv-writer.status.refused") });
            job.done(new Error(target.reason));
            continue;
          }
          const jobs = byFile.get(target.path);
          if (jobs) jobs.push(job);
          else byFile.set(target.path, [job]);
        }
        for (const [path, jobs] of byFile) {
          try {
            await sink.write(
              path,
              jobs.flatMap((j) => j.records),
            );
          } catch (err) {
            status.now({ fill: "red", shape: "ring", text: (err as NodeJS.ErrnoException).code ?? "error" });
            for (const job of jobs) job.done(err as Error);
            continue;
          }
          lastFile = basename(path);
          for (const job of jobs) {
            rows += job.records.length;
            job.msg.filename = path;
            job.send(job.msg);
            job.done();
          }
          status.set(() => ({
            fill: "green",
            shape: "dot",
            text: RED._("hs-csv-writer.status.written", { rows, file: lastFile }),
          }));
        }
      }
    }

    function kick(): void {
      draining ??= drain().finally(() => {
        draining = undefined;
        // a message queued while the last write was finishing
        if (queue.length > 0) kick();
      });
    }

    this.on("input", (msg, send, done) => {
      const source =
        config.property === "payload" ? msg.payload : RED.util.getMessageProperty(msg, config.property);
      const records = recordsOf(source, config.property);
      if (typeof records === "string") {
        done(new Error(records));
        return;
      }
      let fileName: string | undefined;
      if (msg.filename !== undefined && msg.filename !== "") {
        if (!config.allowFilename) {
          done(new Error("msg.filename is not allowed by this node's configuration"));
          return;
        }
        if (typeof msg.filename !== "string") {
          done(new Error(`msg.filename must be a string, got ${typeof msg.filename}`));
          return;
        }
        fileName = msg.filename;
      }
      queue.push({ msg, send, done, records, fileName });
      kick();
    });

    this.on("close", (_removed, done) => {
      const finish = async () => {
        while (draining) await draining;
        status.close();
        await sink.close();
        this.status({});
      };
      finish().then(
        () => done(),
        (err: Error) => {
          this.error(`closing files failed: ${err.message}`);
          done();
        },
      );
    });
  }
  RED.nodes.registerType("hs-csv-writer", CsvWriterNode);
}

export = register;
