// Churn soak (npm run bench:soak): a churner announces a base table of UNIVERSE /24s through the
// DUT, then for SOAK_MINUTES changes RATE prefixes a second (withdrawals, announcements,
// re-announcements with another community); when it stops, the collector behind the DUT must hold
// exactly the churner's final table (prefixes, communities, AS path): compared by digest. Also the
// DUT's CPU over the churn and its RSS. nodebgp, BIRD, FRR and GoBGP as the DUT in one run.
//   SOAK_MINUTES=10 RATE=2000 UNIVERSE=100000 DUTS=nodebgp npm run bench:soak
import { configs, startDut, usage } from './lib/dut.mjs';
import { lineTopology, nsScript } from './lib/line.mjs';
import { eachRun, stopDut } from './lib/runs.mjs';

const MINUTES = Number(process.env.SOAK_MINUTES ?? 10);
const RATE = Number(process.env.RATE ?? 2000);
const U = Number(process.env.UNIVERSE ?? 100000);
const DUTS = (process.env.DUTS ?? 'nodebgp,bird,frr,gobgp').split(',');
const { NS, setup } = lineTopology(`bk${process.pid % 10000}`);
const sleep = (s) => new Promise((r) => setTimeout(r, s * 1000));

const churnPeer = (role, ns, local, remote, asn) =>
  nsScript(ns, 'churn-peer.mjs', [role, local, remote, String(asn), String(U), String(RATE), String(MINUTES * 60)], role);

async function once(dut) {
  setup();
  const collector = churnPeer('collector', NS.r, '10.90.1.2', '10.90.1.1', 65002);
  await collector.wait((e) => e.event === 'listening', 10000);
  const cfg = configs({ routerId: '10.90.0.1', neighbors: [{ address: '10.90.0.2', asn: 65001, local: '10.90.0.1' }, { address: '10.90.1.2', asn: 65002, local: '10.90.1.1' }] })[dut];
  const proc = startDut(dut, NS.d, cfg);
  try {
    await collector.wait((e) => e.event === 'established', 60000);
    const churner = churnPeer('churner', NS.s, '10.90.0.2', '10.90.0.1', 65001);
    try {
      await churner.wait((e) => e.event === 'base-sent', 120000);
      const cpu0 = usage(proc.pid);
      const t0 = Date.now();
      const done = await churner.wait((e) => e.event === 'done', (MINUTES * 60 + 120) * 1000);
      const cpu1 = usage(proc.pid);
      const seconds = (Date.now() - t0) / 1000;
      // Quiet for 3 s, then the collector's table must equal the churner's.
      let got;
      const end = Date.now() + 120000;
      do {
        await sleep(1);
        const mark = collector.events.length;
        collector.p.stdin.write('digest\n');
        got = await collector.wait((e, i) => e.event === 'digest' && collector.events.indexOf(e) >= mark, 10000);
      } while ((got.quietMs < 3000 || got.hash !== done.hash) && Date.now() < end);
      return { seconds, changesPerSecond: done.changes / seconds, cpuPct: ((cpu1.cpu - cpu0.cpu) / seconds) * 100, rssMb: cpu1.rssMb, expected: done, got, match: got.hash === done.hash && got.count === done.count };
    } finally {
      churner.kill();
    }
  } finally {
    collector.kill();
    await stopDut(proc);
  }
}

const results = await eachRun(1, DUTS, once, (r) => `${(r.seconds / 60).toFixed(1)} min at ${Math.round(r.changesPerSecond)} changes/s: ${r.match ? 'tables match' : 'TABLES DIFFER'} (${r.got.count} prefixes, digest ${r.got.hash}; expected ${r.expected.count}, ${r.expected.hash}); CPU ${r.cpuPct.toFixed(1)}%, RSS ${r.rssMb.toFixed(0)} MB`);
console.log(`\nChurn soak: ${U.toLocaleString('en-US')} prefixes, ${RATE} changes/s for ${MINUTES} min (node ${process.version}, ${new Date().toISOString().slice(0, 10)})`);
console.log('| DUT | changes made | changes/s | receiver table equals the sender\'s | DUT CPU | RSS at the end |');
console.log('| --- | --- | --- | --- | --- | --- |');
for (const dut of DUTS) {
  const r = results[dut][0];
  if (r.error) console.log(`| ${dut} | failed: ${r.error} | | | | |`);
  else console.log(`| ${dut} | ${r.expected.changes.toLocaleString('en-US')} | ${Math.round(r.changesPerSecond)} | ${r.match ? `yes (${r.got.count} prefixes)` : `NO: ${r.got.count} held, ${r.expected.count} expected`} | ${r.cpuPct.toFixed(1)}% | ${r.rssMb.toFixed(0)} MB |`);
}
