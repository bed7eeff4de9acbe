// The rule of test/setup/prerequisite.ts, seen in real vitest runs of a fixture suite that needs a tool
// (test/setup/fixtures/prerequisite): missing under CI=true, the run FAILS naming it; missing elsewhere,
// the suite skips with one loud line and the run passes; present, the suite runs.
import { execFile } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = path.resolve(__dirname, "..", "..");
const FIXTURE = path.join(__dirname, "fixtures", "prerequisite");

interface Run {
  code: number;
  output: string;
}

function runFixture(env: { CI?: string; FIXTURE_TOOL_AVAILABLE: string; HOMESTREAM_TEST_WITHOUT?: string }) {
  const { CI: _ci, HOMESTREAM_TEST_WITHOUT: _without, ...inherited } = process.env;
  const vitest = path.join(ROOT, "node_modules", "vitest", "vitest.mjs");
  return new Promise<Run>((resolve) => {
    execFile(
      process.execPath,
      [vitest, "run", "--root", FIXTURE],
      { cwd: ROOT, env: { ...inherited, NO_COLOR: "1", ...env }, timeout: 60_000 },
      (err, stdout, stderr) =>
        resolve({ code: err ? Number(err.code ?? 1) : 0, output: `${stdout}\n${stderr}` }),
    );
  });
}

describe("a missing prerequisite", () => {
  it("fails the run under CI=true, naming what is missing", async () => {
    const r = await runFixture({ CI: "true", FIXTURE_TOOL_AVAILABLE: "false" });
    expect(r.code, r.output).not.toBe(0);
    expect(r.output).toContain(
      "missing prerequisite under CI=true: imaginary-tool: imaginary-tool is not installed (apt-get install it)",
    );
    expect(r.output).toMatch(/Test Files\s+1 failed/);
  });

  it("skips the suite with one loud line outside CI, and the run passes", async () => {
    const r = await runFixture({ FIXTURE_TOOL_AVAILABLE: "false" });
    expect(r.code, r.output).toBe(0);
    const loud = r.output.split("\n").filter((l) => l.includes("!!!"));
    expect(loud).toEqual([
      "!!! SKIPPED, missing prerequisite imaginary-tool: imaginary-tool is not installed (apt-get install it) (under CI=true this fails) !!!",
    ]);
    expect(r.output).toMatch(/Tests\s+1 skipped/);
  });

  it("counts as missing when HOMESTREAM_TEST_WITHOUT names it, even though it is there", async () => {
    const r = await runFixture({
      CI: "true",
      FIXTURE_TOOL_AVAILABLE: "true",
      HOMESTREAM_TEST_WITHOUT: "other,imaginary-tool",
    });
    expect(r.code, r.output).not.toBe(0);
    expect(r.output).toContain("missing prerequisite under CI=true: imaginary-tool:");
    expect(r.output).toContain("counted as missing because HOMESTREAM_TEST_WITHOUT names it");
  });
});

describe("a present prerequisite", () => {
  it("lets the suite run under CI=true", async () => {
    const r = await runFixture({ CI: "true", FIXTURE_TOOL_AVAILABLE: "true" });
    expect(r.code, r.output).toBe(0);
    expect(r.output).toMatch(/Tests\s+1 passed/);
    expect(r.output).not.toContain("!!!");
  });
});
