// Long-lived graceful restart (RFC 9494) with FRR 8.4 (`bgp long-lived-graceful-restart
// stale-time`), both roles, the nodebgpd binary. Helper: FRR's bgpd dies; its routes stay stale
// for its restart time, then long-lived stale (LLGR_STALE added, NO_LLGR ones gone), then go at the
// stale time. Restarting speaker: nodebgpd is killed; FRR keeps our route as long and marks it the
// same way, then drops it.
import t from 'tap';
import { Nodebgpd } from '../helpers/nodebgpd.js';
import { twoHosts, uniquePrefix } from '../helpers/netns.js';
import { Frr, until } from '../helpers/peers.js';

const p = uniquePrefix('llgr');
const N = `${p}n`;
const F = `${p}f`;
twoHosts(t, { ns: N, ifname: 'eth0', ipv4: '10.86.0.1', ipv6: 'fd86::1' }, { ns: F, ifname: 'eth0', ipv4: '10.86.0.2', ipv6: 'fd86::2' });

const frrConfig = `frr defaults datacenter
hostname frr-llgr
router bgp 65001
 bgp router-id 10.86.0.2
 no bgp ebgp-requires-policy
 no bgp network import-check
 bgp graceful-restart
 bgp graceful-restart restart-time 2
 bgp long-lived-graceful-restart stale-time 8
 neighbor 10.86.0.1 remote-as 65000
 neighbor 10.86.0.1 timers connect 1
 address-family ipv4 unicast
  network 10.244.30.0/26
  network 10.244.31.0/26 route-map NO-LLGR
 exit-address-family
route-map NO-LLGR permit 10
 set community no-llgr
`;

const nodeConfig = `
asn: 65000
routerId: 10.86.0.1
listen: { addresses: [0.0.0.0] }
ebgpRequiresPolicy: false
fib: { enabled: false }
originate:
  - { prefix: 10.244.1.0/26 }
neighbors:
  - address: 10.86.0.2
    remoteAs: 65001
    gracefulRestart: { restartTime: 3, longLivedStaleTime: 6 }
    timers: { connectRetryTime: 1 }
`;

t.test('LLGR with FRR: as helper and as the restarting speaker', async (t) => {
  const frr = new Frr(F, frrConfig);
  const d = new Nodebgpd(N, nodeConfig);
  t.teardown(() => {
    d.stop();
    frr.stop();
  });
  await d.ready();
  const ours = (prefix: string) => d.cli('routes', prefix).items[0]?.paths?.[0];
  t.ok(await until(() => ours('10.244.30.0/26') && ours('10.244.31.0/26'), 30000), 'both routes from FRR');
  t.equal(d.cli('neighbors', '10.86.0.2').capabilities?.byFamily?.['ipv4-unicast']?.longLivedStaleTime, 6, 'negotiated: FRR\'s 8 s lowered to our 6 s');
  t.match(d.cliRaw('neighbors', '10.86.0.2').stdout, /ipv4-unicast: advertised and received.*long-lived stale time 6 s/, 'as nodebgp neighbors prints it');

  // Helper: FRR dies. Its restart time (2 s), then long-lived stale for min(8, our 6) s.
  frr.stop();
  t.ok(await until(() => ours('10.244.30.0/26')?.stale === true, 10000), 'stale during FRR\'s restart time');
  t.ok(await until(() => /65535:6|llgr-stale/i.test(JSON.stringify(ours('10.244.30.0/26')?.communities ?? [])), 8000), `then long-lived stale: LLGR_STALE added (${JSON.stringify(ours('10.244.30.0/26')?.communities)})`);
  t.equal(ours('10.244.31.0/26'), undefined, 'the NO_LLGR route went at the restart time');
  const said = await d.waitLog((l) => /long-lived stale/.test(JSON.stringify(l)), 5000).catch(() => undefined);
  t.ok(said, `a log line says so: ${JSON.stringify(said)}`);
  t.ok(await until(() => ours('10.244.30.0/26') === undefined, 12000), 'gone once the stale time is over');

  // Restarting speaker: FRR back, then nodebgpd killed (no NOTIFICATION).
  frr.start();
  const atFrr = () => frr.json('show bgp ipv4 unicast 10.244.1.0/26 json').paths?.[0];
  t.ok(await until(() => atFrr() !== undefined && !atFrr().stale, 30000), 'FRR has our route');
  d.stop();
  await d.exited;
  t.ok(await until(() => atFrr()?.stale === true, 10000), 'FRR keeps it stale for our restart time');
  t.ok(await until(() => /llgr-stale|65535:6/i.test(JSON.stringify(atFrr()?.community ?? {})), 10000), `then long-lived stale at FRR (${JSON.stringify(atFrr()?.community)})`);
  t.ok(await until(() => atFrr() === undefined, 15000), 'and gone after our stale time');
});
