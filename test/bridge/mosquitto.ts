// A real Mosquitto (Debian's) for the external-broker suites: its own config file on a free loopback
// port, started and stopped by PID. And Debian's mosquitto_pub, the third-party client of several suites.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { connect as netConnect } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";

/** Mosquitto on PATH, else where Debian puts it (/usr/sbin is not on every user's PATH). */
export const MOSQUITTO = [...(process.env.PATH ?? "").split(path.delimiter).filter(Boolean), "/usr/sbin"]
  .map((dir) => path.join(dir, "mosquitto"))
  .find((p) => existsSync(p));

/** One QoS 1 message with Debian's mosquitto_pub; throws with its stderr when it fails. */
export function mosquittoPub(
  mqtt: { host: string; port: number },
  topic: string,
  message: string,
  auth?: { user: string; password: string },
): void {
  const args = ["-h", mqtt.host, "-p", String(mqtt.port), "-q", "1", "-t", topic, "-m", message];
  if (auth) args.push("-u", auth.user, "-P", auth.password);
  const r = spawnSync("mosquitto_pub", args, { encoding: "utf8", timeout: 10_000 });
  if (r.status !== 0)
    throw new Error(`mosquitto_pub ${topic}: ${r.error?.message ?? `exit ${r.status}`}: ${r.stderr}`);
}

export interface Mosquitto {
  url: string;
  port: number;
  pid: number;
  stop(): Promise<void>;
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = netConnect(port, "127.0.0.1");
    s.once("connect", () => {
      s.destroy();
      resolve(true);
    });
    s.once("error", () => resolve(false));
  });
}

export async function startMosquitto(port: number, extra: string[] = []): Promise<Mosquitto> {
  if (!MOSQUITTO) throw new Error("mosquitto is not installed (apt-get install mosquitto)");
  const dir = await mkdtemp(path.join(tmpdir(), "hs-mosquitto-"));
  const conf = path.join(dir, "mosquitto.conf");
  await writeFile(
    conf,
    [
      `listener ${port} 127.0.0.1`,
      "allow_anonymous true",
      "persistence false",
      // The defaults (20 in flight, 1000 queued) throttle and drop QoS 1 for a busy subscriber.
      "max_inflight_messages 1000",
      "max_queued_messages 1000000",
      "log_dest stderr",
      "log_type error",
      "log_type warning",
      ...extra,
      "",
    ].join("\n"),
  );
  const child: ChildProcess = spawn(MOSQUITTO, ["-c", conf], { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr?.on("data", (d) => {
    stderr += String(d);
  });
  const deadline = Date.now() + 10_000;
  while (!(await portOpen(port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`mosquitto did not start on ${port}: ${stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const pid = child.pid as number;
  return {
    url: `mqtt://127.0.0.1:${port}`,
    port,
    pid,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once("exit", resolve));
        process.kill(pid, "SIGTERM");
        await exited;
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}
