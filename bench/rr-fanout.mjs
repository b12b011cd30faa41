// Route-reflector fan-out benchmark (npm run bench:rr): one reflector, K iBGP clients (default
// 200) each announcing four /26 pod CIDRs; the time from the first announcement until every client
// holds every route, with nodebgp and BIRD (and optionally FRR, GoBGP) as the reflector.
//   CLIENTS=200 RUNS=3 DUTS=nodebgp,bird npm run bench:rr
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { clientAddress, clientsTopology } from './lib/clients.mjs';
import { bgpListening, configs, startDut, usage } from './lib/dut.mjs';
import { eachRun, median } from './lib/runs.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const K = Number(process.env.CLIENTS ?? 200);
const RUNS = Number(process.env.RUNS ?? 3);
const DUTS = (process.env.DUTS ?? 'nodebgp,bird').split(',');
const { C, D, setup } = clientsTopology(`br${process.pid % 10000}`, K);

async function once(dut) {
  setup();
  const neighbors = Array.from({ length: K }, (_, i) => ({ address: clientAddress(i), asn: 65000, local: '10.92.0.1', rrClient: true }));
  const proc = startDut(dut, D, configs({ routerId: '10.92.0.1', neighbors })[dut]);
  await bgpListening(D);
  // Clients use consecutive addresses from 10.92.1.1 (the tool counts up within the /24s).
  const clients = spawn('ip', ['netns', 'exec', C, process.execPath, join(here, 'lib', 'rr-clients.mjs'), '10.92.1.1', String(K), '10.92.0.1'], { stdio: ['pipe', 'pipe', 'inherit'] });
  try {
    const result = await new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('timed out')), 120000);
      createInterface({ input: clients.stdout }).on('line', (l) => {
        const e = JSON.parse(l);
        if (e.event === 'done') {
          clearTimeout(t);
          resolve(e);
        }
      });
    });
    return { seconds: result.seconds, ...usage(proc.pid) };
  } finally {
    clients.stdin.end();
    clients.kill('SIGKILL');
    proc.kill('SIGKILL');
    await new Promise((r) => setTimeout(r, 300));
  }
}

if (K > 250) throw new Error('at most 250 clients (one /24 of client addresses)');
const results = await eachRun(RUNS, DUTS, once, (r) => `${r.seconds.toFixed(3)} s until all ${K} clients hold all ${4 * K} routes`);
const base = median(results.bird?.map((r) => r.seconds) ?? [NaN]);
console.log(`\nRoute-reflector fan-out: ${K} clients x 4 /26, medians of ${RUNS} runs`);
console.log('| reflector | all clients converged | ratio to BIRD | peak RSS |');
console.log('| --- | --- | --- | --- |');
for (const dut of DUTS) {
  const s = median(results[dut].map((r) => r.seconds));
  console.log(`| ${dut} | ${s.toFixed(3)} s | ${(s / base).toFixed(2)} | ${median(results[dut].map((r) => r.rssMb)).toFixed(0)} MB |`);
}
