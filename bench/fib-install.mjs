// Kernel route installation (npm run bench:fib): a sender gives the DUT N IPv4 prefixes (the
// benchmark table, one next hop on the link) and the DUT installs them into its namespace's main
// table: nodebgp's FIB (rtnetlink), BIRD's kernel protocol, FRR's bgpd through zebra, in the same
// run. Measured: time from the sender's first UPDATE octet until the kernel holds all N (the last
// prefix resolves with `ip route get`, then the count is checked), and routes per second; then
// removal: the sender goes away (its TCP connection closes, the session is down) and the time
// until the kernel holds none of them; with REMOVE_BY=shutdown, the DUT is stopped instead
// (SIGTERM, as a rollout stops it) and the time until its routes are gone.
//   SIZES=100000,1000000 RUNS=3 DUTS=nodebgp,bird,frr npm run bench:fib
import { spawnSync } from 'node:child_process';
import { bgpListening, kernelConfigs, startDut, usage } from './lib/dut.mjs';
import { lineTopology, peer } from './lib/line.mjs';
import { eachRun, median, ratio, stopDut } from './lib/runs.mjs';

const SIZES = (process.env.SIZES ?? '100000,1000000').split(',').map(Number);
const RUNS = Number(process.env.RUNS ?? 3);
const DUTS = (process.env.DUTS ?? 'nodebgp,bird,frr').split(',');
const BY_SHUTDOWN = process.env.REMOVE_BY === 'shutdown';
const { NS, setup } = lineTopology(`bf${process.pid % 10000}`);

const ipNs = (...args) => spawnSync('ip', ['-n', NS.d, ...args], { encoding: 'utf8', maxBuffer: 1 << 30 });
/** IPv4 routes in the main table not of the kernel's own making (connected routes). */
function kernelCount() {
  const out = ipNs('-4', 'route', 'show', 'table', 'main').stdout;
  let n = 0;
  for (const line of out.split('\n')) if (line && !line.includes('proto kernel')) n++;
  return n;
}

/** Prefixes in the namespace's main table, from the kernel's trie statistics (cheap at any size, unlike a listing). */
function mainPrefixes() {
  const out = spawnSync('ip', ['netns', 'exec', NS.d, 'cat', '/proc/net/fib_triestat'], { encoding: 'utf8' }).stdout;
  return Number(/Main:[\s\S]*?Prefixes:\s+(\d+)/.exec(out)?.[1] ?? NaN);
}

async function once(dut, n) {
  setup();
  const cfg = kernelConfigs({ routerId: '10.90.0.1', neighbors: [{ address: '10.90.0.2', asn: 65001, local: '10.90.0.1' }] })[dut];
  const proc = startDut(dut, NS.d, cfg, { zebra: dut === 'frr' });
  try {
    await bgpListening(NS.d);
    const sender = peer('sender', NS.s, '10.90.0.2', '10.90.0.1', 65001, n);
    try {
      const table = await sender.wait((e) => e.event === 'table', 120000);
      const probe = table.last.split('/')[0];
      const first = await sender.wait((e) => e.event === 'first-byte', 60000);
      const deadline = Date.now() + 600000;
      // The last prefix sent is (nearly always) the last installed; the count confirms.
      while (!/via 10\.90\.0\.2/.test(ipNs('route', 'get', probe).stdout)) {
        if (Date.now() > deadline) throw new Error('timed out');
        await new Promise((r) => setTimeout(r, 20));
      }
      let done = performance.timeOrigin + performance.now();
      while (kernelCount() < n) {
        if (Date.now() > deadline) throw new Error(`timed out at ${kernelCount()} routes`);
        await new Promise((r) => setTimeout(r, 200));
        done = performance.timeOrigin + performance.now();
      }
      const u = usage(proc.pid);
      const seconds = (done - first.at) / 1000;
      // Removal: from the sender's end until the last of its routes leaves the kernel.
      const rest = mainPrefixes() - n;
      const gone = performance.timeOrigin + performance.now();
      if (BY_SHUTDOWN) proc.kill('SIGTERM');
      else sender.kill();
      let removed = gone;
      while (mainPrefixes() > rest) {
        if (Date.now() > deadline + 600000) throw new Error(`removal timed out at ${mainPrefixes() - rest} routes`);
        await new Promise((r) => setTimeout(r, 20));
        removed = performance.timeOrigin + performance.now();
      }
      return { seconds, rate: n / seconds, rssMb: u.rssMb, cpu: u.cpu, removal: (removed - gone) / 1000 };
    } finally {
      sender.kill();
    }
  } finally {
    await stopDut(proc);
  }
}

const results = {};
for (const n of SIZES) {
  const byDut = await eachRun(RUNS, DUTS, (dut) => once(dut, n), (r) => `${r.seconds.toFixed(2)} s, ${Math.round(r.rate)} routes/s, removal ${r.removal.toFixed(2)} s, ${r.rssMb.toFixed(0)} MB peak RSS`, ` N=${n}`);
  for (const [dut, rs] of Object.entries(byDut)) results[`${dut}@${n}`] = rs;
}
console.log(`\nKernel installation: sender -> DUT -> kernel main table, medians of ${RUNS} runs (node ${process.version}, ${new Date().toISOString().slice(0, 10)})`);
for (const n of SIZES) {
  const bird = results[`bird@${n}`] ?? [{ rate: NaN, removal: NaN }];
  const base = median(bird.map((r) => r.rate));
  const baseRemoval = median(bird.map((r) => r.removal));
  console.log(`\nN = ${n.toLocaleString('en-US')} prefixes`);
  console.log(`| DUT | all N in the kernel | routes/s | ratio to BIRD (rate) | removal ${BY_SHUTDOWN ? 'at shutdown (SIGTERM)' : 'after the session ends'} | ratio to BIRD (time) | peak RSS |`);
  console.log('| --- | --- | --- | --- | --- | --- | --- |');
  for (const dut of DUTS) {
    const rs = results[`${dut}@${n}`];
    const rate = median(rs.map((r) => r.rate));
    const removal = median(rs.map((r) => r.removal));
    console.log(`| ${dut} | ${median(rs.map((r) => r.seconds)).toFixed(2)} s | ${Math.round(rate).toLocaleString('en-US')} | ${ratio(rate, base)} | ${removal.toFixed(2)} s | ${ratio(removal, baseRemoval)} | ${median(rs.map((r) => r.rssMb)).toFixed(0)} MB |`);
  }
}
