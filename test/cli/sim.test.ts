import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runSim } from "../../cli/sim.js";
import { planSim, type SimFlags } from "../../cli/sim-flags.js";
import type { SimOutput } from "../../cli/sim-output.js";
import { parseReadingJson } from "../../core/reading.js";
import type { SimEvent } from "../../simulator/events.js";
import { BIN, homestream, requireBuiltCli, userEnv } from "./built-cli.js";

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

// The built command in a real process (the package's bin, built by `npm run build`).
const built = requireBuiltCli();

function sim(args: string[]) {
  return homestream(["sim", ...args]);
}

/** `homestream ...args` running on, for the tests that stop it themselves. */
function spawnBin(args: string[]) {
  return spawn(BIN, args, { stdio: ["ignore", "pipe", "pipe"], env: userEnv() });
}

describe.runIf(built)("homestream sim (built CLI, real process)", () => {
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
    const child = spawnBin(["sim", "--rate", "0"]);
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
    const child = spawnBin(["sim", "--seed", "1", "--rate", "2"]);
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
