// Route refresh with FRR, enhanced (RFC 7313) on both sides, seen on the wire: FRR's
// `clear bgp X soft in` is answered with BoRR, our routes, EoRR; our soft reset in is answered by
// FRR the same way and its routes stay (marked stale, then fresh); an export-policy change by
// reload withdraws exactly the prefix the new policy denies, with no flap.
import t from 'tap';
import { Capture } from '../helpers/capture.js';
import { Nodebgpd } from '../helpers/nodebgpd.js';
import { twoHosts, uniquePrefix } from '../helpers/netns.js';
import { Frr, until } from '../helpers/peers.js';
import { frrTor } from '../helpers/frr-config.js';

const p = uniquePrefix('rref');
const A = `${p}a`;
const F = `${p}f`;
const ME = '10.95.0.1';
const TOR = '10.95.0.2';

twoHosts(t, { ns: A, ifname: 'eth0', ipv4: ME, ipv6: 'fd95::1' }, { ns: F, ifname: 'eth0', ipv4: TOR, ipv6: 'fd95::2' });

const frrConfig = frrTor({ routerId: TOR, neighbor: ME, networks: ['10.244.9.0/26', '10.244.10.0/26'] });
const config = (deny: boolean) => `
asn: 64512
routerId: ${ME}
listen: { addresses: [0.0.0.0] }
originate:
  - prefix: 10.244.1.0/26
  - prefix: 10.244.2.0/26
neighbors:
  - { address: ${TOR}, remoteAs: 64501, importPolicy: ALL, exportPolicy: OUT, timers: { connectRetryTime: 1 } }
policy:
  prefixLists:
    OUT:
${deny ? '      - { seq: 5, action: deny, prefix: 10.244.2.0/26 }\n' : ''}      - { seq: 10, action: permit, prefix: 10.244.0.0/16, le: 26 }
  routeMaps:
    ALL: [{ seq: 10, action: permit }]
    OUT: [{ seq: 10, action: permit, match: { prefixList: OUT } }]
`;

t.test('enhanced route refresh both ways, and a policy change withdrawing one prefix', async (t) => {
  const cap = new Capture(A, 'eth0');
  await cap.ready();
  const frr = new Frr(F, frrConfig);
  const d = new Nodebgpd(A, config(false));
  t.teardown(async () => {
    d.stop();
    frr.stop();
    await cap.stop();
  });
  await d.ready();
  const frrHas = (prefix: string) => frr.json(`show bgp ipv4 unicast ${prefix} json`).paths?.length > 0;
  t.ok(await until(() => frrHas('10.244.1.0/26') && frrHas('10.244.2.0/26') && d.cli('summary').peers[TOR]?.pfxRcd === 2, 30000), 'both ways: two prefixes each');
  t.equal(d.cli('neighbors', TOR).capabilities.enhancedRouteRefresh, true, 'enhanced route refresh negotiated');
  const established = () => Number(frr.neighbor(ME).connectionsEstablished ?? -1);
  const up0 = established();

  // FRR asks: BoRR, our routes, EoRR.
  frr.vtysh(`clear bgp ipv4 unicast ${ME} soft in`);
  // Our soft reset in: FRR answers the same way; its routes stay.
  await new Promise((r) => setTimeout(r, 1500));
  t.same(d.cli('neighbor', 'soft-reset', TOR, '--direction', 'in').done, { in: 'route-refresh' });
  await new Promise((r) => setTimeout(r, 1500));
  t.equal(d.cli('summary').peers[TOR].pfxRcd, 2, 'FRR\'s routes are still there after its EoRR');
  t.notOk(d.cli('routes', '10.244.9.0/26').items[0].paths[0].stale, 'and no longer stale');

  // Export policy change: one prefix withdrawn, the other untouched, no flap.
  d.writeConfig(config(true));
  d.signal('SIGHUP');
  t.ok(await until(() => !frrHas('10.244.2.0/26'), 10000), 'the prefix the new policy denies is withdrawn from FRR');
  t.ok(frrHas('10.244.1.0/26'), 'the other stays');
  t.equal(established(), up0, 'no session reset (FRR counts no new connection)');

  await cap.stop();
  const msgs = cap.messages();
  const seq = (src: string) => msgs.filter((m) => m.src === src).map((m) => (m.type === 5 ? `RR${m.subtype}` : m.type === 2 ? 'U' : m.type === 4 ? 'K' : String(m.type)));
  const ours = seq(ME).filter((x) => x !== 'K').join(' ');
  const theirs = seq(TOR).filter((x) => x !== 'K').join(' ');
  t.match(ours, /RR1 (U )+RR2/, `we answered FRR's refresh with BoRR, UPDATEs, EoRR: ${ours}`);
  t.match(theirs, /RR0 .*RR1 (U )+RR2/, `FRR's refresh request, then its framed answer to ours: ${theirs}`);
  t.match(ours, /RR0/, 'we sent a ROUTE-REFRESH for soft in');
});
