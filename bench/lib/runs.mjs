// The run loop every benchmark shares: RUNS rounds, each DUT once per round (so that the
// competitors see the same machine conditions), a failed run recorded with its error instead of
// ending the benchmark; one progress line per run on stderr.
export const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** `value / base` to two places, or '-' when the run had no baseline (its DUT not in DUTS, or failed). */
export const ratio = (value, base) => (Number.isFinite(value / base) ? (value / base).toFixed(2) : '-');

/** Runs `once(dut)` RUNS x DUTS times; returns each DUT's results in run order. */
export async function eachRun(runs, duts, once, describe, label = '') {
  const results = {};
  for (let run = 1; run <= runs; run++) {
    for (const dut of duts) {
      let r;
      try {
        r = await once(dut);
      } catch (e) {
        r = { seconds: NaN, cpu: NaN, rssMb: NaN, error: e.message };
      }
      (results[dut] ??= []).push(r);
      console.error(`${dut.padEnd(8)}${label} run ${run}: ${r.error ? `failed: ${r.error}` : describe(r)}`);
    }
  }
  return results;
}

/**
 * Ends a DUT started by startDut: SIGTERM, then SIGKILL unless it exited within `graceMs` (with
 * PROFILE set, long enough for nodebgpd to shut down and write its CPU profile).
 */
export async function stopDut(proc, graceMs = process.env.PROFILE ? 60000 : 1500) {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise((r) => proc.once('exit', r));
  const within = async (ms) => {
    let timer;
    await Promise.race([exited, new Promise((r) => (timer = setTimeout(r, ms)))]);
    clearTimeout(timer);
  };
  proc.kill('SIGTERM');
  await within(graceMs);
  proc.kill('SIGKILL');
  await within(2000); // gone before the next run reuses its namespace and port
}
