// Runs the shipped binaries in the environment a user's shell gives them. tap imports its process
// tracker into every child it spawns (process-on-spawn adds NODE_OPTIONS and its _TAPJS_ variables
// to each spawn's environment, whatever the caller passed): a daemon started so carries tap's
// hooks in every module load and 40-50 MB more memory, and is not the program users run. env(1)
// drops them after the spawn, before node starts.
const TAP_OWN = /^(TAP|TAP_.*|_TAPJS_.*|TS_NODE_.*)$/;

/** `argv` (a node command) prefixed with env(1) removing tap's variables; `extra` set for it. */
export function shipped(argv: readonly string[], extra: Record<string, string> = {}): string[] {
  const unset = ['NODE_OPTIONS', ...Object.keys(process.env).filter((k) => TAP_OWN.test(k))];
  return ['env', ...unset.flatMap((k) => ['-u', k]), ...Object.entries(extra).map(([k, v]) => `${k}=${v}`), ...argv];
}
