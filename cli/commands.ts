// The registered subcommands; each file builds its own commander Command.
import type { Command } from "commander";

export const commands: Array<() => Command> = [];
