// Node-RED adapter: hs-sensor-sim plays the simulator (random, realistic or replay) out on the
// wall clock: one message per reading, `msg.payload` = the reading, `msg.topic` =
// `<room>/<sensor_type>`; or, with "readings per message" above 1, batches: `msg.payload` = an
// array of the readings that fell due together (up to that many), which every node of ours that
// takes readings accepts. Messages control it: "start", "stop", "reset", msg.rate, msg.speed.
import type { SimEvent } from "@homestream/simulator/events";
import { readingTopic } from "../shared/reading-input.js";
import type { Node, NodeAPI, NodeDef, NodeMessage } from "../shared/red.js";
import { failEveryMessage } from "../shared/unusable.js";
import { openStream, pacingOf, type SensorSimConfig, sensorSimConfig } from "./config.js";
import { SimRunner } from "./sim-runner.js";

const COMMANDS = new Set(["start", "stop", "toggle", "reset"]);
const AUTO_START_DELAY_MS = 100;

function messageOf(event: SimEvent): NodeMessage {
  if (event.kind === "malformed") return { payload: event.text, topic: "malformed", fault: "malformed" };
  const msg: NodeMessage = {
    payload: event.reading,
    topic: readingTopic(event.reading.room, event.reading.sensor_type),
  };
  if (event.fault) msg.fault = event.fault;
  return msg;
}

/** A batch item: the reading, or a malformed event's text (rejected downstream, with its index). */
function itemOf(event: SimEvent): unknown {
  return event.kind === "malformed" ? event.text : event.reading;
}

