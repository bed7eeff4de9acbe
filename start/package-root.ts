// This package's root directory: Node-RED loads our nodes and examples from it.
import { existsSync } from "node:fs";
import path from "node:path";

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
