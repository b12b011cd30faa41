// Kernel routes from nodebgpd, checked with `ip route` in its namespace: a node dual-homed to two
// FRR ToRs gets ECMP routes through both (IPv4 and IPv6), single-path after one withdraws, none for
// our own prefix or what the FIB filter denies, an IPv4 route through an IPv6 next hop (RFC 8950);
// SIGTERM removes them; with `retain`, SIGTERM keeps them (peers keep ours: no NOTIFICATION),
// the next start restarts gracefully (Restart State seen by FRR), defers its selection while a ToR
// has not sent End-of-RIB (nothing sent, the kernel untouched) and reconciles after End-of-RIB:
// what was withdrawn meanwhile goes, the rest stays; leftovers of a killed run are removed at start.
import t from 'tap';
import { Nodebgpd } from '../helpers/nodebgpd.js';
import { createNamespace, destroyNamespace, inNs, link, uniquePrefix } from '../helpers/netns.js';
import { Frr, until } from '../helpers/peers.js';

const p = uniquePrefix('fibk');
const N = `${p}n`;
const A = `${p}a`;
const B = `${p}b`;

t.before(() => {
  for (const ns of [N, A, B]) createNamespace(ns);
  link({ ns: N, ifname: 'toa', ipv4: '10.97.1.1', ipv6: 'fd97:1::1' }, { ns: A, ifname: 'eth0', ipv4: '10.97.1.2', ipv6: 'fd97:1::2' });
  link({ ns: N, ifname: 'tob', ipv4: '10.97.2.1', ipv6: 'fd97:2::1' }, { ns: B, ifname: 'eth0', ipv4: '10.97.2.2', ipv6: 'fd97:2::2' });
});
t.teardown(() => {
  for (const ns of [N, A, B]) destroyNamespace(ns);
});

const tor = (id: 1 | 2, networks: string[], networks6: string[]) => `frr defaults datacenter
hostname tor${id}
router bgp 6450${id}
 bgp router-id 10.97.${id}.2
 no bgp ebgp-requires-policy
 no bgp network import-check
 neighbor 10.97.${id}.1 remote-as 64512
 neighbor 10.97.${id}.1 timers connect 1
 neighbor fd97:${id}::1 remote-as 64512
 neighbor fd97:${id}::1 timers connect 1
 neighbor fd97:${id}::1 capability extended-nexthop
 address-family ipv4 unicast
${networks.map((n) => `  network ${n}`).join('\n')}
  no neighbor fd97:${id}::1 activate
 exit-address-family
 address-family ipv6 unicast
${networks6.map((n) => `  network ${n}`).join('\n')}
  neighbor fd97:${id}::1 activate
 exit-address-family
`;
// tor2 also sends 10.98.0.0/24 over its IPv6 session (RFC 8950): IPv4 through an IPv6 next hop.
const tor2 = (networks: string[]) => tor(2, networks, ['2001:db8:9::/48']).replace(' exit-address-family\n address-family ipv6', '  neighbor fd97:2::1 activate\n  network 10.98.0.0/24\n exit-address-family\n address-family ipv6').replace('  no neighbor fd97:2::1 activate\n', '');

const config = (retain: boolean) => `
asn: 64512
routerId: 10.97.0.1
listen: { addresses: [0.0.0.0, "::"] }
ebgpRequiresPolicy: false
bestpath: { multipathRelax: true }
maximumPaths: { ebgp: 4 }
fib: { filter: FIB, retain: ${retain}, restartTime: 30 }
originate:
  - prefix: 10.244.1.0/26
policy:
  prefixLists:
    NOT-10: [{ seq: 5, action: deny, prefix: 10.244.10.0/26 }, { seq: 10, action: permit, prefix: 0.0.0.0/0, le: 32 }]
    NOT-10-V6: [{ seq: 5, action: permit, prefix: "::/0", le: 128 }]
  routeMaps:
    FIB: [{ seq: 10, action: permit, match: { prefixList: NOT-10 } }, { seq: 20, action: permit, match: { prefixList: NOT-10-V6 } }]
neighbors:
  - { address: 10.97.1.2, remoteAs: 64501, timers: { connectRetryTime: 1 } }
  - { address: 10.97.2.2, remoteAs: 64502, timers: { connectRetryTime: 1 } }
  - { address: "fd97:1::2", remoteAs: 64501, addressFamilies: [ipv6-unicast], timers: { connectRetryTime: 1 } }
  - { address: "fd97:2::2", remoteAs: 64502, addressFamilies: [ipv4-unicast, ipv6-unicast], extendedNextHop: true, timers: { connectRetryTime: 1 } }
`;

