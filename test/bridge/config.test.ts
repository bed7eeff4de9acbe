// Configuration from file, environment and flags: precedence, paths relative to the file, defaults
// from the design, and errors that name the field and where it was set.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadBridgeConfig } from "../../bridge/config-load.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "hs-bridge-config-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("loadBridgeConfig", () => {
  it("has the design's defaults", async () => {
    const c = await loadBridgeConfig({});
    expect(c.mqtt).toMatchObject({ enabled: true, host: "127.0.0.1", port: 1883, allowAnonymous: false });
    expect(c.kafka).toMatchObject({ brokers: [], topic: "home_sensors", dlqTopic: "home_sensors.dlq" });
    expect(c.rules).toEqual([{ match: "home/+room/+sensor_type" }]);
    expect(c.logLevel).toBe("info");
    expect(c.kafka.worker).toBe(false);
  });

  it("turns the Kafka worker thread on or off with a flag value or the environment", async () => {
    expect((await loadBridgeConfig({ flags: { kafkaWorker: "no" } })).kafka.worker).toBe(false);
    expect((await loadBridgeConfig({ flags: { kafkaWorker: true } })).kafka.worker).toBe(true);
    expect((await loadBridgeConfig({ env: { HOMESTREAM_KAFKA_WORKER: "false" } })).kafka.worker).toBe(false);
    await expect(loadBridgeConfig({ flags: { kafkaWorker: "maybe" } })).rejects.toThrow(/--kafka-worker/);
  });

  it("reads YAML, then environment, then flags, each overriding the one before", async () => {
    const file = path.join(dir, "bridge.yaml");
    await writeFile(
      file,
      [
        "mqtt: { port: 1884, users: users.yaml }",
        "kafka: { brokers: [a:9092], topic: from_file }",
        "rules:",
        "  - { match: 'zigbee2mqtt/+room/+device', payload: zigbee2mqtt }",
        "  - { match: 'home/+room/+sensor_type' }",
      ].join("\n"),
    );
    const c = await loadBridgeConfig({
      file,
      env: {
        HOMESTREAM_KAFKA_TOPIC: "from_env",
        HOMESTREAM_MQTT_PORT: "1885",
        HOMESTREAM_KAFKA_BROKERS: "b:1,c:2",
      },
      flags: { mqttPort: "1886", metricsPort: "9464" },
    });
    expect(c.mqtt.port).toBe(1886);
    expect(c.kafka.topic).toBe("from_env");
    expect(c.kafka.dlqTopic).toBe("from_env.dlq");
    expect(c.kafka.brokers).toEqual(["b:1", "c:2"]);
    expect(c.metrics.port).toBe(9464);
    expect(c.mqtt.users).toBe(path.join(dir, "users.yaml"));
    expect(c.rules[0]?.payload).toBe("zigbee2mqtt");
  });

  it("reads JSON and turns the embedded broker off by default in external mode", async () => {
    const file = path.join(dir, "bridge.json");
    await writeFile(file, JSON.stringify({ external: { url: "mqtt://127.0.0.1:1883", shareGroup: "g" } }));
    const c = await loadBridgeConfig({ file });
    expect(c.mqtt.enabled).toBe(false);
    expect(c.external).toMatchObject({ protocolVersion: 5, clientId: "homestream-bridge", shareGroup: "g" });
  });

  it("refuses a listener beyond loopback without users unless anonymous clients are allowed", async () => {
    await expect(loadBridgeConfig({ flags: { mqttHost: "0.0.0.0" } })).rejects.toThrow(
      /mqtt\.host \(--mqtt-host\): 0\.0\.0\.0 is reachable from other machines and there is no users file.*--users FILE.*--allow-anonymous/,
    );
    await expect(loadBridgeConfig({ env: { HOMESTREAM_MQTT_HOST: "192.168.1.10" } })).rejects.toThrow(
      /mqtt\.host \(HOMESTREAM_MQTT_HOST\): 192\.168\.1\.10 is reachable/,
    );
    // A TLS or WebSocket listener on an address of its own counts as well.
    const file = path.join(dir, "ws.yaml");
    await writeFile(file, "mqtt: { websocket: { host: '::', port: 8080 } }\n");
    await expect(loadBridgeConfig({ file })).rejects.toThrow(/mqtt\.websocket\.host .*:: is reachable/);
    // Explicit anonymous access, a users file, loopback only, or no listener at all: it starts.
    for (const flags of [
      { mqttHost: "0.0.0.0", allowAnonymous: true },
      { mqttHost: "0.0.0.0", users: path.join(dir, "users.yaml") },
      { mqttHost: "localhost" },
      { mqttHost: "::1" },
      { external: "mqtt://127.0.0.1:1883", mqttHost: "0.0.0.0" },
    ])
      await expect(loadBridgeConfig({ flags })).resolves.toBeDefined();
  });

  it("names the field and its source in errors", async () => {
    await expect(loadBridgeConfig({ flags: { mqttPort: "abc" } })).rejects.toThrow(
      /mqtt\.port \(--mqtt-port\): must be a port number, got "abc"/,
    );
    await expect(loadBridgeConfig({ env: { HOMESTREAM_LOG_LEVEL: "loud" } })).rejects.toThrow(
      /logLevel \(HOMESTREAM_LOG_LEVEL\)/,
    );
    await expect(loadBridgeConfig({ flags: { kafkaBrokers: "nohost" } })).rejects.toThrow(
      /kafka\.brokers\.0 \(--kafka-brokers\): each broker must be host:port/,
    );
    const file = path.join(dir, "bad.yaml");
    await writeFile(file, "mqtt: { prot: 1 }\nrules: [{ match: 'a/#/b' }]\n");
    await expect(loadBridgeConfig({ file })).rejects.toThrow(/mqtt: unknown setting prot \(in .*bad\.yaml\)/);
    await writeFile(file, "rules: [{ match: 'a/#/b' }]\n");
    await expect(loadBridgeConfig({ file })).rejects.toThrow(
      /rules\[0\]\.match: .*"#" must be the last level/,
    );
    await expect(loadBridgeConfig({ flags: { tz: "Mars/Base" } })).rejects.toThrow(
      /timeZone \(--tz\): unknown time zone/,
    );
    await expect(loadBridgeConfig({ file: path.join(dir, "missing.yaml") })).rejects.toThrow(/not found/);
    await expect(loadBridgeConfig({ flags: { external: "http://x" } })).rejects.toThrow(
      /external\.url \(--external\)/,
    );
  });
});
