import { spawn, spawnSync } from "node:child_process";
import { once } from "node:events";
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runSim } from "../../cli/sim.js";
import { planSim, type SimFlags } from "../../cli/sim-flags.js";
import type { SimOutput } from "../../cli/sim-output.js";
import { parseReadingJson } from "../../core/reading.js";
import type { SimEvent } from "../../simulator/events.js";

const env = { now: () => 0, randomSeed: () => 1, scenarioGiven: false };
const plan = (f: Partial<SimFlags>) => planSim({ scenario: "random", tz: "UTC", format: "auto", ...f }, env);
const dir = mkdtempSync(join(tmpdir(), "homestream-sim-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function memoryOutput(onSend: (count: number) => void = () => {}) {
  const events: SimEvent[] = [];
  let closed = false;
  const output: SimOutput = {
    send: (e) => {
      events.push(e);
      onSend(events.length);
      return undefined;
    },
    close: async () => {
      closed = true;
    },
  };
  return { output, events, isClosed: () => closed };
}

const noLog = () => {};

describe("runSim", () => {
  it("emits exactly --count events and closes the output", async () => {
    const m = memoryOutput();
    const summary = await runSim(plan({ seed: "9", count: "123" }), {
      output: m.output,
      log: noLog,
      signal: new AbortController().signal,
    });
    expect(m.events).toHaveLength(123);
    expect(m.isClosed()).toBe(true);
    expect(summary).toMatchObject({ lines: 123, readings: 123, malformed: 0, interrupted: false });
  });

  it("counts malformed payloads as lines", async () => {
    const m = memoryOutput();
    const summary = await runSim(plan({ seed: "9", count: "2000", faults: "malformed=0.5" }), {
      output: m.output,
      log: noLog,
      signal: new AbortController().signal,
    });
    expect(summary.lines).toBe(2000);
    expect(summary.malformed).toBe(m.events.filter((e) => e.kind === "malformed").length);
    expect(summary.malformed).toBeGreaterThan(800);
  });

  it("stops when the signal aborts, mid-wait in a paced run", async () => {
    const stop = new AbortController();
    // The first event is due at once, the second a second later: abort while waiting for it.
    const m = memoryOutput(() => stop.abort());
    const summary = await runSim(plan({ seed: "9", rate: "1" }), {
      output: m.output,
      log: noLog,
      signal: stop.signal,
    });
    expect(summary).toMatchObject({ lines: 1, interrupted: true });
    expect(m.isClosed()).toBe(true);
  });

  it("stops an unpaced endless run when the signal aborts", async () => {
    const stop = new AbortController();
    const m = memoryOutput((n) => {
      if (n === 1000) stop.abort();
    });
    const summary = await runSim(plan({ seed: "9", rate: "0" }), {
      output: m.output,
      log: noLog,
      signal: stop.signal,
    });
    expect(summary.interrupted).toBe(true);
    // It notices within one breathing interval of the event loop.
    expect(summary.lines).toBeGreaterThanOrEqual(1000);
    expect(summary.lines).toBeLessThan(1000 + 300);
  });

  it("replays a log, reporting skipped lines with their number", async () => {
    const path = join(dir, "log.csv");
    writeFileSync(
      path,
      [
        "room,sensor_type,value,timestamp,device_id",
        "kitchen,temperature,21.5,2026-01-01T10:00:00,kitchen_temperature_001",
        "kitchen,light,ON,2026-01-01T10:00:05,kitchen_light_001",
        "kitchen,light,dim,2026-01-01T10:00:06,kitchen_light_001",
        "kitchen,presence,0,2026-01-01T10:00:10,kitchen_presence_001",
      ].join("\n"),
    );
    const m = memoryOutput();
    const lines: string[] = [];
    const summary = await runSim(plan({ replay: path, speed: "0" }), {
      output: m.output,
      log: (l) => lines.push(l),
      signal: new AbortController().signal,
    });
    expect(m.events.map((e) => e.kind === "reading" && [e.reading.sensor_type, e.reading.value])).toEqual([
      ["temperature", 21.5],
      ["light", 1],
      ["presence", 0],
    ]);
    expect(lines).toEqual([expect.stringMatching(/^sim: line 4: value: /)]);
    expect(summary).toMatchObject({ lines: 3, skipped: 1, firstTime: Date.UTC(2026, 0, 1, 10) });
  });
});

// The built command in a real process. Builds dist/ first when the compiled command is missing or
// older than its sources.
const root = resolve(__dirname, "../..");
const main = join(root, "dist/cli/main.js");
const node = join(root, "node_modules/.bin/node");

function newestSource(): number {
  let newest = 0;
  const walk = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, entry.name);
      if (entry.isDirectory()) walk(p);
      else if (p.endsWith(".ts")) newest = Math.max(newest, statSync(p).mtimeMs);
    }
  };
  for (const d of ["cli", "core", "simulator"]) walk(join(root, d));
  return newest;
}

