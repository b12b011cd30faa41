// Propagation benchmark (npm run bench:propagation), the bgperf method in network namespaces: a
// sender injects N IPv4 prefixes into the device under test, which re-advertises them to a
// receiver. Measured: time from the sender's first UPDATE byte to the receiver holding all N, the
// DUT's CPU seconds and peak RSS. nodebgp, BIRD 2, FRR bgpd and GoBGP run as the DUT in the same
// run with equivalent configuration (bench/lib/dut.mjs); medians of RUNS runs, ratios to BIRD.
// The table has one attribute set per PER_SET prefixes (default 5, as real full tables have about
// one per 4-5; PER_SET=1000 is a table of few sets). FAMILY=6: IPv6 prefixes (mostly /48) over
// sessions on IPv6 addresses, each DUT configured for IPv6 unicast only.
//   SIZES=100000,1000000 RUNS=3 DUTS=nodebgp,bird,frr,gobgp npm run bench:propagation
// DUT `nodebgp-bmp` is nodebgpd with a BMP collector attached that reads and discards, in the DUT's
// namespace: BMP's cost to convergence. It monitors BMP_MONITOR (default
// pre-policy,post-policy,loc-rib). MEMORY=1 prints where nodebgpd's memory is once converged (its
// own metrics, then the heap after a full collection). SMAPS=<file> keeps its /proc/PID/smaps
// then; SNAPSHOT=1 sends it SIGUSR2 then and waits 20 s (a heap snapshot, with DUT_NODE_FLAGS
// holding --heapsnapshot-signal=SIGUSR2; see bench/lib/dut.mjs).
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { configs, listening, nodebgpMemory, nodebgpMetric, startDut, usage } from './lib/dut.mjs';
import { LINE6, lineTopology, peer } from './lib/line.mjs';
import { eachRun, median, ratio, stopDut } from './lib/runs.mjs';

const SIZES = (process.env.SIZES ?? '100000,1000000').split(',').map(Number);
const RUNS = Number(process.env.RUNS ?? 3);
const DUTS = (process.env.DUTS ?? 'nodebgp,bird,frr,gobgp').split(',');
const TIMEOUT_S = Number(process.env.TIMEOUT ?? 300);
const { NS, setup } = lineTopology(`bp${process.pid % 10000}`);
const FAMILY = Number(process.env.FAMILY ?? 4);
/** The line's addresses: the sender's and the DUT's on the first link, the DUT's and the receiver's on the second. */
const A = FAMILY === 6 ? LINE6 : { sender: '10.90.0.2', dutS: '10.90.0.1', dutR: '10.90.1.1', receiver: '10.90.1.2' };

async function once(dut, n) {
  setup();
  const bmp = dut === 'nodebgp-bmp';
  const all = configs({ routerId: '10.90.0.1', family: FAMILY, neighbors: [{ address: A.sender, asn: 65001, local: A.dutS }, { address: A.receiver, asn: 65002, local: A.dutR }] });
  const cfg = bmp ? JSON.stringify({ ...JSON.parse(all.nodebgp), bmp: { collectors: [{ address: '127.0.0.1', port: 1790, monitor: (process.env.BMP_MONITOR ?? 'pre-policy,post-policy,loc-rib').split(',') }], statisticsInterval: 0 } }) : all[dut];
  const receiver = peer('receiver', NS.r, A.receiver, A.dutR, 65002, n);
  await receiver.wait((e) => e.event === 'listening', 10000);
  // The collector: reads everything and keeps nothing (what BMP costs the DUT, not a collector's parsing).
  const sink = bmp ? spawn('ip', ['netns', 'exec', NS.d, process.execPath, '-e', "require('net').createServer((s) => s.resume()).listen(1790, '127.0.0.1')"], { stdio: 'ignore' }) : undefined;
  // Attached from the start, as a collector that is up: the DUT's first connection finds it.
  if (sink) await listening(NS.d, 1790);
  const proc = startDut(bmp ? 'nodebgp' : dut, NS.d, cfg);
  try {
    await receiver.wait((e) => e.event === 'established', 60000);
    const sender = peer('sender', NS.s, A.sender, A.dutS, 65001, n);
    try {
      await sender.wait((e) => e.event === 'table', 120000);
      const before = usage(proc.pid);
      const first = await sender.wait((e) => e.event === 'first-byte', 60000);
      const done = await receiver.wait((e) => e.event === 'done', TIMEOUT_S * 1000);
      const after = usage(proc.pid);
      if (process.env.MEMORY && dut.startsWith('nodebgp')) console.error(`  ${dut} N=${n} converged: ${nodebgpMemory(NS.d)}`);
      if (process.env.SMAPS && dut.startsWith('nodebgp')) writeFileSync(process.env.SMAPS, readFileSync(`/proc/${proc.pid}/smaps`));
      if (process.env.SNAPSHOT && dut.startsWith('nodebgp')) {
        process.kill(proc.pid, 'SIGUSR2');
        await new Promise((r) => setTimeout(r, 20000));
      }
      // A collector that fell more than the bound behind is dropped and dumped to again: say so.
      const resyncs = bmp ? nodebgpMetric(NS.d, 'nodebgp_bmp_resyncs_total') : 0;
      return { seconds: (done.at - first.at) / 1000, cpu: after.cpu - before.cpu, rssMb: after.rssMb, resyncs };
    } finally {
      sender.kill();
    }
  } finally {
    receiver.kill();
    sink?.kill();
    await stopDut(proc);
  }
}

const results = {};
for (const n of SIZES) {
  const byDut = await eachRun(RUNS, DUTS, (dut) => once(dut, n), (r) => `${r.seconds.toFixed(2)} s, ${r.cpu.toFixed(2)} CPU s, ${r.rssMb.toFixed(0)} MB peak RSS${r.resyncs ? `, ${r.resyncs} BMP resyncs` : ''}`, ` N=${n}`);
  for (const [dut, rs] of Object.entries(byDut)) results[`${dut}@${n}`] = rs;
}
console.log(`\nPropagation: sender -> DUT -> receiver, IPv${FAMILY}, ${Number(process.env.PER_SET ?? 5)} prefixes per attribute set, medians of ${RUNS} runs (node ${process.version}, ${new Date().toISOString().slice(0, 10)})`);
for (const n of SIZES) {
  const bird = results[`bird@${n}`];
  const base = bird ? median(bird.map((r) => r.seconds)) : NaN;
  const baseRss = bird ? median(bird.map((r) => r.rssMb)) : NaN;
  console.log(`\nN = ${n.toLocaleString('en-US')} prefixes`);
  console.log('| DUT | convergence | ratio to BIRD | CPU s | peak RSS | RSS ratio to BIRD |');
  console.log('| --- | --- | --- | --- | --- | --- |');
  for (const dut of DUTS) {
    const rs = results[`${dut}@${n}`];
    const s = median(rs.map((r) => r.seconds));
    const cpu = median(rs.map((r) => r.cpu));
    const rss = median(rs.map((r) => r.rssMb));
    console.log(`| ${dut} | ${s.toFixed(2)} s | ${ratio(s, base)} | ${cpu.toFixed(2)} | ${rss.toFixed(0)} MB | ${ratio(rss, baseRss)} |`);
  }
}
