// `homestream bridge`: the MQTT-to-Kafka bridge as a service (runs until SIGINT/SIGTERM, then stops
// accepting, lets Kafka acknowledge what devices wait for, and exits), and `homestream bridge add-user`
// for its users file.

import { Bridge } from "@homestream/bridge/bridge";
import { BridgeConfigError, CONFIG_FLAGS, envName, loadBridgeConfig } from "@homestream/bridge/config-load";
import { addUser, UsersFileError } from "@homestream/bridge/users";
import { KafkaConfigError } from "@homestream/kafka/config";
import { Command, Option } from "commander";
import { UsageError } from "./errors.js";

function waitForSignal(): Promise<string> {
  return new Promise((resolve) => {
    const on = (signal: NodeJS.Signals) => {
      process.off("SIGINT", on);
      process.off("SIGTERM", on);
      resolve(signal);
    };
    process.on("SIGINT", on);
    process.on("SIGTERM", on);
  });
}

/**
 * Runs the bridge until `until` settles (default: SIGINT or SIGTERM), then stops it. Exported for tests,
 * which stop it without signals.
 */
export async function runBridge(flags: Record<string, unknown>, until?: Promise<string>): Promise<void> {
  let bridge: Bridge;
  try {
    const config = await loadBridgeConfig({
      file: typeof flags.config === "string" ? flags.config : undefined,
      env: process.env,
      flags,
    });
    bridge = new Bridge(config);
  } catch (err) {
    if (err instanceof BridgeConfigError) throw new UsageError(err.message);
    throw err;
  }
  try {
    await bridge.start();
  } catch (err) {
    // Bad users file, or producer/connection settings the Kafka layer refused: configuration errors.
    if (err instanceof UsersFileError || err instanceof KafkaConfigError) throw new UsageError(err.message);
    throw err;
  }
  const c = bridge.config;
  const a = bridge.addresses();
  const where = [
    a.mqtt && `mqtt://${a.mqtt.host}:${a.mqtt.port}`,
    a.tls && `mqtts://${a.tls.host}:${a.tls.port}`,
    a.ws && `ws://${a.ws.host}:${a.ws.port}${c.mqtt.websocket?.path ?? ""}`,
    c.external && `${c.external.url} (external)`,
  ].filter(Boolean);
  const kafka =
    c.kafka.brokers.length > 0
      ? `Kafka ${c.kafka.brokers.join(",")} topic ${c.kafka.topic} (dead letters ${c.kafka.dlqTopic})`
      : "no Kafka (validating only)";
  const metrics = a.metrics ? `; metrics on http://${a.metrics.host}:${a.metrics.port}/metrics` : "";
  process.stderr.write(`bridge: ${where.join(", ")} -> ${kafka}${metrics}\n`);
  const received = await (until ?? waitForSignal());
  process.stderr.write(`bridge: ${received}: stopping (flushing to Kafka)\n`);
  await bridge.stop();
  const s = await bridge.summary();
  process.stderr.write(
    `bridge: stopped; ${s.received} messages received, ${s.forwarded} readings forwarded, ` +
      `${s.rejected} rejected (${s.deadLettered} dead-lettered), ${s.droppedQos0} QoS 0 dropped\n`,
  );
}

async function readStdinLine(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return (Buffer.concat(chunks).toString("utf8").split(/\r?\n/)[0] ?? "").trimEnd();
}

interface AddUserFlags {
  allow: string[];
  passwordStdin?: boolean;
}

function addUserCommand(): Command {
  return (
    new Command("add-user")
      .description("add a user (or replace its password and topics) in the bridge's users file")
      // Arguments, not options: the bridge's own --users would otherwise take the file.
      .argument("<users-file>", "users file (YAML, or JSON if it ends in .json); created if missing")
      .argument("<username>", "the MQTT username")
      .option(
        "--allow <prefix...>",
        "topic prefixes the user may publish under, e.g. home/kitchen (# for all; %u for the username)",
        [],
      )
      .option("--password-stdin", "read the password from the first line of stdin (else HOMESTREAM_PASSWORD)")
      .addHelpText(
        "after",
        `
The password is stored as a scrypt hash. It is never taken as a flag (flags show up in process lists).

Example:
  printf '%s\\n' "$PW" | homestream bridge add-user users.yaml kitchen-sensor \\
    --allow home/kitchen --password-stdin`,
      )
      .action(async (usersFile: string, username: string, flags: AddUserFlags) => {
        const password = flags.passwordStdin ? await readStdinLine() : process.env.HOMESTREAM_PASSWORD;
        if (password === undefined)
          throw new UsageError("add-user: give the password with --password-stdin or in HOMESTREAM_PASSWORD");
        if (password.length === 0) throw new UsageError("add-user: the password must not be empty");
        if (flags.allow.length === 0)
          process.stderr.write(
            "bridge add-user: warning: no --allow prefixes: this user may publish nowhere\n",
          );
        try {
          const { replaced } = await addUser(usersFile, {
            username,
            password,
            allow: flags.allow,
          });
          process.stderr.write(
            `bridge add-user: ${replaced ? "replaced" : "added"} ${username} in ${usersFile} ` +
              `(allow: ${flags.allow.join(", ") || "nothing"})\n`,
          );
        } catch (err) {
          if (err instanceof UsersFileError) throw new UsageError(`add-user: ${err.message}`);
          throw err;
        }
      })
  );
}

export function bridgeCommand(): Command {
  const cmd = new Command("bridge")
    .description(
      "MQTT-to-Kafka bridge: devices publish readings over MQTT, Kafka gets them (QoS 1: at least once)",
    )
    .option(
      "--config <file>",
      "configuration file (JSON or YAML); flags and HOMESTREAM_* variables override it",
    );
  for (const f of CONFIG_FLAGS) {
    // A switch alone means yes (`--kafka-worker`); `--kafka-worker no` says no explicitly.
    cmd.addOption(
      new Option(f.kind === "bool" ? `--${f.flag} [yes|no]` : `--${f.flag} <value>`, f.description),
    );
  }
  cmd.addHelpText(
    "after",
    `
Every flag can also be set in the environment: --kafka-brokers as ${envName("kafka-brokers")}, and so on.
The configuration file reaches every setting (mapping rules, TLS, external broker, producer tuning):

  mqtt: { port: 1883, users: users.yaml, maxPayloadBytes: 65536 }
  kafka: { brokers: [127.0.0.1:9092], topic: home_sensors }
  rules:
    - { match: "zigbee2mqtt/+room/+device", payload: zigbee2mqtt }
    - { match: "home/+room/+sensor_type" }

Devices publish to home/<room>/<sensor_type> a reading (JSON) or a bare value (22.5, ON, OFF, true,
false). QoS 1 messages are acknowledged only after Kafka has them. Rejected payloads go to the
dead-letter topic with the reason in the dlq_reason header.

Examples:
  homestream bridge --kafka-brokers 127.0.0.1:9092 --metrics-port 9464
  homestream bridge --external mqtt://127.0.0.1:1883 --share-group bridges --kafka-brokers 127.0.0.1:9092
  homestream bridge add-user users.yaml kitchen-sensor --allow home/kitchen --password-stdin`,
  );
  cmd.action(async (flags: Record<string, unknown>) => runBridge(flags));
  cmd.addCommand(addUserCommand());
  return cmd;
}
