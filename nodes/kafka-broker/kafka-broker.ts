// Node-RED config node: hs-kafka-broker holds the connection settings (secrets as credentials)
// and the KafkaConnection its kafka-in and kafka-out users share. User nodes never open their
// own client; they acquire from here and release in their close handler.
import type { KafkaLogger } from "@homestream/kafka/logger";
import type { NodeAPI, NodeDef } from "../shared/red.js";
import { kafkaBrokerConfig } from "./config.js";
import { CLOSE_TIMEOUT_MS, type KafkaBrokerNode, KafkaConnection } from "./connection.js";

/** The same log line is repeated at most this often. */
const REPEAT_MS = 60_000;

function register(RED: NodeAPI): void {
  function KafkaBrokerConfigNode(this: KafkaBrokerNode, def: NodeDef) {
    RED.nodes.createNode(this, def);
    // Debug chatter at debug. What needs attention at warn/error, but a broker that is away makes
    // the client say the same thing on every retry: each distinct line at most once a minute
    // (the nodes' status shows the connection meanwhile). kafkajs's own errors are about
    // connections this layer retries, so they are warnings.
    const lastSaid = new Map<string, number>();
    const once = (line: string) => {
      const now = Date.now();
      if ((lastSaid.get(line) ?? Number.NEGATIVE_INFINITY) > now - REPEAT_MS) return false;
      if (lastSaid.size > 100) lastSaid.clear();
      lastSaid.set(line, now);
      return true;
    };
    const text = (fields: Record<string, unknown>, message: string) => {
      const detail = fields.error ?? fields.err;
      return detail ? `${message}: ${String(detail)}` : message;
    };
    const logger: KafkaLogger = {
      debug: (f, m) => this.debug(text(f, m)),
      info: (f, m) => this.debug(text(f, m)),
      warn: (f, m) => {
        const line = text(f, m);
        if (once(line)) this.warn(line);
      },
      error: (f, m) => {
        const line = text(f, m);
        if (!once(line)) return;
        if (f.component === "kafkajs") this.warn(line);
        else this.error(line);
      },
    };
    try {
      const config = kafkaBrokerConfig(
        def,
        this.credentials,
        RED.settings.fileWorkingDirectory ?? process.cwd(),
      );
      this.connection = new KafkaConnection(config, logger);
    } catch (err) {
      this.connection = err as Error;
      this.error((err as Error).message);
    }

    this.on("close", (_removed, done) => {
      const connection = this.connection;
      if (connection instanceof Error) {
        done();
        return;
      }
      connection.close(CLOSE_TIMEOUT_MS).then(
        () => done(),
        () => done(),
      );
    });
  }
  RED.nodes.registerType("hs-kafka-broker", KafkaBrokerConfigNode, {
    credentials: {
      username: { type: "text" },
      password: { type: "password" },
      passphrase: { type: "password" },
    },
  });
}

export = register;
