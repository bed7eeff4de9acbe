// Build: compile every workspace package and the app to CommonJS (`tsc -b`: each package into its own
// dist/), then make the Node-RED package self-contained:
// - copy what Node-RED reads beside each node's .js (.html, locales, icons);
// - build our shared packages into it (core, simulator, kafka under nodes/dist/lib/, their requires
//   rewritten to relative paths), so a Node-RED user installs one package whose dependencies are only
//   the libraries those packages use;
// - generate the real examples/ folder Node-RED's Import > Examples reads, from flows/nodes/ (npm pack
//   drops symlinks, so it must be real files).
import { execFileSync } from "node:child_process";
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { dirname, join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const tsc = join(root, "node_modules", "typescript", "bin", "tsc");
const packages = ["core", "simulator", "kafka", "nodes", "bridge"];
/** The workspace packages built into the Node-RED package (it may import these and nothing else of ours). */
const bundled = ["core", "simulator", "kafka"];

for (const dir of [".", ...packages]) rmSync(join(root, dir, "dist"), { recursive: true, force: true });
execFileSync(process.execPath, [tsc, "-b", join(root, "tsconfig.json")], { stdio: "inherit" });
chmodSync(join(root, "dist", "cli", "main.js"), 0o755);

function* walk(dir) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (name === "dist" || name === "node_modules") continue;
    if (statSync(p).isDirectory()) yield* walk(p);
    else yield p;
  }
}

const nodesDir = join(root, "nodes");
const nodesDist = join(nodesDir, "dist");
let assets = 0;
for (const file of walk(nodesDir)) {
  const rel = relative(nodesDir, file);
  const isAsset =
    file.endsWith(".html") || rel.split(sep).some((part) => part === "locales" || part === "icons");
  if (!isAsset || rel.startsWith(`examples${sep}`) || rel.startsWith(`resources${sep}`)) continue;
  const target = join(nodesDist, rel);
  mkdirSync(dirname(target), { recursive: true });
  cpSync(file, target);
  assets++;
}

// Our packages inside the Node-RED package: their compiled JavaScript only.
for (const name of bundled) {
  cpSync(join(root, name, "dist"), join(nodesDist, "lib", name), {
    recursive: true,
    filter: (src) => statSync(src).isDirectory() || src.endsWith(".js"),
  });
}
const ours = new RegExp(`require\\("@homestream/(${bundled.join("|")})(?:/([^"]+))?"\\)`, "g");
let rewritten = 0;
function* jsFiles(dir) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) yield* jsFiles(p);
    else if (name.endsWith(".js")) yield p;
  }
}
for (const file of jsFiles(nodesDist)) {
  const text = readFileSync(file, "utf8");
  const out = text.replace(ours, (_, pkg, sub) => {
    rewritten++;
    let rel = relative(dirname(file), join(nodesDist, "lib", pkg, `${sub ?? "index"}.js`))
      .split(sep)
      .join("/");
    if (!rel.startsWith(".")) rel = `./${rel}`;
    return `require(${JSON.stringify(rel)})`;
  });
  if (out !== text) writeFileSync(file, out);
  if (/require\("@homestream\//.test(out))
    throw new Error(`build: ${relative(root, file)} requires a package of ours that is not built in`);
}

const flowsDir = join(root, "flows", "nodes");
const examplesDir = join(nodesDir, "examples");
rmSync(examplesDir, { recursive: true, force: true });
let examples = 0;
for (const file of walk(flowsDir)) {
  if (!file.endsWith(".json")) continue;
  const target = join(examplesDir, relative(flowsDir, file));
  mkdirSync(dirname(target), { recursive: true });
  cpSync(file, target);
  examples++;
}
if (!existsSync(join(nodesDist, "windowed-stats", "windowed-stats.js")))
  throw new Error("build: nodes were not compiled");
console.log(
  `build: ${packages.length} packages and the app compiled; Node-RED package: ${assets} node assets, ` +
    `${bundled.join("/")} built in (${rewritten} requires), ${examples} examples`,
);
