// The embedded broker's persistence (aedes-persistence-level on classic-level, used under --data-dir)
// passes aedes-persistence's own abstract suite: 50 tests of retained messages, subscriptions, queued
// and in-flight messages, wills. The suite is written for node:test, so it runs in a node --test child.
import { spawnSync } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";

describe("broker persistence", () => {
  it("passes aedes-persistence's abstract test suite", () => {
    const suite = path.join(__dirname, "persistence", "abstract-suite.cjs");
    const r = spawnSync(process.execPath, ["--test", "--test-reporter=tap", suite], {
      encoding: "utf8",
      timeout: 120_000,
    });
    const out = `${r.stdout}\n${r.stderr}`;
    const count = (name: string) =>
      Number(out.match(new RegExp(`^# ${name} (\\d+)$`, "m"))?.[1] ?? Number.NaN);
    expect({ status: r.status, fail: count("fail") }, out.slice(-3000)).toEqual({ status: 0, fail: 0 });
    // aedes-persistence 11's suite has 50 tests; fewer would mean it did not all run.
    expect(count("pass")).toBeGreaterThanOrEqual(50);
  });
});
