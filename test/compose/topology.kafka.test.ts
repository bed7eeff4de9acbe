// The docker-compose topology run natively (no Docker engine here): the real Kafka broker of the
// kafka project's global setup, the bridge and Node-RED started with the very commands their
// compose services run (addresses mapped to loopback and temporary folders), readings published by
// mosquitto_pub at the bridge, and an anomaly row out of the Kafka flow's CSV writer.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createKafkaClient } from "../../kafka/index.js";
import { mosquittoPub } from "../bridge/mosquitto.js";
import { kafka, noBroker } from "../kafka/helpers.js";
import { csvLines, eventually, MAIN, type StartedHomestream, startHomestream } from "../start/run-start.js";
import { readCompose } from "./compose-file.js";

const compose = readCompose();

/**
 * A compose service's command with container addresses swapped for this machine's. Every argument
 * must be one this mapping understands, so a change to docker-compose.yml cannot slip past the test.
 */
function nativeArgs(command: string[], map: Record<string, string | null>): string[] {
  const out: string[] = [];
  for (const arg of command) {
    if (arg in map) {
      const v = map[arg];
      if (v !== null && v !== undefined) out.push(v);
      continue;
    }
    throw new Error(`docker-compose.yml argument ${arg} has no native equivalent in this test`);
  }
  return out;
}

describe.skipIf(noBroker)("the docker-compose topology, natively", () => {
  const brokers = kafka.brokers.join(",");
  const topic = `topology.${randomUUID().slice(0, 8)}`;
  let dir: string;
  let bridge: ChildProcess | undefined;
  let bridgeLog = "";
  let nodeRed: StartedHomestream | undefined;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "hs-topology-"));
    // What the kafka-topics service does: the readings topic (3 partitions) and its dead letters.
    const client = createKafkaClient({ brokers: kafka.brokers, clientId: "topology-test" });
    // Right after the broker's start, topic creation sometimes fails once with "This server does not
    // host this topic-partition" (kafkajs's wait for leaders racing the new topic's metadata): retry.
    const ensure = async (name: string, partitions: number) => {
      for (let attempt = 1; ; attempt++) {
        try {
          return await client.ensureTopic({ topic: name, partitions });
        } catch (err) {
          if (attempt >= 5) throw err;
        }
      }
    };
    await ensure(topic, 3);
    await ensure(`${topic}.dlq`, 1);
  });

  afterAll(async () => {
    const exits: Array<Promise<unknown>> = [];
    if (nodeRed) exits.push(nodeRed.stop("SIGKILL"));
    if (bridge && bridge.exitCode === null) {
      const b = bridge;
      exits.push(new Promise((r) => b.once("exit", r)));
      b.kill("SIGKILL");
    }
    await Promise.all(exits);
    await rm(dir, { recursive: true, force: true });
  });

  it("carries a device's light-on and presence-0 readings from MQTT through Kafka to an anomaly CSV row", async () => {
    const users = path.join(dir, "users.yaml");
    const device = { user: "garage-sensor", password: "device pw" };
    const added = spawnSync(
      process.execPath,
      [MAIN, "bridge", "add-user", users, device.user, "--allow", "home", "--password-stdin"],
      { input: `${device.password}\n`, encoding: "utf8" },
    );
    expect(added.status, added.stderr).toBe(0);

    // bridge service
    const bridgeCommand = compose.services.bridge?.command ?? [];
    const bridgeArgs = nativeArgs(bridgeCommand, {
      bridge: "bridge",
      "--mqtt-host=0.0.0.0": "--mqtt-host=127.0.0.1",
      "--kafka-brokers=kafka:9092": `--kafka-brokers=${brokers}`,
      "--users=/config/users.yaml": `--users=${users}`,
      "--metrics-host=0.0.0.0": "--metrics-host=127.0.0.1",
      "--metrics-port=9464": "--metrics-port=0",
    });
    bridgeArgs.push("--mqtt-port=0", `--kafka-topic=${topic}`);
    const b = spawn(process.execPath, [MAIN, ...bridgeArgs], { stdio: ["ignore", "ignore", "pipe"] });
    bridge = b;
    b.stderr?.setEncoding("utf8").on("data", (d: string) => {
      bridgeLog += d;
    });
    const banner = await eventually(
      () =>
        /^bridge: mqtt:\/\/127\.0\.0\.1:(\d+) -> Kafka .*metrics on (http:\/\/\S+)\/metrics$/m.exec(
          bridgeLog,
        ) ?? undefined,
      30_000,
      `the bridge's addresses (log so far: ${bridgeLog})`,
    );
    const mqttPort = Number(banner[1]);
    // The compose healthcheck: /healthz answers 200 once Kafka is reachable.
    await eventually(
      async () => ((await fetch(`${banner[2]}/healthz`).catch(() => undefined))?.ok ? true : undefined),
      30_000,
      "the bridge's /healthz",
    );

    // node-red service (depends_on: bridge healthy)
    const nodeRedArgs = nativeArgs(compose.services["node-red"]?.command ?? [], {
      start: null,
      "--host=0.0.0.0": "--host=127.0.0.1",
      "--no-mqtt": "--no-mqtt",
      "--kafka-brokers=kafka:9092": `--kafka-brokers=${brokers}`,
      "--flow=kafka": "--flow=kafka",
      "--data-dir=/data": `--data-dir=${path.join(dir, "data")}`,
    });
    nodeRed = await startHomestream([...nodeRedArgs, "--port=0", `--kafka-topic=${topic}`], {
      env: { HOMESTREAM_ADMIN_PASSWORD: "compose pw" },
    });
    expect(nodeRed.deployed).toBe("kafka");
    expect(nodeRed.mqtt).toBeUndefined();
    const anomalies = nodeRed.anomaliesDir;

    // A device the flow's simulator never names. kafka-in starts at the latest offset once its group
    // has joined, so the pair is published again until the anomaly comes out.
    const room = `garage_${randomUUID().slice(0, 6)}`;
    const publish = (sensor: string, value: number) => {
      const reading = {
        room,
        sensor_type: sensor,
        value,
        timestamp: new Date().toISOString(),
        device_id: `${room}_${sensor}_e2e`,
      };
      mosquittoPub(
        { host: "127.0.0.1", port: mqttPort },
        `home/${room}/${sensor}`,
        JSON.stringify(reading),
        device,
      );
    };
    let lastPublish = 0;
    const row = await eventually(
      () => {
        const found = csvLines(anomalies).find((l) => l.startsWith(`anomaly_start,${room},kafka,`));
        if (!found && Date.now() - lastPublish > 3000) {
          lastPublish = Date.now();
          publish("light", 1);
          publish("presence", 0);
        }
        return found;
      },
      90_000,
      `an anomaly row for ${room} (bridge log: ${bridgeLog.slice(-2000)})`,
    );
    expect(row).toContain(`${room}_light_e2e`);
    expect(row).toContain(`${room}_presence_e2e`);

    // Ctrl+C for Node-RED, SIGTERM (docker stop) for the bridge: both exit cleanly.
    expect(await nodeRed.stop("SIGINT")).toBe(0);
    nodeRed = undefined;
    const bridgeExit = new Promise<number | null>((r) => b.once("exit", (code) => r(code)));
    b.kill("SIGTERM");
    expect(await bridgeExit).toBe(0);
    expect(bridgeLog).toMatch(/bridge: stopped; \d+ messages received, \d+ readings forwarded/);
  }, 180_000);
});
