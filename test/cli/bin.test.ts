// The package's `homestream` bin as installed: it runs through its own #! line, lists exactly the
// commands users are told about, and each answers --help. What each command does is tested through the
// same bin in its own suite (sim, stats, detect here in test/cli; start and bridge in start.test.ts,
// sim-sinks.kafka.test.ts and test/compose).
import { describe, expect, it } from "vitest";
import { homestream, requireBuiltCli } from "./built-cli.js";

const COMMANDS = ["start", "sim", "bridge", "stats", "detect", "spark"];

describe.runIf(requireBuiltCli())("the homestream bin", () => {
  it("lists exactly its commands", () => {
    const r = homestream(["--help"]);
    expect(r.status, r.stderr).toBe(0);
    const listed = [...r.stdout.matchAll(/^ {2}(\w+) \[(?:options|command)\]/gm)].map((m) => m[1]);
    expect(listed).toEqual([...COMMANDS, "help"]);
  });

  it.each(COMMANDS)("answers `%s --help` with that command's usage", (command) => {
    const r = homestream([command, "--help"]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^Usage: homestream ${command} \\[options\\]`));
  });

  it("refuses an unknown command with exit 2, naming it", () => {
    const r = homestream(["nosuch"]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/unknown command 'nosuch'/);
  });
});
