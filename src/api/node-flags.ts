// The node flags nodebgpd runs with, set by the binary itself: users start `nodebgpd`, not node
// with flags, and NODE_OPTIONS is ignored when node runs with file capabilities (as in the image).
// HEAP_FLAGS, the young generation's size:
// A full table arrives as a burst of short-lived objects (decoded messages, NLRI arrays, output
// chunks); a young generation larger than V8's default lets more of them die there instead of
// being copied into the old generation. Measured with bench/propagation.mjs (1M prefixes over 200k
// sets, the binary, alternating runs): 64 MB semi-spaces 4.74 s, none set 5.13 s (2026-11);
// 32 MB as fast as 64 with 64 MB fewer pages (2026-12-02); 16 MB again no slower than 32 (two
// series of five pairs: medians 3.81 / 4.27 s and 4.74 / 4.75 s) with a lower peak RSS (477 / 506
// and 462 / 513 MB; at 100k 168-182 / 204-217 MB). A reflector's 2,000 clients pay for it: five
// pairs, converged in a median 12.95 s against 11.46 s (16 slower in four), with 277-299 MB peak
// RSS against 294-340 (three pairs). Memory is the reflector's binding target (issue 17), so 16.
// Only the maximum is set: V8 grows the semi-spaces to it under a burst and shrinks them again
// when idle. A minimum of 16 MB (set until 2026-12-03) kept both semi-spaces at 16 MB for good,
// and once a scraped daemon had allocated a few tens of MB their pages were all resident: idle on
// the embedded default with /metrics read every 200 ms, 115.8 MB RSS after a minute against 92.7
// MB without it; 1M prefixes, 100k and a reflector's 2,000 clients no slower (alternating runs).
// 8 MB since 2026-12-04 (five pairs each, medians): 1M 2.73 s against 2.66 (within the spread),
// 347 MB against 364 peak RSS; 100k 0.53 s against 0.57, 142 MB against 166; a reflector's 2,000
// clients (three pairs) 3.14 s against 3.19, 255 MB against 262; four upstreams' 4M paths (two
// pairs) loaded 4-5% slower with 7 MB less. Memory is the full table's binding target (issue 17:
// 2x BIRD's), time there is not, so 8. (On 2026-12-03 8 MB had looked slower at 1M: 3.13-3.81 s
// against 3.15-3.24 s, on a slower tree.)
// 4 MB since the evening of 2026-12-04, once a full table's UPDATEs made less garbage (that
// afternoon 4 MB had been no better: 323 MB over fifteen runs against 323 over eight). Alternating
// runs, medians: 1M (fourteen pairs) 312.5 MB peak RSS against 331, 1.32 s against 1.35; 100k
// (nine pairs) 0.32 s both, 139 MB against 146; four upstreams' 4M paths (two pairs) loaded in
// 10.99 / 10.82 s against 12.58 / 10.64, 921 / 929 MB against 961 / 980; a reflector's 2,000
// clients (three runs each) converged in 2.26-2.32 s against 2.18-2.45, 198-242 MB against 208-236.

export const HEAP_FLAGS = ['--max-semi-space-size=4'] as const;

// Policy regular expressions (AS-path and community lists) are the operator's, the text they run
// over is a neighbor's: a pattern with nested repetition such as `^([0-9]+_?)*$` took V8's
// backtracking engine 5.8 s on a path of 7 ASNs followed by an AS_SET, and 140 s on 10 (the
// daemon's one thread, every session's keepalives, stalled). With this flag V8 moves a regular
// expression that backtracks too much to its linear-time engine: the same test in 0.2 ms at 10
// ASNs, 0.9 ms at 1,000 (node 24.21, 2026-12-05). Patterns that engine cannot run (backreferences,
// lookaround) are refused when the configuration is loaded (config/policy.ts).
export const REGEXP_FLAGS = ['--enable-experimental-regexp-engine-on-excessive-backtracks'] as const;

/** Every flag the binary runs with. */
export const NODE_FLAGS = [...HEAP_FLAGS, ...REGEXP_FLAGS] as const;

// glibc's malloc gives threads arenas of their own (up to eight per core), and V8's compiler and
// collector threads keep what they freed in theirs: a full table's daemon (1M prefixes) held 11-30
// MB in them, 4-11 MB with two arenas (/proc/PID/smaps, four pairs), no slower. The limit must
// be in the environment when the process starts (those threads have arenas before any script
// runs: mallopt from the script limits only later ones), so the re-execution sets it, unless the
// environment already says. glibc ignores it where node gained capabilities from its file (the
// image, AT_SECURE): there the threads keep their default.
export const MALLOC_ARENAS = '2';

/**
 * Replaces this process (same pid: systemd and the kubelet see no new process) with node running
 * the same script and arguments with NODE_FLAGS and MALLOC_ARENA_MAX, unless the flags are already
 * in force. A node without process.execve (before 22.15) carries on without them.
 */
export function execWithNodeFlags(): void {
  if (NODE_FLAGS.every((f) => process.execArgv.includes(f))) return;
  const execve = (process as { execve?: (file: string, args: string[], env: NodeJS.ProcessEnv) => never }).execve;
  if (typeof execve !== 'function') return;
  execve(process.execPath, [process.execPath, ...NODE_FLAGS, ...process.execArgv, process.argv[1], ...process.argv.slice(2)], { MALLOC_ARENA_MAX: MALLOC_ARENAS, ...process.env });
}
