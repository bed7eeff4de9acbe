// Runs the built `homestream start` (dist/cli/main.js) as a real process for tests: waits for the
// printed addresses, stops it with a signal, and reports how it ended. Ports are chosen by the OS
// (--port 0 --mqtt-port 0) so suites never collide; everything binds to loopback.
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";

export const ROOT = path.resolve(__dirname, "..", "..");
export const MAIN = path.join(ROOT, "dist", "cli", "main.js");

export interface StartedHomestream {
  proc: ChildProcess;
  editor: string;
  dashboard: string;
  mqtt?: { host: string; port: number };
  anomaliesDir: string;
  deployed?: string;
  stdout: () => string;
  stderr: () => string;
  /** Resolves when stdout or stderr matches `re`. */
  waitFor: (re: RegExp, ms?: number) => Promise<RegExpMatchArray>;
  /** Sends `signal` and resolves with the exit code (null if killed by a signal). */
  stop: (signal?: NodeJS.Signals) => Promise<number | null>;
}

/** Resolves once `text()` matches `re`, rejects when the process exits first or after `ms`. */
function waitForText(
  proc: ChildProcess,
  text: () => string,
  re: RegExp,
  ms: number,
): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    const check = () => {
      const m = text().match(re);
      if (m) {
        cleanup();
        resolve(m);
      }
    };
    const onExit = (code: number | null) => {
      cleanup();
      reject(new Error(`homestream exited (${code}) before printing ${re}:\n${text()}`));
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`no ${re} within ${ms} ms:\n${text()}`));
    }, ms);
    const cleanup = () => {
      clearTimeout(timer);
      proc.stdout?.off("data", check);
      proc.stderr?.off("data", check);
      proc.off("exit", onExit);
    };
    proc.stdout?.on("data", check);
    proc.stderr?.on("data", check);
    proc.once("exit", onExit);
    check();
  });
}

export async function startHomestream(
  args: string[],
  opts: { env?: Record<string, string | undefined>; cwd?: string; timeoutMs?: number } = {},
): Promise<StartedHomestream> {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run \`npm run build\` first`);
  const proc = spawn(process.execPath, [MAIN, "start", ...args], {
    cwd: opts.cwd ?? ROOT,
    env: { ...process.env, ...opts.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  proc.stdout?.setEncoding("utf8").on("data", (d: string) => {
    out += d;
  });
  proc.stderr?.setEncoding("utf8").on("data", (d: string) => {
    err += d;
  });
  const exited = new Promise<number | null>((resolve) => proc.once("exit", (code) => resolve(code)));
  const both = () => `${out}\n${err}`;
  try {
    await waitForText(proc, () => out, /Press Ctrl\+C to stop\./, opts.timeoutMs ?? 60_000);
  } catch (e) {
    proc.kill("SIGKILL");
    throw e;
  }
  const field = (name: string) => out.match(new RegExp(`^\\s+${name}:\\s+(\\S+)`, "m"))?.[1];
  const mqttUrl = field("MQTT");
  const mqtt = mqttUrl?.startsWith("mqtt://") ? new URL(mqttUrl) : undefined;
  return {
    proc,
    editor: field("editor") ?? "",
    dashboard: field("dashboard") ?? "",
    mqtt: mqtt ? { host: mqtt.hostname, port: Number(mqtt.port) } : undefined,
    anomaliesDir: field("anomalies") ?? "",
    deployed: out.match(/deployed the "(\w+)" example flow/)?.[1],
    stdout: () => out,
    stderr: () => err,
    stop: async (signal = "SIGINT") => {
      if (proc.exitCode !== null || proc.signalCode !== null) return proc.exitCode;
      proc.kill(signal);
      return exited;
    },
    waitFor: (re: RegExp, ms = 30_000) => waitForText(proc, both, re, ms),
  };
}

/** CSV rows (header first) of every file under `dir`, concatenated; [] while there are none. */
export function csvLines(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const lines: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    if (!name.endsWith(".csv")) continue;
    lines.push(...readFileSync(path.join(dir, name), "utf8").split("\n").filter(Boolean));
  }
  return lines;
}

/** Polls `probe` until it returns a value (not undefined), or throws after `ms`. */
export async function eventually<T>(
  probe: () => T | undefined | Promise<T | undefined>,
  ms: number,
  what: string,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
