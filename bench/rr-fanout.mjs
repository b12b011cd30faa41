// Route-reflector fan-out benchmark (npm run bench:rr): one reflector, K iBGP clients (default
// 200) dialing at once, each announcing four /26 pod CIDRs once all are up; the time until every
// session is Established, the time from the first announcement until every client holds every
// route, and the reflector's listen-queue overflows (TcpExtListenOverflows in its namespace),
// with nodebgp and BIRD (and optionally FRR, GoBGP) as the reflector. A client whose session the
// DUT drops redials as a real speaker would; the resets are counted and shown.
//   CLIENTS=200 RUNS=3 DUTS=nodebgp,bird npm run bench:rr
// MEMORY=1 prints where nodebgpd's memory is once converged (its own metrics).
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { clientAddress, clientsTopology } from './lib/clients.mjs';
import { bgpListening, configs, neighborsConfigured, nodebgpMemory, startDut, usage } from './lib/dut.mjs';
import { inNs } from './lib/line.mjs';
import { eachRun, median, ratio, stopDut } from './lib/runs.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const K = Number(process.env.CLIENTS ?? 200);
const RUNS = Number(process.env.RUNS ?? 3);
const DUTS = (process.env.DUTS ?? 'nodebgp,bird').split(',');
const { C, D, setup } = clientsTopology(`br${process.pid % 10000}`, K);

/** TCP listen-queue overflows counted in namespace `ns` since it was made. */
const listenOverflows = (ns) => Number(/TcpExtListenOverflows\s+(\d+)/.exec(inNs(ns, 'nstat', '-az', 'TcpExtListenOverflows'))?.[1] ?? 0);

async function once(dut) {
  setup();
  const neighbors = Array.from({ length: K }, (_, i) => ({ address: clientAddress(i), asn: 65000, local: '10.92.0.1', rrClient: true }));
  const proc = startDut(dut, D, configs({ routerId: '10.92.0.1', neighbors })[dut]);
  await bgpListening(D);
  // The clients dial once the reflector knows them all: time to Established is not time to read a config.
  await neighborsConfigured(dut, D, proc, K);
  // Clients use consecutive addresses from 10.92.1.1 (the tool counts up within the /24s).
  const clients = spawn('ip', ['netns', 'exec', C, process.execPath, join(here, 'lib', 'rr-clients.mjs'), '10.92.1.1', String(K), '10.92.0.1'], { stdio: ['pipe', 'pipe', 'inherit'] });
  try {
    let established = NaN;
    const result = await new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('timed out')), 300000);
      createInterface({ input: clients.stdout }).on('line', (l) => {
        const e = JSON.parse(l);
        if (e.event === 'established') established = e.seconds;
        // A session the DUT closed (the client redials), an error or a NOTIFICATION: shown as it happens.
        else if (e.event !== 'done') console.error(`  client: ${l}`);
        if (e.event === 'done') {
          clearTimeout(t);
          resolve(e);
        }
      });
    });
    const used = usage(proc.pid);
    if (process.env.MEMORY && dut === 'nodebgp') console.error(`  converged: ${nodebgpMemory(D)}`);
    return { seconds: result.seconds, established, resets: result.resets, overflows: listenOverflows(D), ...used };
  } finally {
    clients.stdin.end();
    clients.kill('SIGKILL');
    await stopDut(proc);
  }
}

if (K > 250 * 250) throw new Error('at most 62,500 clients (10.92.1.1 to 10.92.250.250)');
const results = await eachRun(RUNS, DUTS, once, (r) => `all ${K} Established in ${r.established.toFixed(2)} s; ${r.seconds.toFixed(3)} s until all hold all ${4 * K} routes; ${r.overflows} listen-queue overflows; ${r.resets} sessions reset by the DUT; ${r.cpu.toFixed(1)} CPU s; ${r.rssMb?.toFixed(0)} MB peak RSS`);
const base = median(results.bird?.map((r) => r.seconds) ?? [NaN]);
console.log(`\nRoute-reflector fan-out: ${K} clients x 4 /26, medians of ${RUNS} runs`);
console.log('| reflector | all Established | all clients converged | ratio to BIRD | listen-queue overflows | CPU | peak RSS |');
console.log('| --- | --- | --- | --- | --- | --- | --- |');
for (const dut of DUTS) {
  const m = (f) => median(results[dut].map(f).filter((v) => v !== undefined)) ?? NaN;
  const s = m((r) => r.seconds);
  console.log(`| ${dut} | ${m((r) => r.established).toFixed(2)} s | ${s.toFixed(3)} s | ${ratio(s, base)} | ${m((r) => r.overflows)} | ${m((r) => r.cpu).toFixed(1)} s | ${m((r) => r.rssMb).toFixed(0)} MB |`);
}