function sim(args: string[]) {
  return spawnSync(node, [main, "sim", ...args], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
}

describe("homestream sim (built CLI, real process)", () => {
  beforeAll(() => {
    const compiled = join(root, "dist/cli/sim.js");
    if (!existsSync(compiled) || statSync(compiled).mtimeMs < newestSource()) {
      // Others' work in progress may not type-check; tsc still emits, and sim.js is what matters here.
      spawnSync(join(root, "node_modules/.bin/tsc"), ["-p", join(root, "tsconfig.json")], {
        encoding: "utf8",
      });
    }
    // `sim --help` would fall back to the program's help if sim were missing; an empty run cannot.
    const probe = sim(["--count", "0", "--seed", "1"]);
    if (probe.status !== 0) {
      throw new Error(
        `"homestream sim" is not available (is simCommand in cli/commands.ts?): ${probe.stderr}`,
      );
    }
  }, 120_000);

  it("sim --seed 42 --count 2000 prints the same 2000 valid readings every time, at once", () => {
    const a = sim(["--seed", "42", "--count", "2000"]);
    const b = sim(["--seed", "42", "--count", "2000"]);
    expect(a.status).toBe(0);
    expect(b.status).toBe(0);
    expect(a.stdout).toBe(b.stdout);
    const lines = a.stdout.split("\n");
    expect(lines.pop()).toBe("");
    expect(lines).toHaveLength(2000);
    for (const line of lines) expect(parseReadingJson(line).ok, line).toBe(true);
    expect(JSON.parse(lines[0] as string).timestamp).toBe("2026-01-01T00:00:00.000Z");
    expect(a.stderr).toContain("seed 42");
    expect(a.stderr.trim().split("\n").at(-1)).toBe(
      "sim: 2000 lines, 2000 readings, 0 malformed, event time 2026-01-01T00:00:00.000Z to 2026-01-01T00:33:19.000Z",
    );
  });

  it("differs for another seed, and reproduces a run from the flags it prints", () => {
    const other = sim(["--seed", "43", "--count", "50"]);
    expect(other.stdout).not.toBe(sim(["--seed", "42", "--count", "50"]).stdout);
    const fresh = sim(["--scenario", "realistic", "--count", "300", "--faults", "malformed=0.1,late"]);
    expect(fresh.status).toBe(0);
    const flags = /the same flags with (.*)\)/.exec(fresh.stderr)?.[1]?.split(" ") ?? [];
    expect(flags).toContain("--seed");
    const again = sim([
      "--scenario",
      "realistic",
      ...flags,
      "--count",
      "300",
      "--faults",
      "malformed=0.1,late",
    ]);
    expect(again.stdout).toBe(fresh.stdout);
  });

  it("exits 0 quietly when the reader closes the pipe (| head)", async () => {
    const child = spawn(node, [main, "sim", "--rate", "0"], { stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (c: Buffer) => {
      stderr += c.toString();
    });
    const firstLine = new Promise<string>((resolveLine) => {
      let buf = "";
      child.stdout.on("data", (c: Buffer) => {
        buf += c.toString();
        const nl = buf.indexOf("\n");
        if (nl >= 0) resolveLine(buf.slice(0, nl));
      });
    });
    expect(parseReadingJson(await firstLine).ok).toBe(true);
    child.stdout.destroy();
    const [code, signal] = (await once(child, "exit")) as [number | null, string | null];
    expect({ code, signal }).toEqual({ code: 0, signal: null });
    expect(stderr).not.toMatch(/error|EPIPE/i);
  });

  it("exits 0 with its summary on Ctrl+C (SIGINT) in a live run", async () => {
    const child = spawn(node, [main, "sim", "--seed", "1", "--rate", "2"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (c: Buffer) => {
      stderr += c.toString();
    });
    await once(child.stdout, "data");
    child.kill("SIGINT");
    const [code] = (await once(child, "exit")) as [number | null];
    expect(code).toBe(0);
    expect(stderr).toMatch(/sim: \d+ lines, .*\(interrupted\)\n$/);
  });

  it("exits 2 naming the flag for a bad flag or a missing replay file", () => {
    const bad = sim(["--count", "many"]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain("--count");
    const missing = sim(["--replay", join(dir, "none.jsonl")]);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain("--replay");
    expect(missing.stdout).toBe("");
  });

  it("replays its own output", () => {
    const recorded = sim(["--seed", "5", "--count", "100", "--scenario", "realistic"]);
    const path = join(dir, "recorded.jsonl");
    writeFileSync(path, recorded.stdout);
    const replayed = sim(["--replay", path, "--speed", "0"]);
    expect(replayed.status).toBe(0);
    expect(replayed.stdout).toBe(recorded.stdout);
  });
});