const route = (prefix: string) => inNs(N, 'ip', [prefix.includes(':') ? '-6' : '-4', 'route', 'show', prefix], { allowFail: true }).trim();
const bgpRoutes = () => inNs(N, 'ip', ['route', 'show', 'proto', '201']).trim();

t.test('ECMP through both ToRs, single path after a withdrawal, filter, own prefix, RFC 8950, removal on SIGTERM', async (t) => {
  const torA = new Frr(A, tor(1, ['10.244.9.0/26', '10.244.10.0/26'], ['2001:db8:9::/48']));
  const torB = new Frr(B, tor2(['10.244.9.0/26', '10.244.10.0/26']));
  const d = new Nodebgpd(N, config(false));
  t.teardown(() => {
    d.stop();
    torA.stop();
    torB.stop();
  });
  await d.ready();
  const ecmp = await until(() => {
    const r = route('10.244.9.0/26');
    return /nexthop via 10\.97\.1\.2/.test(r) && /nexthop via 10\.97\.2\.2/.test(r) ? r : undefined;
  }, 30000);
  t.ok(ecmp, `10.244.9.0/26 through both ToRs:\n${route('10.244.9.0/26')}`);
  t.match(inNs(N, 'ip', ['route', 'show', '10.244.9.0/26', 'proto', '201']), /metric 20/, 'protocol nodebgp (201), metric 20');
  const v6 = await until(() => {
    const r = route('2001:db8:9::/48');
    return /fd97:1::2/.test(r) && /fd97:2::2/.test(r) ? r : undefined;
  }, 20000);
  t.ok(v6, `IPv6 ECMP:\n${route('2001:db8:9::/48')}`);
  const via6 = await until(() => /via inet6 fd97:2::2/.test(route('10.98.0.0/24')) && route('10.98.0.0/24'), 20000);
  t.ok(via6, `IPv4 through an IPv6 next hop (RFC 8950): ${route('10.98.0.0/24')}`);
  t.ok(d.cli('routes', '10.244.10.0/26').items.length === 1, '10.244.10.0/26 is in the Loc-RIB');
  t.equal(route('10.244.10.0/26'), '', 'but the FIB filter keeps it out of the kernel');
  t.equal(route('10.244.1.0/26'), '', 'our own prefix is not installed');
  t.equal(d.cli('summary').fib.errors, 0, 'the kernel refused nothing');

  torA.vtysh('configure terminal', 'router bgp 64501', 'address-family ipv4 unicast', 'no network 10.244.9.0/26');
  // tor2 sends the prefix on both of its sessions (IPv4, and IPv6 with RFC 8950): two paths remain.
  t.ok(await until(() => !/10\.97\.1\.2/.test(route('10.244.9.0/26')) && /10\.97\.2\.2/.test(route('10.244.9.0/26')), 10000), `tor1 withdraws: replaced in place without it: ${route('10.244.9.0/26')}`);

  d.signal('SIGTERM');
  t.equal(await d.exited, 0);
  t.equal(bgpRoutes(), '', 'SIGTERM: our kernel routes are removed');
});

