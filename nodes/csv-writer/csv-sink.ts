// The csv-writer's files: resolves where rows go (template, rotation, base-directory
// confinement, including through symlinks), keeps a few files open for appending, and rotates
// by size. The clock is passed in; everything else here is file I/O.
import { mkdir, readdir, realpath, rename } from "node:fs/promises";
import { basename, dirname, parse } from "node:path";
import { type CsvFormat, type CsvRecord, columnsOf, formatCsv, rowCells } from "@homestream/core/csv-row";
import { CsvFile } from "./csv-file.js";
import {
  type Confined,
  confine,
  dayOf,
  hasDayToken,
  renderTemplate,
  rotatedName,
  withDaySuffix,
} from "./file-path.js";

export type Rotation = "none" | "daily" | "size";

export interface CsvSinkOptions {
  /** Absolute base directory; every file stays inside it. */
  baseDir: string;
  template: string;
  /** Zone of the date tokens and of the day boundary for daily rotation. */
  timeZone: string;
  rotation: Rotation;
  /** Size rotation: a file is moved aside before a write would take it past this. */
  maxBytes: number;
  columns: readonly string[] | undefined;
  header: boolean;
  format: CsvFormat;
  fsync: boolean;
  /** Files kept open at once (date templates and msg.filename can name many). */
  maxOpenFiles: number;
}

export class CsvSink {
  /** Open files, least recently used first. */
  private readonly files = new Map<string, CsvFile>();
  private realBase: string | undefined;

  constructor(private readonly options: CsvSinkOptions) {}

  /** The file rows written at `now` go to: the template (or `fileName`) rendered and confined. */
  resolve(now: number, fileName?: string): Confined {
    const o = this.options;
    const template = fileName ?? o.template;
    let path = renderTemplate(template, now, o.timeZone);
    if (o.rotation === "daily" && !hasDayToken(template)) path = withDaySuffix(path, dayOf(now, o.timeZone));
    return confine(o.baseDir, path);
  }

  /** Appends `records` to the file at `path` (from `resolve`). */
  async write(path: string, records: readonly CsvRecord[]): Promise<void> {
    if (records.length === 0) return;
    let file = await this.file(path);
    if (file.columns === undefined) file.columns = columnsOf(records[0] as CsvRecord);
    const columns = file.columns;
    const neutralise = this.options.format.neutraliseFormulas;
    const text = formatCsv(
      records.map((r) => rowCells(r, columns, neutralise)),
      this.options.format,
    );
    if (
      this.options.rotation === "size" &&
      file.size > 0 &&
      file.size + Buffer.byteLength(text) > this.options.maxBytes
    ) {
      file = await this.rotate(file);
    }
    try {
      await file.append(text);
    } catch (err) {
      // The handle may be unusable (disk full, file removed): reopen on the next write.
      this.files.delete(path);
      await file.close().catch(() => undefined);
      throw err;
    }
  }

  /** Closes every open file. */
  async close(): Promise<void> {
    const files = [...this.files.values()];
    this.files.clear();
    const results = await Promise.allSettled(files.map((f) => f.close()));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
    if (failed) throw failed.reason;
  }

  get openFiles(): number {
    return this.files.size;
  }

  private async file(path: string): Promise<CsvFile> {
    const cached = this.files.get(path);
    if (cached) {
      // refresh its place in the LRU order
      this.files.delete(path);
      this.files.set(path, cached);
      return cached;
    }
    await this.checkRealPath(path);
    const o = this.options;
    const file = await CsvFile.open(path, {
      format: o.format,
      header: o.header,
      columns: o.columns,
      fsync: o.fsync,
    });
    this.files.set(path, file);
    if (this.files.size > o.maxOpenFiles) {
      const [oldestPath, oldest] = this.files.entries().next().value as [string, CsvFile];
      this.files.delete(oldestPath);
      await oldest.close();
    }
    return file;
  }

  /** Creates the file's directory and refuses a symlink that leads out of the base directory. */
  private async checkRealPath(path: string): Promise<void> {
    await mkdir(dirname(path), { recursive: true });
    this.realBase ??= await realpath(this.options.baseDir);
    let real: string;
    try {
      real = await realpath(path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
      real = `${await realpath(dirname(path))}/${basename(path)}`;
    }
    const inside = confine(this.realBase, real);
    if (!inside.ok)
      throw new Error(`file "${path}" leads outside the base directory through a symbolic link`);
  }

  /** Moves a full file aside as `<name>.<n><ext>` (n one past the highest present) and opens a fresh one. */
  private async rotate(file: CsvFile): Promise<CsvFile> {
    const columns = file.columns;
    this.files.delete(file.path);
    await file.close();
    const { dir, name, ext } = parse(file.path);
    let highest = 0;
    const pattern = new RegExp(`^${escapeRegExp(name)}\\.(\\d+)${escapeRegExp(ext)}$`);
    for (const entry of await readdir(dir)) {
      const m = pattern.exec(entry);
      if (m) highest = Math.max(highest, Number(m[1]));
    }
    await rename(file.path, rotatedName(file.path, highest + 1));
    const fresh = await this.file(file.path);
    // Keep the columns of the file we rotated: the stream of rows did not change shape.
    fresh.columns ??= columns;
    return fresh;
  }
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
