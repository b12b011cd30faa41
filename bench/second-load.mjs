// A first and a second load into one DUT (npm run bench:second-load): how much of a small table's
// time is the DUT's start (a JIT not yet warm, memory not yet mapped) and how much its steady cost.
// In the propagation line of namespaces, sender A (10.90.0.2, AS 65001) sends N prefixes and is
// then killed (the DUT withdraws them all); sender B (10.90.0.3, AS 65003, the same link) then
// sends the same N prefixes into the emptied table. Measured for each load: the sender's first
// UPDATE octet until the receiver holds all N from that sender (a watcher: the AS after the DUT's),
// the DUT's CPU seconds; and the DUT's peak RSS at the end. Medians of RUNS, ratios to BIRD.
//   SIZES=100000 RUNS=3 DUTS=nodebgp,bird npm run bench:second-load
import { configs, startDut, usage } from './lib/dut.mjs';
import { inNs, lineTopology, peer } from './lib/line.mjs';
import { eachRun, median, ratio, stopDut } from './lib/runs.mjs';

const SIZES = (process.env.SIZES ?? '100000').split(',').map(Number);
const RUNS = Number(process.env.RUNS ?? 3);
const DUTS = (process.env.DUTS ?? 'nodebgp,bird').split(',');
const TIMEOUT_S = Number(process.env.TIMEOUT ?? 300);
/** After a sender is killed: time for the DUT to withdraw its routes before the next load. */
const SETTLE_MS = 3000;
const SENDERS = [{ address: '10.90.0.2', asn: 65001 }, { address: '10.90.0.3', asn: 65003 }];
const { NS, setup, teardown } = lineTopology(`sl${process.pid % 10000}`);

async function once(dut, n) {
  setup();
  inNs(NS.s, 'ip', 'addr', 'add', `${SENDERS[1].address}/24`, 'dev', 'eth0');
  const cfg = configs({ routerId: '10.90.0.1', neighbors: [...SENDERS.map((s) => ({ ...s, local: '10.90.0.1' })), { address: '10.90.1.2', asn: 65002, local: '10.90.1.1' }] })[dut];
  const watcher = peer('watcher', NS.r, '10.90.1.2', '10.90.1.1', 65002, n);
  await watcher.wait((e) => e.event === 'listening', 10000);
  const proc = startDut(dut, NS.d, cfg);
  const loads = [];
  try {
    await watcher.wait((e) => e.event === 'established', 60000);
    for (const s of SENDERS) {
      const sender = peer('sender', NS.s, s.address, '10.90.0.1', s.asn, n);
      try {
        await sender.wait((e) => e.event === 'table', 120000);
        const before = usage(proc.pid);
        const first = await sender.wait((e) => e.event === 'first-byte', 60000);
        const done = await watcher.wait((e) => e.event === 'all-from' && e.asn === s.asn, TIMEOUT_S * 1000);
        const after = usage(proc.pid);
        loads.push({ seconds: (done.at - first.at) / 1000, cpu: after.cpu - before.cpu, rssMb: after.rssMb });
      } finally {
        sender.kill();
      }
      await new Promise((r) => setTimeout(r, SETTLE_MS));
    }
    return { seconds: loads[0].seconds, cpu: loads[0].cpu, second: loads[1].seconds, secondCpu: loads[1].cpu, rssMb: loads[1].rssMb };
  } finally {
    watcher.kill();
    await stopDut(proc);
    teardown();
  }
}

const results = {};
for (const n of SIZES) {
  const describe = (r) => `first ${r.seconds.toFixed(3)} s, ${r.cpu.toFixed(2)} CPU s; second ${r.second.toFixed(3)} s, ${r.secondCpu.toFixed(2)} CPU s; ${r.rssMb.toFixed(0)} MB peak RSS`;
  const byDut = await eachRun(RUNS, DUTS, (dut) => once(dut, n), describe, ` N=${n}`);
  for (const [dut, rs] of Object.entries(byDut)) results[`${dut}@${n}`] = rs;
}
console.log(`\nFirst and second load into one DUT, ${Number(process.env.PER_SET ?? 5)} prefixes per attribute set, medians of ${RUNS} runs (node ${process.version}, ${new Date().toISOString().slice(0, 10)})`);
for (const n of SIZES) {
  const bird = results[`bird@${n}`];
  const base = (k) => (bird ? median(bird.map((r) => r[k])) : NaN);
  console.log(`\nN = ${n.toLocaleString('en-US')} prefixes`);
  console.log('| DUT | first load | ratio to BIRD | CPU s | second load | ratio to BIRD | CPU s | peak RSS |');
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const dut of DUTS) {
    const rs = results[`${dut}@${n}`];
    const m = (k) => median(rs.map((r) => r[k]));
    console.log(`| ${dut} | ${m('seconds').toFixed(3)} s | ${ratio(m('seconds'), base('seconds'))} | ${m('cpu').toFixed(2)} | ${m('second').toFixed(3)} s | ${ratio(m('second'), base('second'))} | ${m('secondCpu').toFixed(2)} | ${m('rssMb').toFixed(0)} MB |`);
  }
}
