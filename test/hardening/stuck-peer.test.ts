// A peer that stops reading while a full table is due to it (STUCK_ROUTES, 200k in CI; the README
// figure is for 1M): nodebgpd keeps state for it, not messages, so its memory stays flat while the
// peer stays stuck; another receiver converges meanwhile; the RFC 9687 send-hold timer tears the
// stuck session down. All with the real binary and our benchmark speaker in namespaces.
import { readFileSync } from 'node:fs';
import t from 'tap';
import { peer } from '../../bench/lib/line.mjs';
import { Nodebgpd } from '../helpers/nodebgpd.js';
import { bridge, createNamespace, destroyNamespace, inNs, uniquePrefix } from '../helpers/netns.js';

const N = Number(process.env.STUCK_ROUTES ?? 200000);
const p = uniquePrefix('stuk');
const ns = { hub: `${p}h`, dut: `${p}d`, sender: `${p}s`, receiver: `${p}r`, stuck: `${p}k` };

t.before(() => {
  for (const n of Object.values(ns)) createNamespace(n);
  bridge(ns.hub, { ipv4: '10.89.0.254', ipv6: 'fd89::254' }, [
    { ns: ns.dut, ifname: 'eth0', ipv4: '10.89.0.1', ipv6: 'fd89::1' },
    { ns: ns.sender, ifname: 'eth0', ipv4: '10.89.0.2', ipv6: 'fd89::2' },
    { ns: ns.receiver, ifname: 'eth0', ipv4: '10.89.0.3', ipv6: 'fd89::3' },
    { ns: ns.stuck, ifname: 'eth0', ipv4: '10.89.0.4', ipv6: 'fd89::4' },
  ]);
  // The kernels' buffers grow on their own, the DUT's send buffer up to tcp_wmem's maximum (4 MB
  // by default), the stuck peer's receive buffer up to tcp_rmem's (6 MB, more on some hosts): with
  // the 200k routes' 3 MB they once held the whole table between them in CI, leaving nothing due
  // and the send-hold timer nothing to wait on. 256 KB each leaves most of the table due, as a
  // full table (about 15 MB) leaves it with the defaults.
  inNs(ns.dut, 'sysctl', ['-q', '-w', 'net.ipv4.tcp_wmem=4096 16384 262144']);
  inNs(ns.stuck, 'sysctl', ['-q', '-w', 'net.ipv4.tcp_rmem=4096 131072 262144']);
});
t.teardown(() => {
  for (const n of Object.values(ns)) destroyNamespace(n);
});

const config = `
asn: 65000
routerId: 10.89.0.1
listen: { addresses: [10.89.0.1] }
ebgpRequiresPolicy: false
fib: { enabled: false }
neighbors:
  - { address: 10.89.0.2, remoteAs: 65001, timers: { connectRetryTime: 1 } }
  - { address: 10.89.0.3, remoteAs: 65002, timers: { connectRetryTime: 1 } }
  - { address: 10.89.0.4, remoteAs: 65004, timers: { connectRetryTime: 1, sendHoldTime: 15 } }
`;

function memory(pid: number): { rssMb: number; peakMb: number } {
  const s = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (k: string) => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(s)?.[1] ?? 0) / 1024;
  return { rssMb: kb('VmRSS'), peakMb: kb('VmHWM') };
}

t.test(`a peer that stops reading with ${N} routes due to it`, async (t) => {
  const receiver = peer('receiver', ns.receiver, '10.89.0.3', '10.89.0.1', 65002, N);
  const stuck = peer('stuck', ns.stuck, '10.89.0.4', '10.89.0.1', 65004, N);
  await receiver.wait((e) => e.event === 'listening', 10000);
  await stuck.wait((e) => e.event === 'listening', 10000);
  const d = new Nodebgpd(ns.dut, config);
  t.teardown(() => {
    d.stop();
    receiver.kill();
    stuck.kill();
  });
  await d.ready();
  await receiver.wait((e) => e.event === 'established', 20000);
  await stuck.wait((e) => e.event === 'stuck', 20000);
  const pid = d.pid!;
  const before = memory(pid);
  const sender = peer('sender', ns.sender, '10.89.0.2', '10.89.0.1', 65001, N);
  t.teardown(() => sender.kill());
  await sender.wait((e) => e.event === 'table', 120000);
  const first = await sender.wait((e) => e.event === 'first-byte', 60000);
  const done = await receiver.wait((e) => e.event === 'done', 120000);
  const atConvergence = memory(pid);
  t.comment(`the other receiver holds all ${N} routes ${((done.at! - first.at!) / 1000).toFixed(2)} s after the first UPDATE octet`);
  const pending = d.cli('summary').peers['10.89.0.4'];
  t.ok(pending.state === 'Established' && pending.outQueue > 0, `the stuck peer is still Established with ${pending.outQueue} prefixes pending (state, not messages)`);
  await new Promise((r) => setTimeout(r, 6000));
  const later = memory(pid);
  t.comment(`RSS: ${before.rssMb.toFixed(0)} MB before the table, ${atConvergence.rssMb.toFixed(0)} MB at convergence, ${later.rssMb.toFixed(0)} MB 6 s later with the peer still stuck; peak ${later.peakMb.toFixed(0)} MB`);
  t.ok(later.rssMb - atConvergence.rssMb < 25, `memory stays flat while the peer stays stuck (${(later.rssMb - atConvergence.rssMb).toFixed(1)} MB)`);
  const down = await d.waitLog((l) => l.neighbor === '10.89.0.4' && l.reason === 'send-hold-timer-expired' && String(l.msg).startsWith('session down'), 40000);
  t.ok(down, 'the send-hold timer (15 s) tears the stuck session down');
  t.equal(d.cli('summary').peers['10.89.0.3'].state, 'Established', 'the other receiver is untouched');
});
