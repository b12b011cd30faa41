// The run loop every benchmark shares: RUNS rounds, each DUT once per round (so that the
// competitors see the same machine conditions), a failed run recorded with its error instead of
// ending the benchmark; one progress line per run on stderr.
export const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

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

/** Ends a DUT started by startDut: SIGTERM, a moment to exit cleanly, then SIGKILL. */
export async function stopDut(proc, graceMs = 1500) {
  proc.kill('SIGTERM');
  await new Promise((r) => setTimeout(r, graceMs));
  proc.kill('SIGKILL');
}
