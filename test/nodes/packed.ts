// `npm pack` of our Node-RED package (nodes/, built), as a user's palette manager would receive it.
import { execFile } from "node:child_process";
import { mkdir, mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { root } from "./embedded.js";

const run = promisify(execFile);

export const PACKAGE = "@homestream/node-red-smart-home";

export interface PackedNodes {
  /** A temporary folder holding the tarball and its unpacked contents (remove it when done). */
  dir: string;
  tarball: string;
  /** The files npm put in the tarball, relative to the package root. */
  files: string[];
  /** The unpacked package. */
  unpacked: string;
}

export async function packNodes(): Promise<PackedNodes> {
  const dir = await mkdtemp(join(tmpdir(), "hs-pack-"));
  const { stdout } = await run("npm", ["pack", "--json", "--pack-destination", dir], {
    cwd: join(root, "nodes"),
    maxBuffer: 64 * 1024 * 1024,
    timeout: 120_000,
  });
  const [info] = JSON.parse(stdout) as { filename: string; files: { path: string }[] }[];
  if (!info) throw new Error("npm pack printed no package");
  const unpacked = join(dir, "package");
  await mkdir(unpacked);
  const tarball = join(dir, info.filename);
  await run("tar", ["-xzf", tarball, "-C", unpacked, "--strip-components=1"]);
  return { dir, tarball, files: info.files.map((f) => f.path), unpacked };
}
