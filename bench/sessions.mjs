// Many sessions on one daemon (npm run bench:sessions): K iBGP clients (default 500, one session
// each from its own address, one /26 each) on the DUT; measured: time until all are Established,
// CPU and RSS while idle, then while every client drops and re-dials its session every FLAP_EVERY
// seconds (half to one and a half times that, each its own phase), and the reconnections done.
// nodebgp, BIRD, FRR and GoBGP as the DUT in the same run. LEAK_MINUTES (nodebgp): that long of
// flapping with the heap (after a forced GC) read before and after, all sessions up both times.
//   CLIENTS=500 IDLE_SECONDS=30 FLAP_SECONDS=60 FLAP_EVERY=5 LEAK_MINUTES=10 npm run bench:sessions
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { clientAddress, clientsTopology } from './lib/clients.mjs';
import { configs, nodebgpHeapAfterGc, startDut, usage } from './lib/dut.mjs';
import { eachRun, median, stopDut } from './lib/runs.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const K = Number(process.env.CLIENTS ?? 500);
const IDLE = Number(process.env.IDLE_SECONDS ?? 30);
const FLAP = Number(process.env.FLAP_SECONDS ?? 60);
const EVERY = Number(process.env.FLAP_EVERY ?? 5);
const LEAK = Number(process.env.LEAK_MINUTES ?? 0);
const RUNS = Number(process.env.RUNS ?? 1);
const DUTS = (process.env.DUTS ?? 'nodebgp,bird,frr,gobgp').split(',');
const { C, D, setup } = clientsTopology(`bs${process.pid % 10000}`, K);
const sleep = (s) => new Promise((r) => setTimeout(r, s * 1000));

function clients(flapEvery) {
  const p = spawn('ip', ['netns', 'exec', C, process.execPath, join(here, 'lib', 'session-clients.mjs'), String(K), '10.92.0.1', '65000', String(flapEvery)], { stdio: ['pipe', 'pipe', 'inherit'] });
  const state = { established: false, sessions: 0, up: 0 };
  createInterface({ input: p.stdout }).on('line', (l) => {
    const e = JSON.parse(l);
    if (e.event === 'established') state.established = true;
    if (e.event === 'status') Object.assign(state, { sessions: e.sessions, up: e.up });
  });
  return { state, stop: () => { p.stdin.end(); p.kill('SIGKILL'); } };
}

async function allUp(c, ms) {
  const end = Date.now() + ms;
  while (!c.state.established) {
    if (Date.now() > end) throw new Error(`only ${c.state.up} of ${K} sessions up`);
    await sleep(0.1);
  }
}

async function once(dut) {
  setup();
  const neighbors = Array.from({ length: K }, (_, i) => ({ address: clientAddress(i), asn: 65000, local: '10.92.0.1', passive: true }));
  const proc = startDut(dut, D, configs({ routerId: '10.92.0.1', neighbors })[dut]);
  // The shipped binary's own full collection (POST /v1/memory/compact), then its heap in use.
  const heap = async () => nodebgpHeapAfterGc(D);
  try {
    await sleep(1.5);
    const t0 = Date.now();
    let c = clients(0);
    await allUp(c, 180000);
    const establishSeconds = (Date.now() - t0) / 1000;
    await sleep(3);
    const idle0 = usage(proc.pid);
    await sleep(IDLE);
    const idle1 = usage(proc.pid);
    const heapBefore = dut === 'nodebgp' ? await heap() : undefined;
    c.stop();
    const flapSeconds = dut === 'nodebgp' && LEAK > 0 ? LEAK * 60 : FLAP;
    c = clients(EVERY);
    await sleep(5);
    const flap0 = usage(proc.pid);
    const sessions0 = c.state.sessions;
    await sleep(flapSeconds);
    const flap1 = usage(proc.pid);
    const reconnections = c.state.sessions - sessions0;
    c.stop();
    let heapAfter;
    if (dut === 'nodebgp') {
      c = clients(0);
      await allUp(c, 180000);
      await sleep(5);
      heapAfter = await heap();
      c.stop();
    }
    return {
      seconds: establishSeconds,
      idleCpuPct: ((idle1.cpu - idle0.cpu) / IDLE) * 100,
      idleRssMb: idle1.rssMb,
      flapCpuPct: ((flap1.cpu - flap0.cpu) / flapSeconds) * 100,
      flapPeakMb: flap1.rssMb,
      reconnectionsPerSecond: reconnections / flapSeconds,
      flapSeconds,
      heapBefore,
      heapAfter,
    };
  } finally {
    await stopDut(proc);
  }
}

const results = await eachRun(RUNS, DUTS, once, (r) => `${K} up in ${r.seconds.toFixed(1)} s; idle ${r.idleCpuPct.toFixed(1)}% CPU, ${r.idleRssMb.toFixed(0)} MB; flapping ${r.flapSeconds} s: ${r.flapCpuPct.toFixed(1)}% CPU, ${r.reconnectionsPerSecond.toFixed(0)} reconnections/s, peak ${r.flapPeakMb.toFixed(0)} MB${r.heapBefore ? `; heap after GC ${r.heapBefore.heapUsedMb.toFixed(1)} MB before flapping, ${r.heapAfter.heapUsedMb.toFixed(1)} MB after` : ''}`);
console.log(`\n${K} sessions, idle ${IDLE} s then flapping (each every ${EVERY} s +-50%), medians of ${RUNS} (node ${process.version}, ${new Date().toISOString().slice(0, 10)})`);
console.log('| DUT | all Established | idle CPU | idle RSS | flapping CPU | reconnections/s | peak RSS |');
console.log('| --- | --- | --- | --- | --- | --- | --- |');
for (const dut of DUTS) {
  const rs = results[dut].filter((r) => !r.error);
  if (rs.length === 0) {
    console.log(`| ${dut} | failed: ${results[dut][0].error} | | | | | |`);
    continue;
  }
  const m = (k) => median(rs.map((r) => r[k]));
  console.log(`| ${dut} | ${m('seconds').toFixed(1)} s | ${m('idleCpuPct').toFixed(1)}% | ${m('idleRssMb').toFixed(0)} MB | ${m('flapCpuPct').toFixed(1)}% | ${m('reconnectionsPerSecond').toFixed(0)} | ${m('flapPeakMb').toFixed(0)} MB |`);
}
const leak = (results.nodebgp ?? []).filter((r) => r.heapBefore);
for (const r of leak) console.log(`\nnodebgp heap after GC: ${r.heapBefore.heapUsedMb.toFixed(1)} MB with ${K} sessions before ${r.flapSeconds} s of flapping, ${r.heapAfter.heapUsedMb.toFixed(1)} MB after (all ${K} up again).`);
