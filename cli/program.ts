// The `homestream` program: its commands, and how errors become exit codes (0 ok, 1 runtime failure,
// 2 usage or configuration error). The executable is main.ts.
import { Command, CommanderError } from "commander";
import { EXIT_RUNTIME, EXIT_USAGE, UsageError } from "./errors.js";

/**
 * The analyses are short jobs timed against other tools, so `homestream stats|detect` loads only its
 * own command: not the bridge, Node-RED or Kafka client the other commands bring (about 600 modules
 * instead of about 120). Any other first argument (another command, --help) loads them all.
 */
const SHORT_JOBS: Record<string, () => () => Command> = {
  stats: () => (require("./stats.js") as typeof import("./stats.js")).statsCommand,
  detect: () => (require("./detect.js") as typeof import("./detect.js")).detectCommand,
};

export function buildProgram(argv: readonly string[] = []): Command {
  const only = argv[0] !== undefined && Object.hasOwn(SHORT_JOBS, argv[0]) ? SHORT_JOBS[argv[0]] : undefined;
  const commands = only ? [only()] : (require("./commands.js") as typeof import("./commands.js")).commands;
  const program = new Command("homestream")
    .description(
      "Smart-home sensor streaming: simulator, MQTT-to-Kafka bridge, windowed stats, anomaly detection",
    )
    .showHelpAfterError("(add --help for usage)")
    .exitOverride();
  for (const make of commands) program.addCommand(make().exitOverride());
  return program;
}

export async function main(argv: readonly string[]): Promise<number> {
  // A closed stdout (e.g. piped into `head`) ends the run quietly.
  process.stdout.on("error", (err: NodeJS.ErrnoException) => {
    if (err.code === "EPIPE") process.exit(0);
    throw err;
  });
  try {
    await buildProgram(argv).parseAsync(argv as string[], { from: "user" });
    return process.exitCode === undefined ? 0 : Number(process.exitCode);
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end through here with exit code 0.
      return err.exitCode === 0 ? 0 : EXIT_USAGE;
    }
    if (err instanceof UsageError) {
      process.stderr.write(`homestream: ${err.message}\n`);
      return EXIT_USAGE;
    }
    process.stderr.write(`homestream: ${(err as Error).message ?? String(err)}\n`);
    return EXIT_RUNTIME;
  }
}
