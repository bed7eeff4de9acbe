// Node-RED config node: hs-kafka-broker holds the connection settings (secrets as credentials)
// and the KafkaConnection its kafka-in and kafka-out users share. User nodes never open their
// own client; they acquire from here and release in their close handler.
import type { KafkaLogger } from "../../kafka/logger.js";
import type { NodeAPI, NodeDef } from "../shared/red.js";
import { kafkaBrokerConfig } from "./config.js";
import { CLOSE_TIMEOUT_MS, type KafkaBrokerNode, KafkaConnection } from "./connection.js";

function register(RED: NodeAPI): void {
  function KafkaBrokerConfigNode(this: KafkaBrokerNode, def: NodeDef) {
    RED.nodes.createNode(this, def);
    // kafkajs's chatter at debug; what needs attention at warn/error, in Node-RED's log.
    const text = (fields: Record<string, unknown>, message: string) => {
      const detail = fields.error ?? fields.err;
      return detail ? `${message}: ${String(detail)}` : message;
    };
    const logger: KafkaLogger = {
      debug: (f, m) => this.debug(text(f, m)),
      info: (f, m) => this.debug(text(f, m)),
      warn: (f, m) => this.warn(text(f, m)),
      error: (f, m) => this.error(text(f, m)),
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
