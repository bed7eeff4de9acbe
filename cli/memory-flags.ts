// The bridge's memory bounds, applied where only a process start can apply them. Measured with
// bench/soak.mjs (QoS 1 at 5,000 msg/s): V8 grows a busy isolate's young generation to 2 x 64 MB and
// keeps it, and leaves old-space pages fragmented and resident; the bridge went from ~140 MB to
// 340-420 MB and stayed there when idle. `--optimize-for-size` (small semi-spaces, memory-reducing,
// compacting GCs) brought the single-thread bridge to a peak under 200 MB and ~120 MB idle, at a CPU
// cost the bridge can afford (README, Bridge throughput). glibc gives each busy thread a malloc arena
// of its own; two are plenty. None of this can be changed inside a running process, so
// `homestream bridge` starts itself again, in place (process.execve: same PID, same stdio, signals and
// exit code unchanged), with these settings, unless the operator already chose (node flags,
// NODE_OPTIONS, MALLOC_ARENA_MAX) or the platform has no execve (Windows, Node < 22.15): then it runs
// as started.

/** Semi-space bound, MB, should --optimize-for-size ever stop bounding it itself. */
export const BRIDGE_SEMI_SPACE_MB = 8;
const V8_FLAGS = ["--optimize-for-size", `--max-semi-space-size=${BRIDGE_SEMI_SPACE_MB}`];

export interface Reexec {
  file: string;
  args: string[];
  env: Record<string, string | undefined>;
}

/**
 * What to execve for `argv` (the process's arguments after the script), or undefined when the process
 * should run as it is. Pure, for tests.
 */
export function bridgeReexec(
  argv: readonly string[],
  execPath: string,
  execArgv: readonly string[],
  script: string,
  env: Readonly<Record<string, string | undefined>>,
): Reexec | undefined {
  if (argv[0] !== "bridge" || argv[1] === "add-user") return undefined;
  if (argv.includes("--help") || argv.includes("-h")) return undefined;
  const chosen = [...execArgv, ...(env.NODE_OPTIONS ?? "").split(/\s+/)].some((a) =>
    /^--(max-semi-space-size|max-young-generation-size|semi-space|optimize-for-size|no-optimize-for-size)/.test(
      a.replaceAll("_", "-"),
    ),
  );
  if (chosen) return undefined;
  return {
    file: execPath,
    args: [execPath, ...V8_FLAGS, ...execArgv, script, ...argv],
    env: { ...env, MALLOC_ARENA_MAX: env.MALLOC_ARENA_MAX ?? "2" },
  };
}

/** Replaces this process with its memory-bounded self when bridgeReexec says so; returns otherwise. */
export function reexecBridgeBounded(argv: readonly string[]): void {
  const execve = (process as { execve?: (file: string, args: string[], env: object) => never }).execve;
  if (typeof execve !== "function" || process.platform === "win32") return;
  const script = process.argv[1];
  if (!script) return;
  const r = bridgeReexec(argv, process.execPath, process.execArgv, script, process.env);
  if (!r) return;
  execve.call(process, r.file, r.args, r.env);
}
