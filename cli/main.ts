#!/usr/bin/env node
// `homestream <command>`: one entry point for the simulator, the bridge, the analyses and the local
// run. This process is the app's own, so it applies the kafkajs speed-ups (kafka/kafkajs-patches.ts)
// before anything loads kafkajs; the program (program.ts) is loaded after them.
import { applyKafkajsSpeedups } from "@homestream/kafka/kafkajs-patches";
import { reexecBridgeBounded } from "./memory-flags.js";

/** Runs `homestream` with these arguments; resolves to the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  applyKafkajsSpeedups();
  const program = await import("./program.js");
  return program.main(argv);
}

if (require.main === module) {
  // `homestream bridge` restarts itself in place with its memory bounds (see memory-flags.ts).
  reexecBridgeBounded(process.argv.slice(2));
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
