// Node-RED adapter: hs-windowed-stats feeds each reading to the core WindowEngine and sends the
// window results it returns (output 1); readings for windows already closed go to output 2.
// Wall-clock timers add what event time alone cannot: the update-mode trigger, and an idle
// timeout that closes every window when readings stop.

import { toIso } from "@homestream/core/time";
import type { WindowResult } from "@homestream/core/window-engine";
import { WindowEngine } from "@homestream/core/window-engine";
import { isControlOnly } from "../shared/control.js";
import { readingFromPayload } from "../shared/reading-input.js";
import type { Node, NodeAPI, NodeDef, NodeMessage, NodeStatus } from "../shared/red.js";
import { StatusThrottle } from "../shared/status.js";
import { failEveryMessage } from "../shared/unusable.js";
import { type WindowedStatsConfig, windowedStatsConfig } from "./config.js";

function resultMessage(result: WindowResult): NodeMessage {
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
    let lastReadingAt = Date.now();
    let trigger: NodeJS.Timeout | undefined;
    let idle: NodeJS.Timeout | undefined;

    const render = (): NodeStatus => {
      const c = engine.counters;
      return {
        fill: "green",
        shape: c.late > 0 ? "ring" : "dot",
        text: RED._("hs-windowed-stats.status.counts", {
          open: c.openWindows,
          emitted: c.emitted,
          late: c.late,
        }),
      };
    };
    const showStatus = (now = false) => {
      if (now) status.now(render);
      else status.set(render);
    };

    const sendResults = (results: readonly WindowResult[]) => {
      if (results.length === 0) return;
      this.send([results.map(resultMessage), null]);
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

    this.on("input", (msg, send, done) => {
      if (msg.reset === true) {
        engine = new WindowEngine(config.engine);
        showStatus(true);
      }
      if (!isControlOnly(msg)) {
        const parsed = readingFromPayload(msg.payload, config.timeZone);
        if (!parsed.ok) {
          done(new Error(parsed.reason));
          return;
        }
        if (config.idleMs > 0) {
          lastReadingAt = Date.now();
          if (idle === undefined) armIdle(config.idleMs);
        }
        const { reading, time } = parsed.value;
        const r = engine.add(reading, time);
        if (r.outcome === "late") {
          msg.late = { watermark: toIso(engine.watermark) };
          send([null, msg]);
        } else if (r.closed.length > 0) {
          send([r.closed.map(resultMessage), null]);
        }
      }
      if (msg.flush === true) sendResults(engine.flush());
      showStatus(msg.flush === true || msg.reset === true);
      done();
    });

    this.on("close", (_removed, done) => {
      if (trigger) clearInterval(trigger);
      if (idle) clearTimeout(idle);
      status.close();
      this.status({});
      done();
    });

    showStatus(true);
  }
  RED.nodes.registerType("hs-windowed-stats", WindowedStatsNode);
}

export = register;
