// `homestream spark`: runs the Spark job (spark/) locally or against a cluster master. Prepares the
// Python venv once (cli/spark-env.ts), then hands every other argument to the job via spark-submit.
import { spawn } from "node:child_process";
import { Command } from "commander";
import { ensureSparkEnv } from "./spark-env.js";

interface SparkFlags {
  master: string;
  cacheDir?: string;
  python?: string;
}

export function sparkCommand(): Command {
  return new Command("spark")
    .summary("the same analysis as a Spark Structured Streaming job (needs Python 3 and Java)")
    .description(
      "Runs spark/main.py with spark-submit: window statistics, light-without-presence anomalies and dead " +
        "letters from the Kafka topic, as stats/detect compute them. Arguments after the launcher's own " +
        "options go to the job (see --brokers, --window, --watermark, --grace, --output in `-- --help`).",
    )
    .option("--master <url>", "Spark master", "local[2]")
    .option("--cache-dir <dir>", "where the venv and the Ivy cache live (default ~/.cache/homestream)")
    .option("--python <bin>", "Python used to create the venv", "python3")
    .argument("[job-args...]", "the job's arguments (put them after --)")
    .allowUnknownOption()
    .addHelpText(
      "after",
      `
Examples:
  homestream spark -- --brokers 127.0.0.1:9092 --output data/spark
  homestream spark -- --window 5m --slide 1m --watermark 30s --grace 30s --trigger 10s
  homestream spark -- --help          the job's own options`,
    )
    .action(async (jobArgs: string[], flags: SparkFlags) => {
      const env = await ensureSparkEnv({ cacheDir: flags.cacheDir, python: flags.python });
      const child = spawn(env.sparkSubmit, [...env.submitArgs(flags.master), ...jobArgs], {
        env: env.env,
        stdio: "inherit",
      });
      const stop = (signal: NodeJS.Signals) => child.kill(signal);
      process.once("SIGINT", stop);
      process.once("SIGTERM", stop);
      const code = await new Promise<number>((resolve, reject) => {
        child.once("error", reject);
        child.once("exit", (c, signal) => resolve(c ?? (signal ? 1 : 0)));
      });
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      if (code !== 0) process.exitCode = code === 2 ? 2 : 1;
    });
}
