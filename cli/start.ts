// `homestream start`: Node-RED with our nodes, the dashboard and the example flow, plus the bridge's
// MQTT broker, in one process on this machine; runs until Ctrl+C (SIGINT) or SIGTERM, then stops
// the flows (files flushed) and the broker, and exits 0.

import { BridgeConfigError } from "@homestream/bridge/config-load";
import { UsersFileError } from "@homestream/bridge/users";
import { Command, Option } from "commander";
import { LocalRun, type LocalRunAddresses } from "../start/local-run.js";
import { FLOW_CHOICES, parseStartOptions, StartOptionsError } from "../start/options.js";
import { nodesPackageDir, packageRoot } from "../start/package-root.js";
import { UsageError } from "./errors.js";

interface StartFlags {
  host?: string;
  port?: string;
  mqtt: boolean;
  mqttHost?: string;
  mqttPort?: string;
  users?: string;
  bridgeConfig?: string;
  dataDir?: string;
  kafkaBrokers?: string;
  kafkaTopic?: string;
  flow?: string;
  adminUser?: string;
  logLevel?: string;
}

function int(text: string | undefined): number | string | undefined {
  if (text === undefined) return undefined;
  return /^\s*\d+\s*$/.test(text) ? Number(text) : text;
}

function list(text: string | undefined): string[] | undefined {
  return text
    ?.split(",")
    .map((s) => s.trim())
    .filter(Boolean);
}

function waitForSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const on = (signal: NodeJS.Signals) => {
      process.off("SIGINT", on);
      process.off("SIGTERM", on);
      // A second Ctrl+C while stopping ends the process at once.
      process.once("SIGINT", () => process.exit(130));
      resolve(signal);
    };
    process.on("SIGINT", on);
    process.on("SIGTERM", on);
  });
}

function banner(a: LocalRunAddresses): string {
  const lines = [
    "HomeStream is running",
    `  editor:     ${a.editor}`,
    `  dashboard:  ${a.dashboard}`,
    a.mqtt
      ? `  MQTT:       ${a.mqtt}  (publish readings to home/<room>/<sensor_type>)`
      : "  MQTT:       off (--no-mqtt)",
    `  anomalies:  ${a.anomalies}`,
  ];
  if (a.kafka) lines.push(`  Kafka:      ${a.kafka}`);
  if (a.deployed) lines.push(`  first start: deployed the "${a.deployed}" example flow`);
  lines.push("Press Ctrl+C to stop.");
  return `${lines.join("\n")}\n`;
}

/** Runs until `until` settles (default: SIGINT or SIGTERM); `until` lets a caller stop it without signals. */
export async function runStart(flags: StartFlags, until?: Promise<unknown>): Promise<void> {
  const env = process.env;
  let run: LocalRun;
  try {
    const options = parseStartOptions(
      {
        host: flags.host,
        port: int(flags.port),
        mqtt: flags.mqtt,
        mqttHost: flags.mqttHost,
        mqttPort: int(flags.mqttPort),
        users: flags.users,
        bridgeConfig: flags.bridgeConfig,
        dataDir: flags.dataDir,
        kafkaBrokers: list(flags.kafkaBrokers ?? env.KAFKA_BROKERS ?? env.HOMESTREAM_KAFKA_BROKERS),
        kafkaTopic: flags.kafkaTopic,
        flow: flags.flow,
        adminUser: flags.adminUser ?? env.HOMESTREAM_ADMIN_USER,
        adminPassword: env.HOMESTREAM_ADMIN_PASSWORD || undefined,
        credentialSecret: env.HOMESTREAM_CREDENTIAL_SECRET || undefined,
        logLevel: flags.logLevel,
      },
      process.cwd(),
    );
    run = new LocalRun(options, { packageRoot: packageRoot(), nodesPackageDir: nodesPackageDir() });
  } catch (err) {
    if (err instanceof StartOptionsError) throw new UsageError(`start: ${err.message}`);
    throw err;
  }
  const stopping = until ?? waitForSignal();
  try {
    process.stdout.write(banner(await run.start()));
  } catch (err) {
    if (err instanceof BridgeConfigError || err instanceof UsersFileError)
      throw new UsageError(`start: ${err.message}`);
    if ((err as NodeJS.ErrnoException).code === "EADDRINUSE")
      throw new Error(
        `start: ${(err as Error).message} (another program uses that port: try --port/--mqtt-port)`,
      );
    throw err;
  }
  const why = await stopping;
  process.stderr.write(`start: ${typeof why === "string" ? why : "stop"}: stopping\n`);
  await run.stop();
  process.stderr.write("start: stopped\n");
}

const LINGER_MS = 2000;

export function startCommand(): Command {
  return new Command("start")
    .description(
      "run Node-RED with the HomeStream nodes, the example flow and dashboard, and an MQTT broker for devices",
    )
    .option("--host <address>", "editor and dashboard address (default 127.0.0.1)")
    .option("--port <port>", "editor and dashboard port (default 1880; 0: any free port)")
    .option("--mqtt-host <address>", "MQTT broker address (default: --host)")
    .option("--mqtt-port <port>", "MQTT broker port (default 1883; 0: any free port)")
    .option("--no-mqtt", "no embedded MQTT broker (a separate `homestream bridge` is the broker)")
    .option("--users <file>", "MQTT users file (required when MQTT listens beyond loopback)")
    .option("--bridge-config <file>", "bridge configuration file (mapping rules, TLS, ...)")
    .option("--data-dir <dir>", "Node-RED user directory and CSV output live here (default ./data)")
    .option(
      "--kafka-brokers <list>",
      "forward MQTT readings to Kafka and use the Kafka flow (env KAFKA_BROKERS)",
    )
    .option("--kafka-topic <topic>", "Kafka topic (default home_sensors)")
    .addOption(
      new Option(
        "--flow <name>",
        "example flow deployed on first start (default: kafka with brokers, else local)",
      ).choices(FLOW_CHOICES),
    )
    .option("--admin-user <name>", "editor user name (default admin; env HOMESTREAM_ADMIN_USER)")
    .addOption(
      new Option("--log-level <level>", "log level").choices([
        "fatal",
        "error",
        "warn",
        "info",
        "debug",
        "trace",
      ]),
    )
    .addHelpText(
      "after",
      `
Environment:
  KAFKA_BROKERS                 like --kafka-brokers (HOMESTREAM_KAFKA_BROKERS too)
  HOMESTREAM_ADMIN_PASSWORD     editor/dashboard password; required when --host is not loopback
  HOMESTREAM_CREDENTIAL_SECRET  key for Node-RED's credentials file (default: generated, kept in the data dir)

The first start deploys the example flow; later starts keep your edits (in <data-dir>/node-red).
Anomalies are written as CSV under <data-dir>/output/anomalies/.

Examples:
  homestream start
  homestream start --port 1881 --mqtt-port 1884 --data-dir ~/homestream
  KAFKA_BROKERS=127.0.0.1:9092 homestream start
  HOMESTREAM_ADMIN_PASSWORD=... homestream start --host 0.0.0.0 --users users.yaml`,
    )
    .action(async (flags: StartFlags) => {
      await runStart(flags);
      // Node-RED's editor keeps a login-session expiry timer (days long, not unref'd) that RED.stop()
      // leaves behind; it would hold the process open after everything else has closed. This timer
      // does not hold the process itself: it fires only if something else still does.
      setTimeout(() => process.exit(), LINGER_MS).unref();
    });
}
