// The palette path, as a Node-RED user takes it: a Node-RED installed on its own from npm (not this
// repository's), started as its own process, and our packed tarball installed through its admin API
// (`POST /nodes`, what Menu → Manage palette → Install does: `npm install --omit=dev --engine-strict` in
// the user directory). Two pairs, the ends of what nodes/package.json claims: Node-RED 4.1 on the
// machine's system Node 20, and Node-RED 5 on Node 24. In each: the seven types register, every bundled
// example deploys with no unknown type, and readings go sensor-sim → windowed-stats → csv-writer into a
// file. The installed size and package count go to test-artifacts/palette-<version>.json.
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { assertBuilt, root } from "./embedded.js";
import { OUR_TYPES } from "./our-nodes.js";
import { PACKAGE, type PackedNodes, packNodes } from "./packed.js";

const run = promisify(execFile);

/** PATH without this repository's node_modules/.bin (where npm scripts find Node 24). */
const systemPath = (process.env.PATH ?? "")
  .split(delimiter)
  .filter((p) => !p.includes("node_modules"))
  .join(delimiter);

function findOnPath(cmd: string, path: string): string | undefined {
  for (const dir of path.split(delimiter)) if (dir && existsSync(join(dir, cmd))) return join(dir, cmd);
  return undefined;
}

async function nodeMajor(node: string): Promise<number> {
  const { stdout } = await run(node, ["-p", "process.versions.node"]);
  return Number(stdout.trim().split(".")[0]);
}

const version = (pkg: string) =>
  (JSON.parse(readFileSync(join(root, "node_modules", pkg, "package.json"), "utf8")) as { version: string })
    .version;

interface Target {
  name: string;
  nodeRed: string;
  /** The Node.js binary and the PATH its npm runs with. */
  node: () => Promise<{ node: string; path: string }>;
  wantMajor: (major: number) => boolean;
}

const targets: Target[] = [
  {
    name: "Node-RED 4.1 on the system Node 20",
    nodeRed: version("node-red-4"),
    node: async () => {
      const node = findOnPath("node", systemPath);
      if (!node) throw new Error("no system node on PATH (outside node_modules)");
      return { node, path: systemPath };
    },
    wantMajor: (m) => m === 20,
  },
  {
    name: "Node-RED 5 on Node 24",
    nodeRed: version("node-red"),
    node: async () => ({
      node: process.execPath,
      path: `${join(process.execPath, "..")}${delimiter}${systemPath}`,
    }),
    wantMajor: (m) => m === 24,
  },
];

