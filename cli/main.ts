#!/usr/bin/env node
// `homestream <command>`: one entry point for the simulator, the bridge, the analyses and the local
// run. This process is the app's own, so it applies the kafkajs speed-ups (kafka/kafkajs-patches.ts)
// before anything loads kafkajs; the program (program.ts) is loaded after them.
import * as nodeModule from "node:module";

// Node keeps the code it compiles for our modules and libraries on disk (its compile cache, in the
// system's temporary folder; NODE_DISABLE_COMPILE_CACHE=1 turns it off), as TypeScript's own `tsc`
// does: a short job such as `homestream stats` otherwise spends a good part of its run compiling the
// same files again. Enabled before anything else is required, so everything after benefits.
nodeModule.enableCompileCache?.();

/** The analyses load neither kafkajs nor anything that does (program.ts loads only their command). */
const WITHOUT_KAFKA: ReadonlySet<string> = new Set(["stats", "detect"]);

/** Runs `homestream` with these arguments; resolves to the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  if (!WITHOUT_KAFKA.has(argv[0] ?? "")) {
    const patches =
      require("@homestream/kafka/kafkajs-patches") as typeof import("@homestream/kafka/kafkajs-patches");
    patches.applyKafkajsSpeedups();
  }
  const program = require("./program.js") as typeof import("./program.js");
  return program.main(argv);
}

if (require.main === module) {
  // `homestream bridge` restarts itself in place with its memory bounds (see memory-flags.ts).
  const memory = require("./memory-flags.js") as typeof import("./memory-flags.js");
  memory.reexecBridgeBounded(process.argv.slice(2));
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
