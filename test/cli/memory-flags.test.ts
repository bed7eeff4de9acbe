// When `homestream bridge` restarts itself with its memory bounds, and when it leaves the operator's
// choice alone. (That the bounds hold is bench/soak.mjs's job; that the process still runs, stops on
// SIGTERM and exits 2 on bad flags after the restart is test/cli/bridge.test.ts's.)
import { describe, expect, it } from "vitest";
import { BRIDGE_SEMI_SPACE_MB, bridgeReexec } from "../../cli/memory-flags.js";

const NODE = "/usr/bin/node";
const MAIN = "/app/dist/cli/main.js";

describe("bridgeReexec", () => {
  it("bounds the young generation and the malloc arenas of the bridge, keeping every argument", () => {
    const r = bridgeReexec(["bridge", "--mqtt-port", "0"], NODE, ["--enable-source-maps"], MAIN, { A: "1" });
    expect(r).toEqual({
      file: NODE,
      args: [
        NODE,
        "--optimize-for-size",
        `--max-semi-space-size=${BRIDGE_SEMI_SPACE_MB}`,
        "--enable-source-maps",
        MAIN,
        "bridge",
        "--mqtt-port",
        "0",
      ],
      env: { A: "1", MALLOC_ARENA_MAX: "2" },
    });
    expect(bridgeReexec(["bridge"], NODE, [], MAIN, { MALLOC_ARENA_MAX: "4" })?.env.MALLOC_ARENA_MAX).toBe(
      "4",
    );
  });

  it("leaves other commands, help, add-user and an operator's own V8 setting alone", () => {
    expect(bridgeReexec(["start"], NODE, [], MAIN, {})).toBeUndefined();
    expect(bridgeReexec(["bridge", "--help"], NODE, [], MAIN, {})).toBeUndefined();
    expect(bridgeReexec(["bridge", "add-user", "u.yaml", "x"], NODE, [], MAIN, {})).toBeUndefined();
    expect(bridgeReexec(["bridge"], NODE, ["--max-semi-space-size=32"], MAIN, {})).toBeUndefined();
    expect(bridgeReexec(["bridge"], NODE, ["--no-optimize-for-size"], MAIN, {})).toBeUndefined();
    expect(
      bridgeReexec(["bridge"], NODE, [], MAIN, { NODE_OPTIONS: "--max_semi_space_size=2" }),
    ).toBeUndefined();
  });
});
