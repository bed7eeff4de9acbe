// `homestream bridge` and `homestream bridge add-user` through commander, in-process (no Kafka: the
// bridge then validates and counts only).
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { Command } from "commander";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { loadUsers } from "../../bridge/users.js";
import { bridgeCommand, runBridge } from "../../cli/bridge.js";
import { UsageError } from "../../cli/errors.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "hs-bridge-cli-"));
});
afterEach(async () => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
  await rm(dir, { recursive: true, force: true });
});

function program(): Command {
  const p = new Command("homestream").exitOverride();
  p.addCommand(bridgeCommand().exitOverride());
  for (const c of p.commands) for (const s of c.commands) s.exitOverride();
  return p;
}

describe("homestream bridge add-user", () => {
  it("writes a scrypt hash and the prefixes, which then authenticate", async () => {
    const stderr = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    vi.stubEnv("HOMESTREAM_PASSWORD", "s3cret pass");
    const users = path.join(dir, "users.yaml");
    await program().parseAsync(
      ["bridge", "add-user", users, "kitchen-sensor", "--allow", "home/kitchen", "home/hall"],
      { from: "user" },
    );
    const text = await readFile(users, "utf8");
    expect(text).toMatch(/password: scrypt\$16384\$8\$1\$/);
    expect(text).not.toContain("s3cret");
    const dirUsers = await loadUsers(users);
    const p = await dirUsers.authenticate("kitchen-sensor", Buffer.from("s3cret pass"));
    expect(p?.acl.allowsTopic("home/kitchen/temperature")).toBe(true);
    expect(p?.acl.allowsTopic("home/bedroom/temperature")).toBe(false);
    expect(await dirUsers.authenticate("kitchen-sensor", Buffer.from("wrong"))).toBeUndefined();
    expect(String(stderr.mock.calls.at(-1)?.[0])).toMatch(/added kitchen-sensor/);
  });

  it("refuses to run without a password source", async () => {
    vi.stubEnv("HOMESTREAM_PASSWORD", undefined as unknown as string);
    await expect(
      program().parseAsync(["bridge", "add-user", path.join(dir, "u.yaml"), "x"], {
        from: "user",
      }),
    ).rejects.toThrow(UsageError);
  });
});

describe("homestream bridge", () => {
  it("turns a bad flag into a usage error naming the flag", async () => {
    await expect(runBridge({ mqttPort: "99999" }, Promise.resolve("test"))).rejects.toThrow(
      /mqtt\.port \(--mqtt-port\): must be between 0 and 65535/,
    );
    await expect(runBridge({ mqttPort: "99999" }, Promise.resolve("test"))).rejects.toBeInstanceOf(
      UsageError,
    );
  });

  it("names the environment variable that set a bad value", async () => {
    vi.stubEnv("HOMESTREAM_KAFKA_TOPIC", "bad topic!");
    await expect(runBridge({}, Promise.resolve("test"))).rejects.toThrow(
      /kafka\.topic \(HOMESTREAM_KAFKA_TOPIC\)/,
    );
  });

  it("reports producer settings the Kafka layer refuses as a usage error", async () => {
    const file = path.join(dir, "bridge.yaml");
    const { writeFile } = await import("node:fs/promises");
    await writeFile(
      file,
      "kafka: { brokers: [127.0.0.1:1], producer: { lingerMs: -1 } }\nlogLevel: silent\n",
    );
    const err = await runBridge({ config: file, mqttPort: "0" }, Promise.resolve("test")).catch((e) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect(err.message).toMatch(/producer\.lingerMs/);
  });

  it("refuses to listen beyond loopback without users or --allow-anonymous (exit 2)", async () => {
    // The built entry point, as an operator runs it; it exits before it binds anything.
    const main = path.join(import.meta.dirname, "..", "..", "dist", "cli", "main.js");
    const out = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const p = spawn(process.execPath, [main, "bridge", "--mqtt-host", "0.0.0.0", "--mqtt-port", "0"], {
        stdio: ["ignore", "ignore", "pipe"],
      });
      let stderr = "";
      p.stderr.setEncoding("utf8").on("data", (d: string) => {
        stderr += d;
      });
      p.on("exit", (code) => resolve({ code, stderr }));
    });
    expect(out.code).toBe(2);
    expect(out.stderr).toMatch(
      /mqtt\.host \(--mqtt-host\): 0\.0\.0\.0 is reachable from other machines and there is no users file/,
    );
    expect(out.stderr).toMatch(/--allow-anonymous/);
    await expect(runBridge({ mqttHost: "0.0.0.0" }, Promise.resolve("test"))).rejects.toBeInstanceOf(
      UsageError,
    );
  });

  it("starts with its Kafka side in a worker thread as an operator runs it", async () => {
    // The built entry point restarts itself with V8 heap flags (cli/memory-flags.ts), which a worker
    // thread must not be handed. Kafka at a closed port: the bridge serves MQTT and keeps trying.
    const main = path.join(import.meta.dirname, "..", "..", "dist", "cli", "main.js");
    const p = spawn(
      process.execPath,
      [
        main,
        "bridge",
        "--kafka-worker",
        "--kafka-brokers",
        "127.0.0.1:1",
        "--mqtt-port",
        "0",
        "--log-level",
        "silent",
      ],
      { stdio: ["ignore", "ignore", "pipe"] },
    );
    let stderr = "";
    const up = new Promise<void>((resolve) =>
      p.stderr.setEncoding("utf8").on("data", (d: string) => {
        stderr += d;
        if (stderr.includes("bridge: mqtt://127.0.0.1:")) resolve();
      }),
    );
    const exited = new Promise<number | null>((resolve) => p.on("exit", (code) => resolve(code)));
    await Promise.race([up, exited]);
    expect(stderr).toMatch(/bridge: mqtt:\/\/127\.0\.0\.1:\d+ -> Kafka 127\.0\.0\.1:1/);
    // (How it stops is the in-process tests' and restart.kafka.test.ts's subject; under the test runner
    // this process was seen to die of the SIGTERM instead of handling it, once in three runs: see the
    // closing note of issue 11.)
    p.kill("SIGKILL");
    await exited;
  }, 60_000);

  it("runs until told to stop, then prints its summary", async () => {
    const stderr = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    let stop: (s: string) => void = () => {};
    const until = new Promise<string>((resolve) => {
      stop = resolve;
    });
    const run = runBridge({ mqttPort: "0", logLevel: "silent" }, until);
    await vi.waitFor(() =>
      expect(stderr.mock.calls.some((c) => /bridge: mqtt:\/\/127\.0\.0\.1:\d+/.test(String(c[0])))).toBe(
        true,
      ),
    );
    stop("SIGTERM");
    await run;
    expect(String(stderr.mock.calls.at(-1)?.[0])).toMatch(/bridge: stopped; 0 messages received/);
  });
});
