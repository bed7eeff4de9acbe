// The registered subcommands; each file builds its own commander Command.
import type { Command } from "commander";
import { bridgeCommand } from "./bridge.js";
import { detectCommand } from "./detect.js";
import { simCommand } from "./sim.js";
import { sparkCommand } from "./spark.js";
import { startCommand } from "./start.js";
import { statsCommand } from "./stats.js";

export const commands: Array<() => Command> = [
  startCommand,
  simCommand,
  bridgeCommand,
  statsCommand,
  detectCommand,
  sparkCommand,
];