async function freePort(): Promise<number> {
  const { createServer } = await import("node:net");
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** Every package npm installed under `dir/node_modules` (nested ones too). */
function countPackages(dir: string): number {
  let n = 0;
  const visit = (modules: string) => {
    if (!existsSync(modules)) return;
    for (const entry of readdirSync(modules)) {
      if (entry.startsWith(".")) continue;
      if (entry.startsWith("@")) {
        for (const sub of readdirSync(join(modules, entry))) visitPackage(join(modules, entry, sub));
      } else visitPackage(join(modules, entry));
    }
  };
  const visitPackage = (pkg: string) => {
    if (!existsSync(join(pkg, "package.json"))) return;
    n++;
    visit(join(pkg, "node_modules"));
  };
  visit(join(dir, "node_modules"));
  return n;
}

let packed: PackedNodes;
beforeAll(async () => {
  assertBuilt();
  packed = await packNodes();
}, 180_000);
afterAll(async () => {
  if (packed) await rm(packed.dir, { recursive: true, force: true });
});

describe.each(targets)("palette install: $name", (target) => {
  let dir: string;
  let red: ChildProcess | undefined;
  let url: string;
  let log = "";
  let env: { node: string; path: string };

  const api = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(url + path, {
      method,
      headers: {
        "content-type": "application/json",
        "Node-RED-API-Version": "v2",
        accept: "application/json",
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // text stays text
    }
    return { status: res.status, body: parsed };
  };

  const waitFor = async (what: string, check: () => Promise<boolean> | boolean, ms: number) => {
    const until = Date.now() + ms;
    while (Date.now() < until) {
      if (await check()) return;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`timed out waiting for ${what}; Node-RED said:\n${log.slice(-4000)}`);
  };

  const deploy = async (nodes: Record<string, unknown>[]) => {
    const res = await api("POST", "/flows", { flows: nodes });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
  };

  beforeAll(async () => {
    env = await target.node();
    expect(target.wantMajor(await nodeMajor(env.node)), `${env.node} is the Node.js this pair needs`).toBe(
      true,
    );
    dir = await mkdtemp(join(tmpdir(), "hs-palette-"));
    // The user's Node-RED: its own install from npm, as `npm install node-red` in any folder.
    const runtime = join(dir, "runtime");
    await mkdir(runtime);
    await writeFile(join(runtime, "package.json"), "{}");
    await run(
      "npm",
      ["install", "--no-audit", "--no-fund", "--omit=dev", "--no-save", `node-red@${target.nodeRed}`],
      { cwd: runtime, env: { ...process.env, PATH: env.path }, timeout: 300_000, maxBuffer: 64 << 20 },
    );
    const userDir = join(dir, "user");
    await mkdir(userDir);
    const port = await freePort();
    const settings = join(dir, "settings.js");
    await writeFile(
      settings,
      `module.exports = ${JSON.stringify({
        uiHost: "127.0.0.1",
        uiPort: port,
        userDir,
        flowFile: "flows.json",
        credentialSecret: "palette-test",
        fileWorkingDirectory: userDir,
        editorTheme: { tours: false },
        telemetry: { enabled: false, updateNotification: false },
        logging: { console: { level: "info" } },
      })};\n`,
    );
    red = spawn(env.node, [join(runtime, "node_modules", "node-red", "red.js"), "--settings", settings], {
      cwd: userDir,
      env: { ...process.env, PATH: env.path },
      stdio: ["ignore", "pipe", "pipe"],
    });
    red.stdout?.on("data", (d) => {
      log += String(d);
    });
    red.stderr?.on("data", (d) => {
      log += String(d);
    });
    url = `http://127.0.0.1:${port}`;
    await waitFor(
      "Node-RED to answer",
      async () => (await fetch(`${url}/settings`).catch(() => null))?.ok ?? false,
      60_000,
    );
  }, 400_000);

  afterAll(async () => {
    if (red && red.exitCode === null) {
      const exited = new Promise((r) => red?.once("exit", r));
      red.kill("SIGTERM");
      await exited;
    }
    if (dir) await rm(dir, { recursive: true, force: true });
  }, 60_000);

  it("installs the tarball through the admin API and registers the seven types", async () => {
    const form = new FormData();
    form.append("tarball", new Blob([await readFile(packed.tarball)]), "package.tgz");
    const res = await fetch(`${url}/nodes`, {
      method: "POST",
      headers: { "Node-RED-API-Version": "v2" },
      body: form,
      signal: AbortSignal.timeout(240_000),
    });
    const body = (await res.json()) as { name: string; nodes: { types: string[]; err?: string }[] };
    expect(res.status, JSON.stringify(body)).toBe(200);
    expect(body.name).toBe(PACKAGE);
    expect(body.nodes.filter((s) => s.err)).toEqual([]);
    expect(body.nodes.flatMap((s) => s.types).sort()).toEqual([...OUR_TYPES].sort());

    // What it added to the user's node_modules: the figures of the targets.
    const { stdout } = await run("du", ["-sk", join(dir, "user", "node_modules")]);
    const kb = Number(stdout.split(/\s/)[0]);
    const packages = countPackages(join(dir, "user"));
    const figures = {
      nodeRed: target.nodeRed,
      node: await nodeMajor(env.node),
      installed_mb: kb / 1024,
      packages,
    };
    await mkdir(join(root, "test-artifacts"), { recursive: true });
    await writeFile(
      join(root, "test-artifacts", `palette-${target.nodeRed}.json`),
      `${JSON.stringify(figures)}\n`,
    );
    console.log(`palette install, ${target.name}: ${JSON.stringify(figures)}`);
    expect(packages).toBeLessThanOrEqual(40);
    expect(kb / 1024).toBeLessThanOrEqual(20);
    for (const banned of ["node-red", "@flowfuse", "aedes", "express"])
      expect(existsSync(join(dir, "user", "node_modules", banned)), banned).toBe(false);
  }, 300_000);

  it("deploys every bundled example with no unknown type", async () => {
    const sets = (await api("GET", "/nodes")).body as { types: string[] }[];
    const known = new Set([...sets.flatMap((s) => s.types), "tab", "group", "subflow"]);
    const listing = (await api("GET", `/library/examples/flows/${PACKAGE}`)).body as (
      | { fn: string }
      | string
    )[];
    const names = listing.flatMap((e) => (typeof e === "string" ? [] : [e.fn]));
    expect(names).toEqual(expect.arrayContaining(["smart-home", ...OUR_TYPES.map((t) => t.slice(3))]));
    for (const name of names) {
      const flow = (await api("GET", `/library/examples/flows/${PACKAGE}/${name}`)).body as {
        id: string;
        type: string;
        x?: number;
      }[];
      expect(Array.isArray(flow), name).toBe(true);
      const unknown = flow.map((n) => n.type).filter((t) => !known.has(t));
      expect(unknown, `${name}: types the editor would not know`).toEqual([]);
      const before = log.length;
      await deploy([
        { id: "tab", type: "tab", label: name },
        ...flow.map((n) => ({ ...n, z: n.x === undefined ? undefined : "tab" })),
      ]);
      await waitFor(`${name} to start`, () => log.slice(before).includes("Started flows"), 30_000);
      expect(log.slice(before)).not.toMatch(/missing types|Waiting for missing/i);
    }
    await deploy([]);
  }, 180_000);

  it("passes readings sensor-sim → windowed-stats → csv-writer into a file", async () => {
    const out = join(dir, "user", "out");
    await deploy([
      { id: "t", type: "tab", label: "pipeline" },
      {
        id: "sim",
        type: "hs-sensor-sim",
        z: "t",
        mode: "random",
        seed: 7,
        rate: 20,
        count: 2000,
        asap: true,
        retime: true,
        speed: 1,
        autoStart: true,
        people: 2,
        reportEvery: "30s",
        lightLeftOn: 0.1,
        timeZone: "UTC",
        file: "",
        format: "auto",
        faults: "",
        x: 100,
        y: 100,
        wires: [["stats"]],
      },
      {
        id: "stats",
        type: "hs-windowed-stats",
        z: "t",
        window: "10s",
        slide: "",
        offset: "",
        watermark: "2s",
        mode: "append",
        trigger: "10s",
        groupRoom: true,
        groupSensor: true,
        groupDevice: false,
        sensors: "temperature, humidity",
        idle: "30s",
        timeZone: "UTC",
        x: 300,
        y: 100,
        wires: [["csv"], []],
      },
      {
        id: "csv",
        type: "hs-csv-writer",
        z: "t",
        baseDir: out,
        path: "stats.csv",
        timeZone: "UTC",
        columns: "",
        header: true,
        delimiter: "comma",
        lineEnding: "lf",
        neutralise: true,
        rotation: "none",
        maxSizeMb: 10,
        fsync: false,
        allowFilename: false,
        x: 500,
        y: 100,
        wires: [[]],
      },
    ]);
    const file = join(out, "stats.csv");
    await waitFor(
      "window results in the CSV file",
      () => existsSync(file) && readFileSync(file, "utf8").trim().split("\n").length >= 5,
      60_000,
    );
    const [header, ...rows] = readFileSync(file, "utf8").trim().split("\n");
    expect(header).toMatch(/^window_start,window_end,room,sensor_type,avg_value,min_value,max_value,count/);
    for (const row of rows)
      expect(row).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z,\d{4}-\d\d-\d\dT[\d:.]+Z,\w+,(temperature|humidity),/);
    await deploy([]);
  }, 120_000);
});
