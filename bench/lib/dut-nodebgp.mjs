// nodebgp as the device under test: the daemon from dist/ on a JSON config; exits when stdin closes.
// With BENCH_REPORT=FILE it writes, on exit, the main thread's worst event-loop delay during the
// run and each BFD session's Up-to-Down count (bench/bfd-load.mjs reads them); BENCH_HEAP, see
// SIGUSR2 below (bench/sessions.mjs).
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Daemon } from '../../dist/daemon/daemon.js';

const daemon = new Daemon(JSON.parse(readFileSync(process.argv[2], 'utf8')));
const loop = monitorEventLoopDelay({ resolution: 10 });
loop.enable();
await daemon.start();
process.stdout.write('{"event":"started"}\n');

function report() {
  if (!process.env.BENCH_REPORT) return;
  const bfd = Object.fromEntries([...daemon.neighbors.keys()].map((a) => [a, daemon.bfd.snapshot(a)?.downTransitions ?? null]));
  writeFileSync(process.env.BENCH_REPORT, JSON.stringify({ loopDelayMaxMs: loop.max / 1e6, loopDelayP99Ms: loop.percentile(99) / 1e6, bfdDowns: bfd }));
}
process.stdin.on('end', () => {
  report();
  daemon.stop().then(() => process.exit(0));
});
// SIGUSR2 (with --expose-gc): collect garbage, then append the heap in use to BENCH_HEAP (leak checks).
process.on('SIGUSR2', () => {
  globalThis.gc?.();
  const m = process.memoryUsage();
  if (process.env.BENCH_HEAP) appendFileSync(process.env.BENCH_HEAP, JSON.stringify({ heapUsedMb: m.heapUsed / 2 ** 20, rssMb: m.rss / 2 ** 20 }) + '\n');
});
// SIGTERM ends at once but cleanly, so that --cpu-prof can write its profile.
process.on('SIGTERM', () => {
  report();
  process.exit(0);
});
process.stdin.resume();
