// Node-RED adapter: hs-light-presence feeds each reading to the core LightPresenceDetector and
// sends the anomaly events it returns. A wall-clock tick advances the detector's event-time
// clock while no readings arrive, so a grace period, a reminder or a presence age limit can run
// out in a quiet house (event time is assumed to pass at wall-clock speed meanwhile).
import { type AnomalyEvent, LightPresenceDetector } from "@homestream/core/light-presence";
import { isControlOnly } from "../shared/control.js";
import { readingFromPayload } from "../shared/reading-input.js";
import type { Node, NodeAPI, NodeDef, NodeMessage, NodeStatus, SendFunction } from "../shared/red.js";
import { StatusThrottle } from "../shared/status.js";
import { failEveryMessage } from "../shared/unusable.js";
import { type LightPresenceConfig, lightPresenceConfig } from "./config.js";

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

    const render = (): NodeStatus => {
      const open = detector.openAnomalies();
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

    this.on("input", (msg, send, done) => {
      if (msg.reset === true) {
        detector = new LightPresenceDetector(config.detector);
        clockAt = Number.NEGATIVE_INFINITY;
        showStatus(true);
        if (isControlOnly(msg, ["reset"])) {
          done();
          return;
        }
      }
      const parsed = readingFromPayload(msg.payload, config.timeZone);
      if (!parsed.ok) {
        done(new Error(parsed.reason));
        return;
      }
      deliver(detector.observe(parsed.value), send);
      const now = detector.now;
      if (now !== undefined && now > clockAt) {
        clockAt = now;
        wallAt = Date.now();
      }
      done();
    });

    this.on("close", (_removed, done) => {
      if (tick) clearInterval(tick);
      status.close();
      this.status({});
      done();
    });

    showStatus(true);
  }
  RED.nodes.registerType("hs-light-presence", LightPresenceNode);
}

export = register;
