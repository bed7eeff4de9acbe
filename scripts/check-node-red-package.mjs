// The Node-RED flow library's scorecard rules that need no network, checked on a Node-RED package folder
// (its package.json, LICENSE and examples/): `node scripts/check-node-red-package.mjs [dir]` prints each
// breach and exits 1 if there is one. The rules are node-red-dev's (P01 licence, P03 repository or bugs,
// P05 keyword, P06 Node-RED version, P07 Node.js version, N02 examples, D01 number of dependencies, D02
// packages a node must not depend on); the limit of 6 dependencies is ours (the library's is 6 too).
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const MAX_DEPENDENCIES = 6;
/** A node package must not bring a runtime, an editor or a dashboard of its own. */
const BANNED = [
  "node-red",
  "node-red-dashboard",
  "@flowfuse/node-red-dashboard",
  "@node-red/runtime",
  "@node-red/editor-api",
];

/** @returns {string[]} the breaches, each naming the rule and what is wrong */
export function checkNodeRedPackage(dir) {
  const breaches = [];
  const pkgFile = join(dir, "package.json");
  if (!existsSync(pkgFile)) return [`no package.json in ${dir}`];
  const pkg = JSON.parse(readFileSync(pkgFile, "utf8"));
  const nodeRed = pkg["node-red"] ?? {};
  if (!pkg.license) breaches.push("P01 licence: package.json has no license");
  if (!["LICENSE", "LICENSE.md", "LICENSE.txt"].some((f) => existsSync(join(dir, f))))
    breaches.push("P01 licence: no LICENSE file");
  const repo = typeof pkg.repository === "string" ? pkg.repository : pkg.repository?.url;
  if (!repo && !pkg.bugs) breaches.push("P03 repository: neither repository nor bugs is set");
  if (!(pkg.keywords ?? []).includes("node-red")) breaches.push('P05 keyword: keywords lack "node-red"');
  if (!nodeRed.version) breaches.push('P06 Node-RED version: no "node-red.version"');
  if (!pkg.engines?.node) breaches.push("P07 Node.js version: no engines.node");
  const types = Object.keys(nodeRed.nodes ?? {});
  if (types.length === 0) breaches.push('N01: no nodes in "node-red.nodes"');
  for (const [type, file] of Object.entries(nodeRed.nodes ?? {}))
    if (!existsSync(join(dir, file))) breaches.push(`N01: ${type}'s file ${file} is missing (build first)`);
  const examplesDir = join(dir, "examples");
  const exampleTypes = new Set();
  if (existsSync(examplesDir)) {
    const walk = (d) => {
      for (const e of readdirSync(d, { withFileTypes: true })) {
        const p = join(d, e.name);
        if (e.isDirectory()) walk(p);
        else if (e.name.endsWith(".json"))
          for (const n of JSON.parse(readFileSync(p, "utf8")))
            if (n && typeof n.type === "string") exampleTypes.add(n.type);
      }
    };
    walk(examplesDir);
  } else breaches.push("N02 examples: no examples/ folder");
  for (const type of types)
    if (!exampleTypes.has(type)) breaches.push(`N02 examples: no example uses ${type}`);
  const deps = Object.keys(pkg.dependencies ?? {});
  if (deps.length > MAX_DEPENDENCIES)
    breaches.push(`D01 dependencies: ${deps.length} (${deps.join(", ")}), at most ${MAX_DEPENDENCIES}`);
  for (const bad of deps.filter((d) => BANNED.includes(d)))
    breaches.push(`D02 dependencies: must not depend on ${bad}`);
  return breaches;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const dir = resolve(process.argv[2] ?? join(fileURLToPath(import.meta.url), "..", "..", "nodes"));
  const breaches = checkNodeRedPackage(dir);
  for (const b of breaches) console.error(`check-node-red-package: ${b}`);
  if (breaches.length > 0) process.exit(1);
  console.log(`check-node-red-package: ${dir}: no breach`);
}
