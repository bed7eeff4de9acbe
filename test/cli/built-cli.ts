// The `homestream` command as users run it: the package's bin (dist/cli/main.js after `npm run build`),
// executed through its own `#!/usr/bin/env node` line with this Node first on PATH, as npm puts it.
// The tests never build: `npm test` builds first. A bin missing or older than the sources is a missing
// prerequisite (test/setup/prerequisite.ts): under CI=true the run fails, elsewhere the suite skips.
import { type SpawnSyncOptions, spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { requirePrerequisite } from "../setup/prerequisite.js";

export const ROOT = path.resolve(__dirname, "..", "..");
const pkg = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")) as {
  bin: { homestream: string };
};
/** The file package.json's `bin.homestream` names. */
export const BIN = path.join(ROOT, pkg.bin.homestream);

/** The environment a user's shell gives the bin: this Node (the project's, from npm) first on PATH. */
export function userEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const PATH = [path.dirname(process.execPath), process.env.PATH].filter(Boolean).join(path.delimiter);
  return { ...process.env, PATH, ...extra };
}

const SOURCE_DIRS = ["cli", "core", "simulator", "kafka", "nodes", "bridge", "start"];

function newestSource(): { file: string; mtimeMs: number } {
  let newest = { file: "", mtimeMs: 0 };
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.name === "node_modules" || entry.name === "dist") continue;
      const p = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(p);
      else if (p.endsWith(".ts") && statSync(p).mtimeMs > newest.mtimeMs)
        newest = { file: path.relative(ROOT, p), mtimeMs: statSync(p).mtimeMs };
    }
  };
  for (const d of SOURCE_DIRS) if (existsSync(path.join(ROOT, d))) walk(path.join(ROOT, d));
  return newest;
}

/** Why the built bin cannot be trusted to be the sources' build, or undefined when it can. */
function builtCliProblem(): string | undefined {
  const rel = path.relative(ROOT, BIN);
  if (!existsSync(BIN)) return `${rel} is missing: run \`npm run build\``;
  const newest = newestSource();
  if (newest.mtimeMs > statSync(BIN).mtimeMs)
    return `${rel} is older than ${newest.file}: run \`npm run build\``;
  return undefined;
}

/** Whether suites of the built CLI run (see the file's comment); call once at a test file's top level. */
export function requireBuiltCli(): boolean {
  const problem = builtCliProblem();
  return requirePrerequisite(
    "built-cli",
    problem === undefined,
    problem ?? `${path.relative(ROOT, BIN)}, built from the sources by \`npm run build\``,
  );
}

export interface BinResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `homestream ...args` to its end; `input` goes to stdin. */
export function homestream(args: string[], input = "", options: SpawnSyncOptions = {}): BinResult {
  const r = spawnSync(BIN, args, {
    cwd: ROOT,
    input,
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
    timeout: 120_000,
    ...options,
    env: userEnv(options.env),
  });
  if (r.error) throw new Error(`homestream ${args.join(" ")}: ${r.error.message}`);
  return { status: r.status, stdout: String(r.stdout), stderr: String(r.stderr) };
}
