// `homestream start`'s composition root: the bridge (embedded MQTT broker, forwarding to Kafka when
// brokers are given) and Node-RED with our nodes and the dashboard; on a first start, the example
// flow for this setup is deployed. start() builds them in dependency order (the broker first, so the
// flow's MQTT client connects at once); stop() takes them down in reverse.
import { mkdir } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { Bridge } from "@homestream/bridge/bridge";
import { loadBridgeConfig } from "@homestream/bridge/config-load";
import { createLogger } from "@homestream/bridge/logger";
import { AdminCredentials } from "./admin-auth.js";
import { DASHBOARD_PATH, EmbeddedNodeRed } from "./embedded-node-red.js";
import { ANOMALIES_DIR, adaptFlow, readExampleFlow } from "./example-flow.js";
import { flowClientCredentials, usersFileWithFlowClient } from "./flow-mqtt-client.js";
import { clientHost, type StartOptions } from "./options.js";

export interface LocalRunAddresses {
  editor: string;
  dashboard: string;
  mqtt?: string;
  /** Directory the example flow writes anomaly CSV files to. */
  anomalies: string;
  kafka?: string;
  /** The example flow deployed by this start, if any. */
  deployed?: string;
}

export interface LocalRunDeps {
  /** The app's root (its flows/). */
  packageRoot: string;
  /** Our Node-RED package's folder (its nodes and examples). */
  nodesPackageDir: string;
  /** Log lines (Node-RED's and the bridge's); stderr by default. */
  log?: (line: string) => void;
  env?: Readonly<Record<string, string | undefined>>;
}

function url(scheme: string, a: AddressInfo, host: string, suffix = ""): string {
  const h = clientHost(host);
  return `${scheme}://${h.includes(":") ? `[${h}]` : h}:${a.port}${suffix}`;
}

export class LocalRun {
  #bridge: Bridge | undefined;
  #nodeRed: EmbeddedNodeRed | undefined;
  #addresses: LocalRunAddresses | undefined;

  constructor(
    readonly options: StartOptions,
    private readonly deps: LocalRunDeps,
  ) {}

  get addresses(): LocalRunAddresses {
    if (!this.#addresses) throw new Error("not started");
    return this.#addresses;
  }

  async start(): Promise<LocalRunAddresses> {
    try {
      return await this.#start();
    } catch (err) {
      await this.stop();
      throw err;
    }
  }

  async #start(): Promise<LocalRunAddresses> {
    const o = this.options;
    const log = this.deps.log ?? ((line: string) => process.stderr.write(`${line}\n`));
    const userDir = path.join(o.dataDir, "node-red");
    await mkdir(path.join(o.dataDir, ANOMALIES_DIR), { recursive: true });
    const flowClient = await flowClientCredentials(userDir);

    let mqttAddress: AddressInfo | undefined;
    if (o.mqtt) {
      const users =
        o.users === undefined
          ? undefined
          : await usersFileWithFlowClient(o.users, path.join(o.dataDir, "run"), flowClient);
      const config = await loadBridgeConfig({
        // The embedded broker is the house's broker: other traffic is ordinary (routed, counted, not a
        // dead letter), and retained states and sessions outlive a restart. A bridge config file may
        // say otherwise.
        defaults: { unmatched: "ignore", mqtt: { dataDir: path.join(o.dataDir, "mqtt") } },
        file: o.bridgeConfig,
        env: this.deps.env ?? process.env,
        overrides: {
          mqtt: { host: o.mqttHost, port: o.mqttPort, ...(users ? { users } : {}) },
          ...(o.kafkaBrokers.length > 0 ? { kafka: { brokers: o.kafkaBrokers, topic: o.kafkaTopic } } : {}),
          // The bridge's info lines are JSON for log collectors; in a terminal session warnings suffice.
          logLevel: o.logLevel === "info" ? "warn" : o.logLevel,
        },
      });
      const bridge = new Bridge(config, { logger: createLogger(config.logLevel) });
      this.#bridge = bridge;
      await bridge.start();
      const a = bridge.addresses().mqtt;
      if (a) mqttAddress = { address: a.host, port: a.port, family: "" };
    }

    const admin =
      o.adminPassword === undefined ? undefined : await AdminCredentials.create(o.adminUser, o.adminPassword);
    const nodeRed = new EmbeddedNodeRed({
      host: o.host,
      port: o.port,
      userDir,
      fileWorkingDirectory: o.dataDir,
      nodesPackageDir: this.deps.nodesPackageDir,
      admin,
      credentialSecret: o.credentialSecret,
      logLevel: o.logLevel,
      log,
    });
    this.#nodeRed = nodeRed;
    const http = await nodeRed.start();

    let deployed: string | undefined;
    if (nodeRed.firstStart && o.flow !== "none") {
      const example = await readExampleFlow(this.deps.packageRoot, o.flow);
      await nodeRed.deploy(
        adaptFlow(example, {
          mqtt: {
            host: clientHost(o.mqttHost),
            port: mqttAddress?.port ?? o.mqttPort,
            username: flowClient.username,
            password: flowClient.password,
          },
          kafkaBrokers: o.kafkaBrokers,
          kafkaTopic: o.kafkaTopic,
        }),
      );
      deployed = o.flow;
    }

    this.#addresses = {
      editor: url("http", http, o.host, "/"),
      dashboard: url("http", http, o.host, DASHBOARD_PATH),
      mqtt: mqttAddress ? url("mqtt", mqttAddress, o.mqttHost) : undefined,
      anomalies: path.join(o.dataDir, ANOMALIES_DIR),
      kafka: o.kafkaBrokers.length > 0 ? o.kafkaBrokers.join(",") : undefined,
      deployed,
    };
    return this.#addresses;
  }

  /** Node-RED first (its nodes flush: the csv-writer drains), then the broker. Safe to call twice. */
  async stop(): Promise<void> {
    const nodeRed = this.#nodeRed;
    const bridge = this.#bridge;
    this.#nodeRed = undefined;
    this.#bridge = undefined;
    if (nodeRed) await nodeRed.stop();
    if (bridge) await bridge.stop();
  }
}
