// Node-RED adapter: hs-windowed-stats feeds each reading (each reading of a batch, an array in
// msg.payload; or, in *any message* mode, each value; see message-input.ts) to the core
// WindowEngine and sends the window results it returns (output 1); readings for windows already
// closed, and values that are not numbers, go to output 2.
// Wall-clock timers add what event time alone cannot: the update-mode trigger, and an idle
// timeout that closes every window when readings stop.

import { toIso } from "@homestream/core/time";
import type { WindowInput, WindowResult } from "@homestream/core/window-engine";
import { WindowEngine } from "@homestream/core/window-engine";
import { restoreWindowEngine, snapshotWindowEngine } from "@homestream/core/window-state";
import { isControlOnly } from "../shared/control.js";
import { NodeStateKeeper } from "../shared/node-state.js";
import { batchError, eachReadingOfBatch, readingFromPayload } from "../shared/reading-input.js";
import type {
  DoneFunction,
  Node,
  NodeAPI,
  NodeDef,
  NodeMessage,
  NodeStatus,
  SendFunction,
} from "../shared/red.js";
import { StatusThrottle } from "../shared/status.js";
import { failEveryMessage } from "../shared/unusable.js";
import { type WindowedStatsConfig, windowedStatsConfig } from "./config.js";
import { MessageSampler, type Sample, seriesResultMessage } from "./message-input.js";

function readingResultMessage(result: WindowResult): NodeMessage {
  const topic = [result.room, result.sensor_type, result.device_id].filter((v) => v !== undefined).join("/");
  return { payload: result, topic: topic === "" ? "window" : topic };
}

