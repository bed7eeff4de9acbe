// Build: type-check and compile to CommonJS in dist/, copy what Node-RED reads beside each node's
// .js (.html, locales, icons), and generate the real examples/ folder Node-RED's Import > Examples
// reads from flows/ (npm pack drops symlinks, so it must be real files).
import { execFileSync } from "node:child_process";
import { chmodSync, cpSync, existsSync, mkdirSync, readdirSync, rmSync, statSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const tsc = join(root, "node_modules", "typescript", "bin", "tsc");

rmSync(join(root, "dist"), { recursive: true, force: true });
execFileSync(process.execPath, [tsc, "-p", join(root, "tsconfig.json")], { stdio: "inherit" });
chmodSync(join(root, "dist", "cli", "main.js"), 0o755);

function* walk(dir) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) yield* walk(p);
    else yield p;
  }
}

const nodesDir = join(root, "nodes");
let assets = 0;
if (existsSync(nodesDir)) {
  for (const file of walk(nodesDir)) {
    const rel = relative(nodesDir, file);
    const isAsset =
      file.endsWith(".html") || rel.split("/").some((part) => part === "locales" || part === "icons");
    if (!isAsset) continue;
    const target = join(root, "dist", "nodes", rel);
    mkdirSync(dirname(target), { recursive: true });
    cpSync(file, target);
    assets++;
  }
}

const flowsDir = join(root, "flows");
const examplesDir = join(root, "examples");
rmSync(examplesDir, { recursive: true, force: true });
let examples = 0;
if (existsSync(flowsDir)) {
  for (const file of walk(flowsDir)) {
    if (!file.endsWith(".json")) continue;
    const target = join(examplesDir, relative(flowsDir, file));
    mkdirSync(dirname(target), { recursive: true });
    cpSync(file, target);
    examples++;
  }
}
console.log(`build: compiled to dist/, ${assets} node assets copied, ${examples} examples generated`);
