// V8 heap flags nodebgpd runs with, set by the binary itself: users start `nodebgpd`, not node
// with flags, and NODE_OPTIONS is ignored when node runs with file capabilities (as in the image).
// A full table arrives as a burst of short-lived objects (decoded messages, NLRI arrays, output
// chunks); a larger young generation lets more of them die there instead of being copied into the
// old generation. Measured with bench/propagation.mjs (1M prefixes over 200k sets, the binary,
// alternating runs): medians 4.74 s with a 64 MB maximum, 5.13 s without; the maximum alone,
// 5.50 s. 32 MB is as fast as 64 (three pairs, 2026-12-02: 5.81 / 5.75 s, 6.96 CPU s each) and
// commits 64 MB of young-generation pages instead of 128 (peak RSS 532-596 MB against 613-636).
// The price is idle memory: 119 MB RSS instead of 102 MB (README, "Propagation").

export const HEAP_FLAGS = ['--max-semi-space-size=32', '--min-semi-space-size=16'] as const;

/**
 * Replaces this process (same pid: systemd and the kubelet see no new process) with node running
 * the same script and arguments with HEAP_FLAGS, unless they are already in force. A node without
 * process.execve (before 22.15) carries on without them.
 */
export function execWithHeapFlags(): void {
  if (HEAP_FLAGS.every((f) => process.execArgv.includes(f))) return;
  const execve = (process as { execve?: (file: string, args: string[], env: NodeJS.ProcessEnv) => never }).execve;
  if (typeof execve !== 'function') return;
  execve(process.execPath, [process.execPath, ...HEAP_FLAGS, ...process.execArgv, process.argv[1], ...process.argv.slice(2)], process.env);
}
