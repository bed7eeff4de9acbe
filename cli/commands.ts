// The registered subcommands; each file builds its own commander Command.
import type { Command } from "commander";
import { detectCommand } from "./detect.js";
import { statsCommand } from "./stats.js";

export const commands: Array<() => Command> = [statsCommand, detectCommand];