function register(RED: NodeAPI): void {
  function SensorSimNode(this: Node, def: NodeDef) {
    RED.nodes.createNode(this, def);
    let config: SensorSimConfig;
    try {
      config = sensorSimConfig(def, RED.settings.fileWorkingDirectory ?? process.cwd());
    } catch (err) {
      failEveryMessage(this, err as Error, RED._("hs-sensor-sim.status.config"));
      return;
    }

    let runner: SimRunner | undefined;
    let autoStart: NodeJS.Timeout | undefined;
    let generation = 0;
    let rate = config.rate;
    let speed = config.speed;
    let rateOverridden = false;
    let sent = 0;
    let meter: NodeJS.Timeout | undefined;
    let meterCount = 0;
    let meterAt = 0;
    // batch mode: the items held for the next message
    let held: unknown[] = [];
    const sendHeld = () => {
      if (held.length === 0) return;
      const payload = held;
      held = [];
      this.send({ payload, topic: "readings" });
    };

    const showStatus = (perSecond?: number) => {
      if (!runner) return;
      if (runner.isFinished) {
        this.status({
          fill: "grey",
          shape: "dot",
          text: RED._("hs-sensor-sim.status.finished", { count: sent }),
        });
      } else if (runner.isRunning) {
        this.status({
          fill: "green",
          shape: "dot",
          text: RED._("hs-sensor-sim.status.running", { rate: Math.round(perSecond ?? 0), count: sent }),
        });
      } else {
        this.status({
          fill: "grey",
          shape: "ring",
          text: RED._("hs-sensor-sim.status.stopped", { count: sent }),
        });
      }
    };

    // One status a second with the measured rate, only while running.
    const startMeter = () => {
      if (meter) return;
      meterCount = sent;
      meterAt = Date.now();
      meter = setInterval(() => {
        const now = Date.now();
        showStatus(((sent - meterCount) * 1000) / Math.max(1, now - meterAt));
        meterCount = sent;
        meterAt = now;
      }, 1000);
    };
    const stopMeter = () => {
      if (meter) clearInterval(meter);
      meter = undefined;
    };

    const pacing = () => pacingOf(config, { rate, speed, fixedRate: rateOverridden });

    /** A fresh stream from the seed (a new one after the first run), starting now. */
    const build = (): SimRunner => {
      const source = openStream(config, {
        start: Date.now(),
        rate,
        generation: generation++,
        onRejected: (line, reason) => this.warn(`replay line ${line}: ${reason}`),
      });
      return new SimRunner(source, pacing(), config.count, {
        emit: (event) => {
          sent++;
          if (config.batch === 1) this.send(messageOf(event));
          else {
            held.push(itemOf(event));
            if (held.length >= config.batch) sendHeld();
          }
        },
        pause: sendHeld,
        end: () => {
          stopMeter();
          showStatus();
        },
        fail: (err) => {
          stopMeter();
          this.error(`simulator stopped: ${err.message}`, {});
          this.status({ fill: "red", shape: "ring", text: RED._("hs-sensor-sim.status.failed") });
        },
      });
    };

    const start = () => {
      if (!runner || runner.isFinished) {
        runner?.close();
        runner = build();
        sent = 0;
      }
      runner.start();
      if (runner.isRunning) startMeter();
      showStatus();
    };
    const stop = () => {
      runner?.stop();
      stopMeter();
      showStatus();
    };

    this.on("input", (msg, _send, done) => {
      try {
        const command = typeof msg.command === "string" ? msg.command : msg.payload;
        if (msg.rate !== undefined) {
          const r = Number(msg.rate);
          if (!Number.isFinite(r) || r <= 0 || r > 1_000_000) {
            throw new Error(
              `msg.rate must be a number of readings per second from 0 to 1000000, got ${String(msg.rate)}`,
            );
          }
          rate = r;
          rateOverridden = config.mode !== "random";
          if (config.mode === "random" && runner && !runner.isFinished) {
            // Event spacing follows the rate in random mode: continue with a stream at the new rate.
            const wasRunning = runner.isRunning;
            runner.close();
            runner = build();
            if (wasRunning) runner.start();
          } else runner?.setPacing(pacing());
        }
        if (msg.speed !== undefined) {
          const s = Number(msg.speed);
          if (!Number.isFinite(s) || s <= 0 || s > 1_000_000) {
            throw new Error(`msg.speed must be a positive factor (1 = real time), got ${String(msg.speed)}`);
          }
          speed = s;
          rateOverridden = false;
          runner?.setPacing(pacing());
        }
        if (typeof command === "string" && COMMANDS.has(command)) {
          // an explicit command overrides the pending automatic start
          if (autoStart) clearTimeout(autoStart);
          autoStart = undefined;
          if (command === "start" || (command === "toggle" && !runner?.isRunning)) start();
          else if (command === "stop" || command === "toggle") stop();
          else {
            const wasRunning = runner?.isRunning ?? config.autoStart;
            runner?.close();
            runner = undefined;
            rate = config.rate;
            speed = config.speed;
            rateOverridden = false;
            generation = 0;
            stopMeter();
            if (wasRunning) start();
            else {
              runner = build();
              sent = 0;
              showStatus();
            }
          }
        } else if (msg.rate === undefined && msg.speed === undefined) {
          throw new Error(
            'expected "start", "stop", "toggle" or "reset" (in msg.payload or msg.command), msg.rate or msg.speed',
          );
        } else showStatus();
        done();
      } catch (err) {
        done(err as Error);
      }
    });

    this.on("close", (_removed, done) => {
      if (autoStart) clearTimeout(autoStart);
      stopMeter();
      runner?.close();
      runner = undefined;
      this.status({});
      done();
    });

    // Start once the flow is up: a message sent while Node-RED is still creating the flow's
    // nodes would miss the ones not made yet (the core inject node's "once" waits likewise).
    try {
      runner = build();
      showStatus();
      if (config.autoStart) {
        autoStart = setTimeout(() => {
          autoStart = undefined;
          start();
        }, AUTO_START_DELAY_MS);
      }
    } catch (err) {
      this.error((err as Error).message, {});
      this.status({ fill: "red", shape: "ring", text: RED._("hs-sensor-sim.status.config") });
    }
  }
  RED.nodes.registerType("hs-sensor-sim", SensorSimNode);

  // The node's button in the editor: start or stop the deployed simulator.
  RED.httpAdmin.post(
    "/hs-sensor-sim/:id/toggle",
    RED.auth.needsPermission("hs-sensor-sim.write"),
    (req, res) => {
      const node = RED.nodes.getNode(req.params.id ?? "") as Node | null;
      if (node?.type !== "hs-sensor-sim") {
        res.sendStatus(404);
        return;
      }
      (node as Node & { receive(msg: NodeMessage): void }).receive({ payload: "toggle" });
      res.sendStatus(200);
    },
  );
}

export = register;
