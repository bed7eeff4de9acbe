// The architecture rules as facts: each part imports only what its own package.json declares, and of
// ours only what the design allows (design.md, "Packages"). npm links every workspace at the root, so
// Node alone would let any part import any other: this reads every import of every source file.
import { readdirSync, readFileSync } from "node:fs";
import { builtinModules } from "node:module";
import path from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = path.resolve(__dirname, "..", "..");

/** Of ours, what each part may import (design.md). The app (the root: cli/, start/) may import all. */
const ALLOWED_OURS: Record<string, string[]> = {
  core: [],
  simulator: ["@homestream/core"],
  kafka: ["@homestream/core"],
  nodes: ["@homestream/core", "@homestream/simulator", "@homestream/kafka"],
  bridge: ["@homestream/core", "@homestream/kafka"],
};
/** The Node-RED package builds these in (scripts/build.mjs), so it needs their libraries too. */
const BUILT_INTO_NODES = ["core", "simulator", "kafka"];

interface Manifest {
  name: string;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}
const manifest = (dir: string): Manifest =>
  JSON.parse(readFileSync(path.join(ROOT, dir, "package.json"), "utf8"));

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) {
      if (e.name !== "dist" && e.name !== "node_modules") out.push(...sourceFiles(p));
    } else if (e.name.endsWith(".ts") && !e.name.endsWith(".d.ts")) out.push(p);
  }
  return out;
}

/** Every module specifier a file imports, requires or loads with import(). */
function specifiers(file: string): string[] {
  const text = readFileSync(file, "utf8");
  const found = [
    ...text.matchAll(/^\s*(?:import|export)\s[^;]*?from\s+"([^"]+)"/gms),
    ...text.matchAll(/^\s*import\s+"([^"]+)"/gm),
    ...text.matchAll(/\b(?:require|import)\(\s*"([^"]+)"\s*\)/g),
  ];
  return found.map((m) => m[1] as string);
}

const packageName = (spec: string) =>
  spec.startsWith("@") ? spec.split("/").slice(0, 2).join("/") : (spec.split("/")[0] as string);
const isBuiltin = (spec: string) => spec.startsWith("node:") || builtinModules.includes(packageName(spec));

const parts = [
  ...Object.keys(ALLOWED_OURS).map((dir) => ({ dir, folders: [dir] })),
  { dir: ".", folders: ["cli", "start"] },
];

describe.each(parts)("imports of $dir", ({ dir, folders }) => {
  const pkg = manifest(dir);
  const files = folders.flatMap((f) => sourceFiles(path.join(ROOT, f)));
  const imports = files.flatMap((file) => specifiers(file).map((spec) => ({ file, spec })));

  it("has sources to check", () => {
    expect(files.length).toBeGreaterThan(0);
    expect(imports.length).toBeGreaterThan(files.length / 2);
  });

  it("reaches no file outside its own package by a relative path", () => {
    const own = folders.map((f) => path.join(ROOT, f));
    const escaping = imports
      .filter(({ spec }) => spec.startsWith("."))
      .filter(({ file, spec }) => {
        const target = path.resolve(path.dirname(file), spec);
        return !own.some((o) => target === o || target.startsWith(o + path.sep));
      })
      .map(({ file, spec }) => `${path.relative(ROOT, file)}: ${spec}`);
    expect(escaping).toEqual([]);
  });

  it("imports only packages its package.json declares, and of ours only what the design allows", () => {
    const declared = new Set(Object.keys(pkg.dependencies ?? {}));
    // The Node-RED package lists the packages it builds in as devDependencies (npm must not fetch them).
    if (dir === "nodes") for (const b of BUILT_INTO_NODES) declared.add(`@homestream/${b}`);
    const undeclared = imports
      .filter(({ spec }) => !spec.startsWith(".") && !isBuiltin(spec))
      .filter(({ spec }) => !declared.has(packageName(spec)))
      .map(({ file, spec }) => `${path.relative(ROOT, file)}: ${spec}`);
    expect(undeclared).toEqual([]);
    const allowed = ALLOWED_OURS[dir];
    if (allowed) {
      const ours = [
        ...new Set(imports.map(({ spec }) => packageName(spec)).filter((n) => n.startsWith("@homestream/"))),
      ];
      expect(ours.filter((n) => !allowed.includes(n))).toEqual([]);
    }
  });
});

describe("the Node-RED package's dependencies", () => {
  it("cover the libraries of the packages built into it, at the same ranges", () => {
    const nodes = manifest("nodes").dependencies ?? {};
    for (const b of BUILT_INTO_NODES)
      for (const [dep, range] of Object.entries(manifest(b).dependencies ?? {})) {
        if (dep.startsWith("@homestream/")) continue;
        expect(nodes[dep], `${b} needs ${dep}`).toBe(range);
      }
  });
});
