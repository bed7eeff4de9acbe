// `--state FILE` for stats and detect: state loaded at start when the file exists, written at the
// end atomically (a temporary file beside it, flushed, then renamed over it), so a run killed
// part-way leaves the previous state, never half a file.
import { randomBytes } from "node:crypto";
import { open, readFile, rename, rm } from "node:fs/promises";
import path from "node:path";

export type LoadedState = { found: false } | { found: true; value: unknown } | { found: true; error: string };

/** The parsed JSON in `file`; `found: false` when there is no such file. */
export async function loadStateFile(file: string): Promise<LoadedState> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return { found: false };
    throw err;
  }
  try {
    return { found: true, value: JSON.parse(text) as unknown };
  } catch (err) {
    return { found: true, error: `not JSON (${(err as Error).message})` };
  }
}

/** Writes `value` as JSON to `file`, replacing it only once the new content is on disk. */
export async function saveStateFile(file: string, value: unknown): Promise<void> {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(4).toString("hex")}.tmp`);
  const handle = await open(tmp, "w");
  try {
    await handle.writeFile(`${JSON.stringify(value)}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}
