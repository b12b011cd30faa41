// Propagation benchmark (npm run bench:propagation), the bgperf method in network namespaces: a
// sender injects N IPv4 prefixes into the device under test, which re-advertises them to a
// receiver. Measured: time from the sender's first UPDATE byte to the receiver holding all N, the
// DUT's CPU seconds and peak RSS. nodebgp, BIRD 2, FRR bgpd and GoBGP run as the DUT in the same
// run with equivalent configuration (bench/lib/dut.mjs); medians of RUNS runs, ratios to BIRD.
//   SIZES=100000,1000000 RUNS=3 DUTS=nodebgp,bird,frr,gobgp npm run bench:propagation
import { spawn, spawnSync } from 'node:child_process';
import { createInterface } from 'node:readline';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { configs, startDut, usage } from './lib/dut.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const SIZES = (process.env.SIZES ?? '100000,1000000').split(',').map(Number);
const RUNS = Number(process.env.RUNS ?? 3);
const DUTS = (process.env.DUTS ?? 'nodebgp,bird,frr,gobgp').split(',');
const TIMEOUT_S = Number(process.env.TIMEOUT ?? 300);
const tag = `bp${process.pid % 10000}`;
const NS = { s: `${tag}s`, d: `${tag}d`, r: `${tag}r` };

const sh = (cmd, args, input) => {
  const r = spawnSync(cmd, args, { encoding: 'utf8', input });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
};
const inNs = (ns, ...args) => sh('ip', ['netns', 'exec', ns, ...args]);

function setup() {
  teardown();
  for (const ns of Object.values(NS)) {
    sh('ip', ['netns', 'add', ns]);
    inNs(ns, 'ip', 'link', 'set', 'lo', 'up');
  }
  const link = (a, aif, aip, b, bif, bip) => {
    sh('ip', ['link', 'add', aif, 'netns', a, 'type', 'veth', 'peer', 'name', bif, 'netns', b]);
    inNs(a, 'ip', 'addr', 'add', `${aip}/24`, 'dev', aif);
    inNs(b, 'ip', 'addr', 'add', `${bip}/24`, 'dev', bif);
    inNs(a, 'ip', 'link', 'set', aif, 'up');
    inNs(b, 'ip', 'link', 'set', bif, 'up');
  };
  link(NS.s, 'eth0', '10.90.0.2', NS.d, 'tos', '10.90.0.1');
  link(NS.d, 'tor', '10.90.1.1', NS.r, 'eth0', '10.90.1.2');
}

function teardown() {
  for (const ns of Object.values(NS)) {
    const pids = spawnSync('ip', ['netns', 'pids', ns], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean);
    for (const pid of pids) spawnSync('kill', ['-9', pid]);
    spawnSync('ip', ['netns', 'del', ns]);
  }
}
process.on('exit', teardown);
process.on('SIGINT', () => process.exit(130));

function peer(role, ns, local, remote, asn, count) {
  const p = spawn('ip', ['netns', 'exec', ns, process.execPath, join(here, 'lib', 'peer.mjs'), role, local, remote, String(asn), String(count), JSON.stringify([65000, 65002])], { stdio: ['pipe', 'pipe', 'inherit'] });
  const events = [];
  const waiters = [];
  createInterface({ input: p.stdout }).on('line', (l) => {
    const e = JSON.parse(l);
    events.push(e);
    for (const w of [...waiters]) if (w.pred(e)) { waiters.splice(waiters.indexOf(w), 1); w.resolve(e); }
  });
  const wait = (pred, ms) => {
    const seen = events.find(pred);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`${role}: timed out; events ${JSON.stringify(events.slice(-5))}`)), ms);
      waiters.push({ pred, resolve: (e) => { clearTimeout(t); resolve(e); } });
    });
  };
  return { p, wait, kill: () => { p.stdin.end(); p.kill('SIGKILL'); } };
}

async function once(dut, n) {
  setup();
  const cfg = configs({ routerId: '10.90.0.1', neighbors: [{ address: '10.90.0.2', asn: 65001, local: '10.90.0.1' }, { address: '10.90.1.2', asn: 65002, local: '10.90.1.1' }] })[dut];
  const receiver = peer('receiver', NS.r, '10.90.1.2', '10.90.1.1', 65002, n);
  await receiver.wait((e) => e.event === 'listening', 10000);
  const proc = startDut(dut, NS.d, cfg);
  try {
    await receiver.wait((e) => e.event === 'established', 60000);
    const sender = peer('sender', NS.s, '10.90.0.2', '10.90.0.1', 65001, n);
    try {
      await sender.wait((e) => e.event === 'table', 120000);
      const before = usage(proc.pid);
      const first = await sender.wait((e) => e.event === 'first-byte', 60000);
      const done = await receiver.wait((e) => e.event === 'done', TIMEOUT_S * 1000);
      const after = usage(proc.pid);
      return { seconds: (done.at - first.at) / 1000, cpu: after.cpu - before.cpu, rssMb: after.rssMb };
    } finally {
      sender.kill();
    }
  } finally {
    receiver.kill();
    proc.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 1500));
    proc.kill('SIGKILL');
  }
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const results = {};
for (const n of SIZES) {
  for (let run = 1; run <= RUNS; run++) {
    for (const dut of DUTS) {
      let r;
      try {
        r = await once(dut, n);
      } catch (e) {
        r = { seconds: NaN, cpu: NaN, rssMb: NaN, error: e.message };
      }
      (results[`${dut}@${n}`] ??= []).push(r);
      console.error(`${dut.padEnd(8)} N=${n} run ${run}: ${r.error ? `failed: ${r.error}` : `${r.seconds.toFixed(2)} s, ${r.cpu.toFixed(2)} CPU s, ${r.rssMb.toFixed(0)} MB peak RSS`}`);
    }
  }
}
console.log(`\nPropagation: sender -> DUT -> receiver, medians of ${RUNS} runs (node ${process.version}, ${new Date().toISOString().slice(0, 10)})`);
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
    console.log(`| ${dut} | ${s.toFixed(2)} s | ${(s / base).toFixed(2)} | ${cpu.toFixed(2)} | ${rss.toFixed(0)} MB | ${(rss / baseRss).toFixed(2)} |`);
  }
}
