// Where the app finds its files: its own root (flows/) and the Node-RED package it embeds.
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

/** The folder of our Node-RED package (nodes/ in the repository; the installed package elsewhere). */
export function nodesPackageDir(): string {
  const require = createRequire(__filename);
  return path.dirname(require.resolve("@homestream/node-red-smart-home/package.json"));
}

/** Walks up from `from` (this compiled file's folder) to the folder holding our package.json. */
export function packageRoot(from: string = __dirname): string {
  let dir = from;
  for (;;) {
    if (existsSync(path.join(dir, "package.json")) && existsSync(path.join(dir, "dist"))) return dir;
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`cannot find the package root above ${from}`);
    dir = up;
  }
}
