// V8 heap flags nodebgpd runs with, set by the binary itself: users start `nodebgpd`, not node
// with flags, and NODE_OPTIONS is ignored when node runs with file capabilities (as in the image).
// A full table arrives as a burst of short-lived objects (decoded messages, NLRI arrays, output
// chunks); a young generation larger than V8's default lets more of them die there instead of
// being copied into the old generation. Measured with bench/propagation.mjs (1M prefixes over 200k
// sets, the binary, alternating runs): 64 MB semi-spaces 4.74 s, none set 5.13 s (2026-11);
// 32 MB as fast as 64 with 64 MB fewer pages (2026-12-02); 16 MB again no slower than 32 (two
// series of five pairs: medians 3.81 / 4.27 s and 4.74 / 4.75 s) with a lower peak RSS (477 / 506
// and 462 / 513 MB; at 100k 168-182 / 204-217 MB). A reflector's 2,000 clients pay for it: five
// pairs, converged in a median 12.95 s against 11.46 s (16 slower in four), with 277-299 MB peak
// RSS against 294-340 (three pairs). Memory is the reflector's binding target (issue 17), so 16.
// The pages are committed as used: idle RSS is the same either way.

export const HEAP_FLAGS = ['--max-semi-space-size=16', '--min-semi-space-size=16'] as const;

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
