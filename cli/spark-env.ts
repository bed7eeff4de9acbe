// The Spark job's runtime: a Python venv with spark/requirements.txt (PySpark, pandas, pyarrow)
// under a cache folder, made once per requirements file, and the spark-submit line that runs
// spark/main.py with the Kafka connector of the same Spark version (resolved by Ivy from Maven
// Central into the same cache). Used by `homestream spark`, the Spark tests and bench:spark.
import { execFile, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { mkdir, rename, rm } from "node:fs/promises";
import { homedir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";

const execFileAsync = promisify(execFile);

/** spark/ beside the compiled cli/ (dist/cli -> ../../spark) or the sources (cli -> ../spark). */
export function sparkDir(): string {
  const candidates = [path.resolve(__dirname, "../../spark"), path.resolve(__dirname, "../spark")];
  const found = candidates.find((d) => existsSync(path.join(d, "main.py")));
  if (!found) throw new Error(`the Spark job (spark/main.py) is not next to ${__dirname}`);
  return found;
}

/** Default cache: $HOMESTREAM_CACHE, else $XDG_CACHE_HOME/homestream, else ~/.cache/homestream. */
export function defaultCacheDir(): string {
  if (process.env.HOMESTREAM_CACHE) return process.env.HOMESTREAM_CACHE;
  const xdg = process.env.XDG_CACHE_HOME || path.join(homedir(), ".cache");
  return path.join(xdg, "homestream");
}

/** A missing tool the job needs: the message names it and how to get it. */
export class SparkPrerequisiteError extends Error {
  override name = "SparkPrerequisiteError";
}

export interface SparkEnv {
  venv: string;
  sparkSubmit: string;
  /** PySpark's version, from requirements.txt: the Kafka connector must be the same. */
  sparkVersion: string;
  /** spark-submit arguments before the job's own (connector, Ivy cache, local defaults). */
  submitArgs: (master: string) => string[];
  env: NodeJS.ProcessEnv;
}

export interface SparkEnvOptions {
  cacheDir?: string;
  python?: string;
  log?: (line: string) => void;
}

function pinnedSparkVersion(requirements: string): string {
  const m = /^pyspark==([0-9.]+)\s*$/m.exec(requirements);
  if (!m?.[1]) throw new Error("spark/requirements.txt must pin pyspark==<version>");
  return m[1];
}

function checkTool(cmd: string, args: string[], what: string): void {
  const r = spawnSync(cmd, args, { encoding: "utf8", timeout: 30_000 });
  if (r.error || r.status !== 0) {
    throw new SparkPrerequisiteError(
      `${what} is needed to run the Spark job and "${cmd} ${args.join(" ")}" failed: ${r.error?.message ?? r.stderr.trim()}`,
    );
  }
}

/**
 * The venv for spark/requirements.txt, created when missing (a minute or two: PySpark is a large
 * download), and the spark-submit line. Throws a SparkPrerequisiteError naming python3, java or
 * the venv step when one is missing or fails.
 */
export async function ensureSparkEnv(options: SparkEnvOptions = {}): Promise<SparkEnv> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const python = options.python ?? "python3";
  const cacheDir = path.resolve(options.cacheDir ?? defaultCacheDir());
  const dir = sparkDir();
  const requirements = readFileSync(path.join(dir, "requirements.txt"), "utf8");
  const sparkVersion = pinnedSparkVersion(requirements);
  checkTool("java", ["-version"], "Java (17 or 21, as for Kafka)");
  const hash = createHash("sha256").update(requirements).digest("hex").slice(0, 12);
  const venv = path.join(cacheDir, `spark-venv-${hash}`);
  const bin = path.join(venv, "bin");
  if (!existsSync(path.join(bin, "spark-submit"))) {
    checkTool(python, ["--version"], "Python 3 (python3)");
    await mkdir(cacheDir, { recursive: true });
    const building = `${venv}.building-${process.pid}`;
    await rm(building, { recursive: true, force: true });
    log(`spark: creating a Python venv with ${path.join("spark", "requirements.txt")} in ${venv} (once)`);
    try {
      await execFileAsync(python, ["-m", "venv", building], { timeout: 120_000 });
      await execFileAsync(
        path.join(building, "bin", "python"),
        [
          "-m",
          "pip",
          "install",
          "--quiet",
          "--disable-pip-version-check",
          "-r",
          path.join(dir, "requirements.txt"),
        ],
        { timeout: 20 * 60_000, maxBuffer: 16 * 1024 * 1024 },
      );
    } catch (err) {
      await rm(building, { recursive: true, force: true });
      const e = err as Error & { stderr?: string };
      throw new SparkPrerequisiteError(
        `creating the Spark venv failed (${python} -m venv, then pip install -r spark/requirements.txt): ${e.stderr?.trim() || e.message}`,
      );
    }
    // A venv records its own path, so it is built where it will live; the rename only publishes
    // it (another process that lost the race keeps its own copy out of the way).
    if (existsSync(venv)) await rm(building, { recursive: true, force: true });
    else await rename(building, venv);
  }
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PATH: `${bin}${path.delimiter}${process.env.PATH ?? ""}`,
    PYSPARK_PYTHON: path.join(bin, "python"),
    PYSPARK_DRIVER_PYTHON: path.join(bin, "python"),
    PYTHONPATH: dir,
    VIRTUAL_ENV: venv,
  };
  delete env.SPARK_HOME; // the venv's PySpark is the Spark that runs
  const ivy = path.join(cacheDir, "ivy");
  return {
    venv,
    sparkSubmit: path.join(bin, "spark-submit"),
    sparkVersion,
    env,
    submitArgs: (master: string) => [
      "--master",
      master,
      "--packages",
      `org.apache.spark:spark-sql-kafka-0-10_2.13:${sparkVersion}`,
      "--conf",
      `spark.jars.ivy=${ivy}`,
      // Small local runs: Spark's default of 200 shuffle partitions is 200 tasks a micro-batch.
      "--conf",
      "spark.sql.shuffle.partitions=2",
      "--conf",
      "spark.ui.enabled=false",
      path.join(dir, "main.py"),
    ],
  };
}
