// BFD under load (npm run bench:bfd-load): the DUT carries a BFD session at 100 ms x 3 with FRR's
// bfdd (in the receiver's namespace) while a full table of N prefixes (default 1M) arrives from the
// sender and is re-advertised to the receiver. Counted: BFD session flaps during the load, from the
// peer's side (FRR's session-down counter, which sees any flap whichever end declared it) and, for
// nodebgp, its own count; also the convergence time and, for nodebgp, the worst main-thread
// event-loop delay (what a BFD on the main thread would have had to survive). BIRD and FRR (bgpd +
// bfdd) run as the DUT in the same run with the same BFD settings; GoBGP 3.10 has no BFD.
//   SIZE=1000000 RUNS=3 DUTS=nodebgp,bird,frr npm run bench:bfd-load
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configs, nodebgpApi, nodebgpMetric, startZebra, startDut, usage } from './lib/dut.mjs';
import { lineTopology, peer } from './lib/line.mjs';
import { eachRun, median, stopDut } from './lib/runs.mjs';
import { until } from '../lab/netns/wait.mjs';

const N = Number(process.env.SIZE ?? 1000000);
const RUNS = Number(process.env.RUNS ?? 3);
const DUTS = (process.env.DUTS ?? 'nodebgp,bird,frr').split(',');
const { NS, setup } = lineTopology(`bl${process.pid % 10000}`);
const DUT_ADDR = '10.90.1.1';

const PEER_BFDD = `bfd
 peer ${DUT_ADDR}
  receive-interval 100
  transmit-interval 100
  detect-multiplier 3
 !
!
`;

async function once(dut) {
  setup();
  const dir = mkdtempSync(join(tmpdir(), 'nodebgp-bfdload-'));
  const vtysh = startZebra(NS.r, dir, PEER_BFDD);
  const bfd = () => {
    try {
      const peerState = JSON.parse(vtysh(`show bfd peer ${DUT_ADDR} json`));
      const counters = JSON.parse(vtysh(`show bfd peer ${DUT_ADDR} counters json`));
      return { up: peerState.status === 'up', tx: peerState['transmit-interval'], downs: counters['session-down'] ?? 0 };
    } catch {
      return { up: false, tx: 0, downs: 0 };
    }
  };
  const cfg = configs({ routerId: '10.90.0.1', neighbors: [{ address: '10.90.0.2', asn: 65001, local: '10.90.0.1' }, { address: '10.90.1.2', asn: 65002, local: DUT_ADDR, bfd: true }] })[dut];
  const receiver = peer('receiver', NS.r, '10.90.1.2', DUT_ADDR, 65002, N);
  await receiver.wait((e) => e.event === 'listening', 10000);
  const proc = startDut(dut, NS.d, cfg, { bfd: true });
  try {
    await receiver.wait((e) => e.event === 'established', 60000);
    if (!(await until(() => { const b = bfd(); return b.up && b.tx === 100; }, 30000, 200))) throw new Error('timed out waiting for BFD Up at 100 ms');
    await new Promise((r) => setTimeout(r, 2000));
    const before = bfd();
    const sender = peer('sender', NS.s, '10.90.0.2', '10.90.0.1', 65001, N);
    try {
      await sender.wait((e) => e.event === 'table', 120000);
      const first = await sender.wait((e) => e.event === 'first-byte', 60000);
      const done = await receiver.wait((e) => e.event === 'done', 600000);
      const rss = usage(proc.pid).rssMb;
      await new Promise((r) => setTimeout(r, 3000));
      const after = bfd();
      let own = {};
      if (dut === 'nodebgp') {
        // From the running binary: its BFD session's Up-to-Down count (API) and the worst
        // event-loop delay since the start (prom-client's maximum, reset only by a scrape).
        const session = JSON.parse(nodebgpApi(NS.d, '/v1/bfd')).sessions.find((x) => x.peer === '10.90.1.2');
        own = { ownDowns: session?.downTransitions, loopMaxMs: nodebgpMetric(NS.d, 'nodejs_eventloop_lag_max_seconds') * 1000 };
      }
      return { seconds: (done.at - first.at) / 1000, flaps: after.downs - before.downs, upAtEnd: after.up, rssMb: rss, ...own };
    } finally {
      sender.kill();
    }
  } finally {
    receiver.kill();
    await stopDut(proc);
  }
}

const results = await eachRun(RUNS, DUTS, once, (r) => `${r.seconds.toFixed(2)} s, BFD flaps ${r.flaps}${r.ownDowns !== undefined ? ` (own count ${r.ownDowns})` : ''}, Up at end ${r.upAtEnd}${r.loopMaxMs !== undefined ? `, main-thread event-loop delay max ${r.loopMaxMs.toFixed(0)} ms` : ''}`);
console.log(`\nBFD 100 ms x 3 while ${N.toLocaleString('en-US')} prefixes load, ${RUNS} runs (node ${process.version}, ${new Date().toISOString().slice(0, 10)})`);
console.log('| DUT | convergence (median) | BFD flaps, all runs | BFD Up at the end | worst main-thread event-loop delay |');
console.log('| --- | --- | --- | --- | --- |');
for (const dut of DUTS) {
  const rs = results[dut].filter((r) => !r.error);
  const loop = rs.map((r) => r.loopMaxMs).filter((x) => x !== undefined);
  console.log(`| ${dut} | ${rs.length ? `${median(rs.map((r) => r.seconds)).toFixed(2)} s` : 'failed'} | ${rs.map((r) => r.flaps).join(', ')} | ${rs.every((r) => r.upAtEnd) ? 'yes' : 'no'} | ${loop.length ? `${Math.max(...loop).toFixed(0)} ms` : '-'} |`);
}