t.test('graceful restart with retained kernel routes, and leftovers of a killed run', async (t) => {
  const torA = new Frr(A, tor(1, ['10.244.9.0/26'], []));
  const torB = new Frr(B, tor2(['10.244.9.0/26', '10.244.11.0/26']));
  t.teardown(() => {
    torA.stop();
    torB.stop();
  });
  const first = new Nodebgpd(N, config(true));
  await first.ready();
  t.ok(await until(() => /nexthop via/.test(route('10.244.9.0/26')) && route('10.244.11.0/26') !== '', 30000), 'installed');
  const ourRouteAtA = () => torA.json('show bgp ipv4 unicast 10.244.1.0/26 json').paths?.[0];
  t.ok(await until(() => ourRouteAtA(), 10000), 'tor1 has our pod CIDR');
  first.signal('SIGTERM');
  t.equal(await first.exited, 0);
  t.match(route('10.244.9.0/26'), /nexthop via/, 'retain: kernel routes kept across the stop');
  t.ok(await until(() => ourRouteAtA()?.stale === true, 5000), `no NOTIFICATION: tor1 keeps our route, stale (graceful restart helper): ${JSON.stringify(ourRouteAtA())}`);
  torB.vtysh('configure terminal', 'router bgp 64502', 'address-family ipv4 unicast', 'no network 10.244.11.0/26');
  // tor2 cannot answer for a while: the restarted daemon must wait for it (RFC 4724 4.1).
  torB.freeze();

  const second = new Nodebgpd(N, config(true), 8180);
  t.teardown(() => second.stop());
  const started = await second.waitLog((l) => typeof l.msg === 'string' && l.msg.startsWith('graceful restart:'));
  t.ok((started.kept as number) >= 2, `restart found the kept routes: ${started.msg}`);
  t.ok(await until(() => torA.neighbor('10.97.1.1').gracefulRestartInfo?.remoteGrMode === 'Restart', 15000, 300) || /Restart/.test(JSON.stringify(torA.neighbor('10.97.1.1').gracefulRestartInfo ?? {})), `tor1 sees our Restart State: ${JSON.stringify(torA.neighbor('10.97.1.1').gracefulRestartInfo)}`);
  // Selection deferral: tor1 is up with us and has sent its End-of-RIB, but tor2 has not: nothing
  // of ours goes to tor1 (our route stays stale there, no End-of-RIB from us) and the kernel keeps
  // what it had, the route withdrawn while we were down included.
  t.ok(await until(() => torA.neighbor('10.97.1.1').bgpState === 'Established', 15000), 'tor1 is up with the restarted daemon');
  await new Promise((r) => setTimeout(r, 3000));
  t.equal(ourRouteAtA()?.stale, true, 'deferred: nothing of ours sent to tor1 while tor2 is awaited');
  t.match(route('10.244.11.0/26'), /via/, 'deferred: the kernel is left as it was');
  torB.thaw();
  const rec = await second.waitLog((l) => typeof l.msg === 'string' && l.msg.startsWith('kernel routes reconciled'), 40000);
  t.equal(rec.reason, 'end-of-rib', 'reconciled once every neighbor sent End-of-RIB');
  t.ok(await until(() => route('10.244.11.0/26') === '', 5000), 'the route withdrawn while we were down is removed');
  // FRR sets Restart State in its OPENs for a restart time after it starts (tor2 started seconds
  // ago), so we did not wait for its End-of-RIB (RFC 4724 4.1): its routes come just after.
  t.ok(await until(() => /nexthop via 10\.97\.1\.2/.test(route('10.244.9.0/26')) && /nexthop via 10\.97\.2\.2/.test(route('10.244.9.0/26')), 10000), `the others stay, through both ToRs again (replaced in place): ${route('10.244.9.0/26')}`);
  t.ok(await until(() => ourRouteAtA() && !ourRouteAtA().stale, 10000), 'tor1 has our route fresh again');

  // Killed without a chance to clean up, and started without retain: leftovers go at start.
  second.stop();
  await second.exited;
  t.match(route('10.244.9.0/26'), /nexthop via/, 'a killed daemon leaves its routes');
  const third = new Nodebgpd(N, config(false), 8181);
  t.teardown(() => third.stop());
  const rec3 = await third.waitLog((l) => typeof l.msg === 'string' && l.msg.startsWith('kernel routes reconciled'));
  t.equal(rec3.reason, 'start', 'without retain, leftovers are removed at start');
  t.ok(await until(() => /nexthop via/.test(route('10.244.9.0/26')), 30000), 'and installed again once learned');
  third.signal('SIGTERM');
  await third.exited;
});
