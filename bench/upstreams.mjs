// Several upstreams benchmark (npm run bench:upstreams): four eBGP senders announce the same N
// IPv4 prefixes to the device under test, each with different paths (4N paths in its RIB, as on an
// edge with several transits or a reflector), and a receiver watches which upstream each prefix
// comes from. Sender k prepends its AS 4-k times, so each sender's paths are better than those
// before it: the senders start one after another, and every one replaces the best path of every
// prefix. Then the best upstream's session ends (its process is killed) and every prefix falls
// back to the next one. Measured per DUT, medians of RUNS:
//   load:      the first sender's first UPDATE to the receiver holding all N from the last sender;
//   peer down: the kill to the receiver holding all N from the sender before it;
//   peak RSS and CPU seconds of the DUT over the whole run.
// MEMORY=1 prints where nodebgpd's memory is once loaded (its own metrics, then the heap after a
// full collection).
// nodebgp, BIRD 2, FRR bgpd and GoBGP run with equivalent configuration (bench/lib/dut.mjs).
//   SIZES=100000,1000000 RUNS=3 DUTS=nodebgp,bird,frr npm run bench:upstreams
import { bgpListening, configs, nodebgpMemory, startDut, usage } from './lib/dut.mjs';
import { link, ownedNamespaces, peer } from './lib/line.mjs';
import { eachRun, median, ratio, stopDut } from './lib/runs.mjs';

const SIZES = (process.env.SIZES ?? '100000,1000000').split(',').map(Number);
const RUNS = Number(process.env.RUNS ?? 3);
const DUTS = (process.env.DUTS ?? 'nodebgp,bird,frr').split(',');
const TIMEOUT_S = Number(process.env.TIMEOUT ?? 300);
const UPSTREAMS = 4;
const tag = `bu${process.pid % 10000}`;
const NS = { d: `${tag}d`, r: `${tag}r`, s: Array.from({ length: UPSTREAMS }, (_, k) => `${tag}s${k + 1}`) };
const owned = ownedNamespaces([NS.d, NS.r, ...NS.s]);
const upstreamAs = (k) => 65011 + k;

function setup() {
  owned.create();
  link(NS.d, 'rcv0', '10.91.0.1', NS.r, 'eth0', '10.91.0.2');
  NS.s.forEach((ns, k) => link(ns, 'eth0', `10.91.${k + 1}.2`, NS.d, `upl${k + 1}`, `10.91.${k + 1}.1`));
}

async function once(dut, n) {
  setup();
  const neighbors = [
    { address: '10.91.0.2', asn: 65002, local: '10.91.0.1' },
    ...NS.s.map((_, k) => ({ address: `10.91.${k + 1}.2`, asn: upstreamAs(k), local: `10.91.${k + 1}.1` })),
  ];
  const cfg = configs({ routerId: '10.91.0.1', neighbors })[dut];
  const watcher = peer('watcher', NS.r, '10.91.0.2', '10.91.0.1', 65002, n);
  await watcher.wait((e) => e.event === 'listening', 10000);
  const proc = startDut(dut, NS.d, cfg);
  const senders = [];
  try {
    await watcher.wait((e) => e.event === 'established', 60000);
    await bgpListening(NS.d);
    // Tables built (and sessions up) before the clock starts; each sender sends when told to.
    for (let k = 0; k < UPSTREAMS; k++) {
      senders.push(peer('sender', NS.s[k], `10.91.${k + 1}.2`, `10.91.${k + 1}.1`, upstreamAs(k), n, { PREPEND: String(UPSTREAMS - 1 - k), SEND_ON: 'go' }));
    }
    for (const s of senders) await s.wait((e) => e.event === 'established', 120000);
    const before = usage(proc.pid);
    let first;
    for (let k = 0; k < UPSTREAMS; k++) {
      senders[k].p.stdin.write('go\n');
      const f = await senders[k].wait((e) => e.event === 'first-byte', 60000);
      first ??= f.at;
      await watcher.wait((e) => e.event === 'all-from' && e.asn === upstreamAs(k), TIMEOUT_S * 1000);
    }
    const loaded = watcher.events.find((e) => e.event === 'all-from' && e.asn === upstreamAs(UPSTREAMS - 1));
    if (process.env.MEMORY && dut === 'nodebgp') console.error(`  nodebgp N=${n} loaded: ${nodebgpMemory(NS.d)}`);
    const cut = performance.timeOrigin + performance.now();
    senders[UPSTREAMS - 1].kill();
    const fallback = await watcher.wait((e) => e.event === 'all-from' && e.asn === upstreamAs(UPSTREAMS - 2) && e.at > cut, TIMEOUT_S * 1000);
    const after = usage(proc.pid);
    return { seconds: (loaded.at - first) / 1000, down: (fallback.at - cut) / 1000, cpu: after.cpu - before.cpu, rssMb: after.rssMb };
  } finally {
    for (const s of senders) s.kill();
    watcher.kill();
    await stopDut(proc);
  }
}

const results = {};
for (const n of SIZES) {
  const byDut = await eachRun(RUNS, DUTS, (dut) => once(dut, n), (r) => `load ${r.seconds.toFixed(2)} s, peer down ${r.down.toFixed(2)} s, ${r.cpu.toFixed(2)} CPU s, ${r.rssMb.toFixed(0)} MB peak RSS`, ` N=${n}`);
  for (const [dut, rs] of Object.entries(byDut)) results[`${dut}@${n}`] = rs;
}
console.log(`\nFour upstreams: ${UPSTREAMS} x N paths, each upstream better than the one before; then the best one goes down. Medians of ${RUNS} runs (node ${process.version}, ${new Date().toISOString().slice(0, 10)})`);
for (const n of SIZES) {
  const bird = results[`bird@${n}`];
  const base = (key) => (bird ? median(bird.map((r) => r[key])) : NaN);
  console.log(`\nN = ${n.toLocaleString('en-US')} prefixes (${(UPSTREAMS * n).toLocaleString('en-US')} paths)`);
  console.log('| DUT | load | ratio to BIRD | peer down | ratio to BIRD | CPU s | peak RSS | RSS ratio to BIRD |');
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const dut of DUTS) {
    const rs = results[`${dut}@${n}`].filter((r) => !r.error);
    if (rs.length === 0) {
      console.log(`| ${dut} | failed | | | | | | |`);
      continue;
    }
    const m = (key) => median(rs.map((r) => r[key]));
    console.log(`| ${dut} | ${m('seconds').toFixed(2)} s | ${ratio(m('seconds'), base('seconds'))} | ${m('down').toFixed(2)} s | ${ratio(m('down'), base('down'))} | ${m('cpu').toFixed(2)} | ${m('rssMb').toFixed(0)} MB | ${ratio(m('rssMb'), base('rssMb'))} |`);
  }
}