function register(RED: NodeAPI): void {
  function WindowedStatsNode(this: Node, def: NodeDef) {
    RED.nodes.createNode(this, def);
    const status = new StatusThrottle((s) => this.status(s));
    let config: WindowedStatsConfig;
    try {
      config = windowedStatsConfig(def);
    } catch (err) {
      failEveryMessage(this, err as Error, RED._("hs-windowed-stats.status.config"), status);
      return;
    }

    let engine = new WindowEngine(config.engine);
    const resultMessage = config.input.mode === "message" ? seriesResultMessage : readingResultMessage;
    const sampler =
      config.input.mode === "message"
        ? new MessageSampler(RED, this, config.input, config.timeZone)
        : undefined;
    // Any-message mode: values that were not numbers (counted; the first one is logged).
    let notNumeric = 0;
    let lastReadingAt = Date.now();
    let trigger: NodeJS.Timeout | undefined;
    let idle: NodeJS.Timeout | undefined;
    // State in Node-RED's context (see nodes/shared/node-state.ts), restored before any input.
    const keeper = new NodeStateKeeper(
      this,
      () => ({ engine: snapshotWindowEngine(engine), lastReadingAt }),
      { store: config.stateStore },
    );
    /** Shown with the counts for a while after a saved state was discarded. */
    let notice: string | undefined;
    let noticeTimer: NodeJS.Timeout | undefined;

    const render = (): NodeStatus => {
      const c = engine.counters;
      const counts = RED._(
        notNumeric > 0 ? "hs-windowed-stats.status.countsInvalid" : "hs-windowed-stats.status.counts",
        { open: c.openWindows, emitted: c.emitted, late: c.late, invalid: notNumeric },
      );
      if (notice !== undefined) return { fill: "yellow", shape: "ring", text: `${notice} · ${counts}` };
      return { fill: "green", shape: c.late > 0 || notNumeric > 0 ? "ring" : "dot", text: counts };
    };
    const showStatus = (now = false) => {
      if (now) status.now(render);
      else status.set(render);
    };

    const sendResults = (results: readonly WindowResult[]) => {
      if (results.length === 0) return;
      this.send([results.map(resultMessage), null]);
      keeper.changed();
    };

    // Update mode: changed windows on a wall-clock trigger, as Spark's processing-time trigger.
    if (config.engine.mode === "update") {
      trigger = setInterval(() => {
        sendResults(engine.takeUpdates());
        showStatus();
      }, config.triggerMs);
    }

    // Readings stopped: close every window rather than hold results back forever. One timer,
    // re-armed for the remaining time, instead of one reset per reading.
    const armIdle = (delay: number) => {
      idle = setTimeout(() => {
        idle = undefined;
        const quiet = Date.now() - lastReadingAt;
        if (quiet < config.idleMs) {
          armIdle(config.idleMs - quiet);
          return;
        }
        if (engine.counters.openWindows > 0 || engine.pendingUpdates > 0) {
          sendResults(engine.flush());
          showStatus(true);
        }
      }, delay);
    };

    this.on("input", (msg, send, done) => keeper.whenRestored(() => onInput(msg, send, done)));

    const touch = () => {
      if (config.idleMs > 0) {
        lastReadingAt = Date.now();
        if (idle === undefined) armIdle(config.idleMs);
      }
    };
    const accept = (input: WindowInput, time: number, msg: NodeMessage, send: SendFunction) => {
      touch();
      const r = engine.add(input, time);
      if (r.outcome === "late") {
        msg.late = { watermark: toIso(engine.watermark) };
        send([null, msg]);
      } else if (r.closed.length > 0) {
        send([r.closed.map(resultMessage), null]);
      }
    };
    // A batch (msg.payload an array of readings): each reading as if it came alone; the windows
    // it closes go out one result per message as always, its late readings in one message on
    // output 2 (msg.payload the array of them), the items that are not readings in one error.
    const acceptBatch = (
      msg: NodeMessage,
      items: readonly unknown[],
      send: SendFunction,
    ): Error | undefined => {
      const late: unknown[] = [];
      const closed: NodeMessage[] = [];
      const rejected = eachReadingOfBatch(items, config.timeZone, (r, i) => {
        const out = engine.add(r.reading, r.time);
        if (out.outcome === "late") late.push(items[i]);
        else for (const w of out.closed) closed.push(resultMessage(w));
      });
      if (rejected.length < items.length) touch();
      // the batch's message keeps its payload (an error about its bad items refers to it)
      const lateMsg =
        late.length > 0 ? { ...msg, payload: late, late: { watermark: toIso(engine.watermark) } } : null;
      if (closed.length > 0 || lateMsg) send([closed.length > 0 ? closed : null, lateMsg]);
      return rejected.length > 0 ? batchError(rejected, items.length) : undefined;
    };
    const finish = (msg: NodeMessage, done: DoneFunction, err?: Error) => {
      if (msg.flush === true) sendResults(engine.flush());
      showStatus(msg.flush === true || msg.reset === true);
      done(err);
    };
    const rejectSample = (
      msg: NodeMessage,
      send: SendFunction,
      s: Extract<Sample, { kind: "not-numeric" }>,
    ) => {
      if (notNumeric++ === 0) this.warn(RED._("hs-windowed-stats.warn.notNumeric", { reason: s.reason }));
      msg.invalid = { reason: s.reason };
      send([null, msg]);
      showStatus(notNumeric === 1);
    };

    const onInput = (msg: NodeMessage, send: SendFunction, done: DoneFunction) => {
      keeper.changed();
      if (msg.reset === true) {
        engine = new WindowEngine(config.engine);
        notNumeric = 0;
        showStatus(true);
      }
      if (isControlOnly(msg)) {
        finish(msg, done);
        return;
      }
      if (sampler) {
        // any message: JSONata may answer later; the engine changes only in the callback
        sampler.read(msg, (err, sample) => {
          if (err || !sample) {
            done(err ?? new Error("no sample"));
            return;
          }
          if (sample.kind === "sample") accept(sample.input, sample.time, msg, send);
          else rejectSample(msg, send, sample);
          keeper.changed();
          finish(msg, done);
        });
        return;
      }
      if (Array.isArray(msg.payload)) {
        finish(msg, done, acceptBatch(msg, msg.payload, send));
        return;
      }
      const parsed = readingFromPayload(msg.payload, config.timeZone);
      if (!parsed.ok) {
        done(new Error(parsed.reason));
        return;
      }
      accept(parsed.value.reading, parsed.value.time, msg, send);
      finish(msg, done);
    };

    this.on("close", (removed, done) => {
      if (trigger) clearInterval(trigger);
      if (idle) clearTimeout(idle);
      if (noticeTimer) clearTimeout(noticeTimer);
      status.close();
      this.status({});
      keeper
        .finish(removed)
        .catch((err: Error) => this.warn(`state not saved: ${err.message}`))
        .finally(() => done());
    });

    // Restores the saved state: open windows resume; after a pause longer than the idle close,
    // the windows are closed now, as the idle timer would have (emitted once: the state that
    // still held them is replaced at once). A state saved under another configuration is
    // discarded, and the status says so.
    const restore = async () => {
      const r = await keeper.restore(RED, (saved) => restoreWindowEngine(config.engine, saved.engine));
      if (r.outcome === "none") return;
      if (r.outcome === "discarded") {
        notice = RED._(
          r.reason === "config"
            ? "hs-windowed-stats.status.stateConfig"
            : "hs-windowed-stats.status.stateCorrupt",
        );
        noticeTimer = setTimeout(() => {
          notice = undefined;
          showStatus(true);
        }, 60_000);
        this.warn(RED._("hs-windowed-stats.warn.discarded", { reason: r.message }));
        return;
      }
      engine = r.value;
      const savedReadingAt = typeof r.body.lastReadingAt === "number" ? r.body.lastReadingAt : Date.now();
      if (config.idleMs > 0 && (engine.counters.openWindows > 0 || engine.pendingUpdates > 0)) {
        const quiet = Date.now() - savedReadingAt;
        if (quiet >= config.idleMs) {
          sendResults(engine.flush());
          await keeper.save();
        } else {
          lastReadingAt = savedReadingAt;
          armIdle(config.idleMs - quiet);
        }
      }
    };
    restore()
      .catch((err: Error) => this.warn(RED._("hs-windowed-stats.warn.discarded", { reason: err.message })))
      .finally(() => {
        showStatus(true);
        keeper.restored();
      });

    showStatus(true);
  }
  RED.nodes.registerType("hs-windowed-stats", WindowedStatsNode);
}

export = register;
