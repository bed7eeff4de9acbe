// The `homestream` program: its commands, and how errors become exit codes (0 ok, 1 runtime failure,
// 2 usage or configuration error). The executable is main.ts.
import { Command, CommanderError } from "commander";
import { commands } from "./commands.js";
import { EXIT_RUNTIME, EXIT_USAGE, UsageError } from "./errors.js";

export function buildProgram(): Command {
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
    await buildProgram().parseAsync(argv as string[], { from: "user" });
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
