// homestream sim's network outputs, as a user runs them: the built CLI publishing to a real MQTT
// broker (the bridge's, forwarding to the real Kafka broker) and producing to Kafka directly, with
// what landed read back by kcat, an independent client.
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { createServer } from "node:net";
import { afterAll, describe, expect, it } from "vitest";
import { kafka, kcatConsumeAll, noBroker, uniqueTopic } from "../kafka/helpers.js";
import { BIN, requireBuiltCli, userEnv } from "./built-cli.js";

const brokers = kafka.brokers.join(",");

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(BIN, args, { timeout: 60_000, env: userEnv() }, (err, stdout, stderr) =>
      resolve({ code: err ? Number((err as NodeJS.ErrnoException).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
    s.once("error", reject);
  });
}

const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill("SIGKILL");
});

describe.runIf(!noBroker && requireBuiltCli())("homestream sim to MQTT and Kafka", () => {
  it("--kafka produces the seeded readings keyed by room, the same as on stdout", async () => {
    const topic = uniqueTopic("sim-kafka");
    const args = ["sim", "--seed", "42", "--count", "300"];
    const produced = await run([...args, "--kafka", brokers, "--kafka-topic", topic]);
    expect(produced.stderr).toMatch(/300 readings/);
    expect(produced.code).toBe(0);
    const printed = (await run(args)).stdout.trim().split("\n");
    const landed = await kcatConsumeAll(brokers, topic);
    expect(landed).toHaveLength(300);
    for (const m of landed) expect(m.key).toBe(JSON.parse(m.payload as string).room);
    expect(landed.map((m) => m.payload).sort()).toEqual([...printed].sort());
  });

  it("--mqtt publishes QoS 1 readings that the bridge forwards to Kafka", async () => {
    const topic = uniqueTopic("sim-mqtt");
    const port = await freePort();
    const bridgeArgs = [
      "bridge",
      "--mqtt-port",
      String(port),
      "--kafka-brokers",
      brokers,
      "--kafka-topic",
      topic,
    ];
    const bridge = spawn(BIN, bridgeArgs, {
      stdio: ["ignore", "pipe", "pipe"],
      env: userEnv({ HOMESTREAM_LOG_LEVEL: "warn" }),
    });
    children.push(bridge);
    let bridgeErr = "";
    bridge.stderr?.on("data", (d: Buffer) => {
      bridgeErr += d.toString();
    });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`bridge did not start: ${bridgeErr}`)), 30_000);
      const check = () => {
        if (bridgeErr.includes(`mqtt://127.0.0.1:${port}`)) {
          clearTimeout(timer);
          resolve();
        }
      };
      bridge.stderr?.on("data", check);
      bridge.stdout?.on("data", check);
      bridge.once("exit", (code) => reject(new Error(`bridge exited ${code}: ${bridgeErr}`)));
    });
    const sim = await run(["sim", "--seed", "7", "--count", "200", "--mqtt", `mqtt://127.0.0.1:${port}`]);
    expect(sim.code).toBe(0);
    // QoS 1: the bridge acknowledged each publish only after Kafka had it, so all are there now.
    const landed = await kcatConsumeAll(brokers, topic);
    expect(landed).toHaveLength(200);
    for (const m of landed) expect(m.key).toBe(JSON.parse(m.payload as string).room);
    const exited = new Promise<number | null>((resolve) => bridge.once("exit", resolve));
    bridge.kill("SIGINT");
    expect(await exited).toBe(0);
  });

  it("refuses --mqtt with --kafka, and a URL that is not MQTT, as usage errors", async () => {
    const both = await run(["sim", "--count", "1", "--mqtt", "mqtt://127.0.0.1:1", "--kafka", brokers]);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/--mqtt and --kafka: choose one output/);
    const bad = await run(["sim", "--count", "1", "--mqtt", "http://127.0.0.1:1"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--mqtt: "http:\/\/127.0.0.1:1" is not an MQTT URL/);
  });
});
