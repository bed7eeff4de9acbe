// The bridge's memory bounds, applied where only a process start can apply them. V8 sizes an isolate's
// young generation when the isolate is created, and grows it under load (to 2 x 64 MB here, and it does
// not shrink back when idle): at 5,000 msg/s that alone took the bridge from ~140 to ~340 MB. glibc gives
// each busy thread a malloc arena of its own, which the bridge's threads fill and keep. Neither can be
// changed from inside a running process, so `homestream bridge` starts itself again, in place
// (process.execve: same PID, same stdio, signals and exit code unchanged), with the young generation
// bounded and the arenas few, unless the operator already chose (NODE_OPTIONS, node flags,
// MALLOC_ARENA_MAX) or the platform has no execve (Windows, Node < 22.15): then it runs as started.

/** Semi-space bound, MB: a scavenge every few MB allocated is still far below a millisecond. */
export const BRIDGE_SEMI_SPACE_MB = 8;
const V8_FLAG = `--max-semi-space-size=${BRIDGE_SEMI_SPACE_MB}`;

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
    /^--(max-semi-space-size|max-young-generation-size|semi-space)/.test(a.replaceAll("_", "-")),
  );
  if (chosen) return undefined;
  return {
    file: execPath,
    args: [execPath, V8_FLAG, ...execArgv, script, ...argv],
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
