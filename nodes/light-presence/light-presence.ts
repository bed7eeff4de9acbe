// Node-RED adapter: hs-light-presence feeds each reading (or each reading of a batch, an array in
// msg.payload) to the core LightPresenceDetector and sends the anomaly events it returns. A
// wall-clock tick advances the detector's event-time clock while no readings arrive, so a grace
// period, a reminder or a presence age limit can run out in a quiet house (event time is assumed
// to pass at wall-clock speed meanwhile).
import { restoreDetector, snapshotDetector } from "@homestream/core/detector-state";
import { type AnomalyEvent, LightPresenceDetector } from "@homestream/core/light-presence";
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
import { type LightPresenceConfig, lightPresenceConfig } from "./config.js";
import { readingFromTopicMessage } from "./topic-input.js";

function eventMessage(event: AnomalyEvent): NodeMessage {
  return { payload: event, topic: `${event.room}/${event.event}` };
}

function register(RED: NodeAPI): void {
  function LightPresenceNode(this: Node, def: NodeDef) {
    RED.nodes.createNode(this, def);
    const status = new StatusThrottle((s) => this.status(s));
    let config: LightPresenceConfig;
    let detector: LightPresenceDetector;
    try {
      config = lightPresenceConfig(def);
      detector = new LightPresenceDetector(config.detector);
    } catch (err) {
      failEveryMessage(this, err as Error, RED._("hs-light-presence.status.config"), status);
      return;
    }

    // Event time at the last advance, and the wall clock then: the tick extrapolates from them.
    let clockAt = Number.NEGATIVE_INFINITY;
    let wallAt = Date.now();
    // State in Node-RED's context (see nodes/shared/node-state.ts), restored before any input.
    const keeper = new NodeStateKeeper(this, () => ({ detector: snapshotDetector(detector), wallAt }), {
      store: config.stateStore,
    });
    /** Shown for a while after a saved state was discarded. */
    let notice: string | undefined;
    let noticeTimer: NodeJS.Timeout | undefined;

    const render = (): NodeStatus => {
      const open = detector.openAnomalies();
      if (notice !== undefined) return { fill: "yellow", shape: "ring", text: notice };
      return open.length === 0
        ? { fill: "green", shape: "dot", text: RED._("hs-light-presence.status.clear") }
        : {
            fill: "yellow",
            shape: "dot",
            text: RED._("hs-light-presence.status.active", {
              count: open.length,
              rooms: open.map((a) => a.room).join(", "),
            }),
          };
    };
    const showStatus = (now: boolean) => {
      if (now) status.now(render);
      else status.set(render);
    };

    const deliver = (events: readonly AnomalyEvent[], send: SendFunction) => {
      if (events.length === 0) return;
      send([events.map(eventMessage)]);
      keeper.changed();
      // starts and ends change what the status shows; reminders do not
      if (events.some((e) => e.event !== "anomaly_reminder")) showStatus(false);
    };

    const tick =
      config.tickMs > 0
        ? setInterval(() => {
            if (clockAt === Number.NEGATIVE_INFINITY) return;
            const now = Date.now();
            const target = clockAt + (now - wallAt);
            clockAt = target;
            wallAt = now;
            deliver(detector.advanceTo(target), (m) => this.send(m));
          }, config.tickMs)
        : undefined;

    this.on("input", (msg, send, done) => keeper.whenRestored(() => onInput(msg, send, done)));

    // the detector's event time moved on: the tick extrapolates from here
    const followClock = () => {
      const now = detector.now;
      if (now !== undefined && now > clockAt) {
        clockAt = now;
        wallAt = Date.now();
      }
    };

    const onInput = (msg: NodeMessage, send: SendFunction, done: DoneFunction) => {
      keeper.changed();
      if (msg.reset === true) {
        detector = new LightPresenceDetector(config.detector);
        clockAt = Number.NEGATIVE_INFINITY;
        showStatus(true);
        if (isControlOnly(msg, ["reset"])) {
          done();
          return;
        }
      }
      if (!config.topicPattern && Array.isArray(msg.payload)) {
        // A batch: each reading in order, the events of all of them sent together (one per
        // message, as always), the items that are not readings in one error.
        const items: readonly unknown[] = msg.payload;
        const events: AnomalyEvent[] = [];
        const rejected = eachReadingOfBatch(items, config.timeZone, (r) => {
          for (const e of detector.observe(r)) events.push(e);
        });
        deliver(events, send);
        followClock();
        done(rejected.length > 0 ? batchError(rejected, items.length) : undefined);
        return;
      }
      const parsed = config.topicPattern
        ? readingFromTopicMessage(config.topicPattern, msg, Date.now())
        : readingFromPayload(msg.payload, config.timeZone);
      if (parsed === undefined) {
        done(); // topics mode: a kind the rule does not use
        return;
      }
      if (!parsed.ok) {
        done(new Error(parsed.reason));
        return;
      }
      deliver(detector.observe(parsed.value), send);
      followClock();
      done();
    };

    this.on("close", (removed, done) => {
      if (tick) clearInterval(tick);
      if (noticeTimer) clearTimeout(noticeTimer);
      status.close();
      this.status({});
      keeper
        .finish(removed)
        .catch((err: Error) => this.warn(`state not saved: ${err.message}`))
        .finally(() => done());
    });

    // Restores the saved state: open anomalies stay open with their original start (no second
    // anomaly_start; the end reports the whole duration). The tick carries on from the saved
    // event time and wall clock, so a grace period or presence age that ran out while Node-RED
    // was down fires at the first tick. Under another configuration the state is discarded.
    const restore = async () => {
      const r = await keeper.restore(RED, (saved) => restoreDetector(config.detector, saved.detector));
      if (r.outcome === "none") return;
      if (r.outcome === "discarded") {
        notice = RED._(
          r.reason === "config"
            ? "hs-light-presence.status.stateConfig"
            : "hs-light-presence.status.stateCorrupt",
        );
        noticeTimer = setTimeout(() => {
          notice = undefined;
          showStatus(true);
        }, 60_000);
        this.warn(RED._("hs-light-presence.warn.discarded", { reason: r.message }));
        return;
      }
      detector = r.value;
      const now = detector.now;
      if (now !== undefined) {
        clockAt = now;
        wallAt = typeof r.body.wallAt === "number" ? r.body.wallAt : Date.now();
      }
    };
    restore()
      .catch((err: Error) => this.warn(RED._("hs-light-presence.warn.discarded", { reason: err.message })))
      .finally(() => {
        showStatus(true);
        keeper.restored();
      });

    showStatus(true);
  }
  RED.nodes.registerType("hs-light-presence", LightPresenceNode);
}

export = register;
