// Next-hop tracking with FRR 8.4: iBGP across two racks through a route reflector without
// next-hop-self. Node B (FRR) announces its pod CIDR to the reflector (FRR) with its rack address
// as next hop, which is not on any of nodebgpd's subnets; nodebgpd learns the rack's subnet over
// eBGP from its ToR (FRR). nodebgpd resolves the next hop through the ToR's route and installs the
// pod CIDR via the ToR; a static route more specific than the ToR's takes over and gives it back;
// the covering route withdrawn, the pod CIDR leaves the kernel and the ToR (RFC 4271 9.1.2.1),
// and comes back with it; IPv6 likewise. A route whose next hop only it covers is a loop and is not used.
import { spawnSync } from 'node:child_process';
import t from 'tap';
import { Nodebgpd } from '../helpers/nodebgpd.js';
import { bridge, createNamespace, destroyNamespace, inNs, uniquePrefix } from '../helpers/netns.js';
import { Frr, until } from '../helpers/peers.js';

const p = uniquePrefix('nht');
const [N, T, R, B] = ['n', 't', 'r', 'b'].map((x) => `${p}${x}`);

t.before(() => {
  for (const ns of [N, T, R, B]) createNamespace(ns);
  // Rack A: the ToR and nodebgpd. The reflector's segment: the reflector, nodebgpd and node B.
  bridge(T, { ipv4: '10.98.1.1', ipv6: 'fd98:1::1' }, [{ ns: N, ifname: 'eth0', ipv4: '10.98.1.2', ipv6: 'fd98:1::2' }]);
  bridge(R, { ipv4: '10.98.0.1', ipv6: 'fd98::1' }, [
    { ns: N, ifname: 'eth1', ipv4: '10.98.0.2', ipv6: 'fd98::2' },
    { ns: B, ifname: 'eth0', ipv4: '10.98.0.3', ipv6: 'fd98::3' },
  ]);
});
t.teardown(() => {
  for (const ns of [N, T, R, B]) destroyNamespace(ns);
});

const torConfig = `frr defaults datacenter
hostname tor-a
router bgp 65001
 bgp router-id 10.98.1.1
 no bgp ebgp-requires-policy
 no bgp network import-check
 neighbor 10.98.1.2 remote-as 64512
 neighbor 10.98.1.2 timers connect 1
 neighbor fd98:1::2 remote-as 64512
 neighbor fd98:1::2 timers connect 1
 address-family ipv4 unicast
  network 10.98.2.0/24
  no neighbor fd98:1::2 activate
 exit-address-family
 address-family ipv6 unicast
  network fd98:2::/64
  neighbor fd98:1::2 activate
 exit-address-family
`;

const reflectorConfig = `frr defaults datacenter
hostname rr
router bgp 64512
 bgp router-id 10.98.0.1
 bgp cluster-id 10.98.0.1
 neighbor 10.98.0.2 remote-as 64512
 neighbor 10.98.0.2 timers connect 1
 neighbor 10.98.0.3 remote-as 64512
 neighbor 10.98.0.3 timers connect 1
 neighbor fd98::2 remote-as 64512
 neighbor fd98::2 timers connect 1
 neighbor fd98::3 remote-as 64512
 neighbor fd98::3 timers connect 1
 address-family ipv4 unicast
  neighbor 10.98.0.2 route-reflector-client
  neighbor 10.98.0.3 route-reflector-client
  no neighbor fd98::2 activate
  no neighbor fd98::3 activate
 exit-address-family
 address-family ipv6 unicast
  neighbor fd98::2 activate
  neighbor fd98::3 activate
  neighbor fd98::2 route-reflector-client
  neighbor fd98::3 route-reflector-client
 exit-address-family
`;

/** Node B: its pod CIDR with its rack address as next hop; and a route whose next hop only it covers. */
const nodeBConfig = `frr defaults datacenter
hostname node-b
router bgp 64512
 bgp router-id 10.98.0.3
 no bgp network import-check
 neighbor 10.98.0.1 remote-as 64512
 neighbor 10.98.0.1 timers connect 1
 neighbor fd98::1 remote-as 64512
 neighbor fd98::1 timers connect 1
 address-family ipv4 unicast
  network 10.244.2.0/24
  network 10.98.77.0/24
  neighbor 10.98.0.1 route-map OUT out
  no neighbor fd98::1 activate
 exit-address-family
 address-family ipv6 unicast
  network fd44:2::/64
  neighbor fd98::1 activate
  neighbor fd98::1 route-map OUT6 out
 exit-address-family
route-map OUT6 permit 10
 set ipv6 next-hop global fd98:2::2
ip prefix-list LOOP seq 5 permit 10.98.77.0/24
route-map OUT permit 10
 match ip address prefix-list LOOP
 set ip next-hop 10.98.77.1
route-map OUT permit 20
 set ip next-hop 10.98.2.2
`;

const nodebgpConfig = `
asn: 64512
routerId: 10.98.0.2
listen: { addresses: [0.0.0.0] }
neighbors:
  - { address: 10.98.1.1, remoteAs: 65001, importPolicy: ALL, exportPolicy: ALL, timers: { connectRetryTime: 1 } }
  - { address: 10.98.0.1, remoteAs: 64512, importPolicy: ALL, exportPolicy: ALL, timers: { connectRetryTime: 1 } }
  - { address: fd98:1::1, remoteAs: 65001, addressFamilies: [ipv6-unicast], importPolicy: ALL, exportPolicy: ALL, timers: { connectRetryTime: 1 } }
  - { address: fd98::1, remoteAs: 64512, addressFamilies: [ipv6-unicast], importPolicy: ALL, exportPolicy: ALL, timers: { connectRetryTime: 1 } }
policy:
  routeMaps:
    ALL: [{ seq: 10, action: permit }]
`;

/** The kernel's gateways for a prefix in a namespace (iproute2's JSON). */
function gateways(ns: string, prefix: string): string[] {
  const out = inNs(ns, 'ip', [...(prefix.includes(':') ? ['-6'] : []), '-j', 'route', 'show', prefix], { allowFail: true }).trim();
  const r = (out ? JSON.parse(out) as { gateway?: string; nexthops?: { gateway: string }[] }[] : [])[0];
  if (!r) return [];
  return r.nexthops ? r.nexthops.map((n) => n.gateway) : r.gateway ? [r.gateway] : [];
}

t.test('next-hop tracking: iBGP across racks through a reflector, resolved through the ToR\'s route, with FRR', async (t) => {
  const tor = new Frr(T, torConfig);
  const rr = new Frr(R, reflectorConfig);
  const nodeB = new Frr(B, nodeBConfig);
  const d = new Nodebgpd(N, nodebgpConfig);
  t.teardown(() => {
    d.stop();
    for (const f of [tor, rr, nodeB]) f.stop();
  });
  await d.ready();

  const pod = '10.244.2.0/24';
  const torHasPod = () => tor.json(`show bgp ipv4 unicast ${pod} json`).paths?.length === 1;
  t.ok(await until(() => gateways(N, pod).join() === '10.98.1.1', 60000), `the pod CIDR is installed via the ToR, not via 10.98.2.2 (${JSON.stringify(gateways(N, pod))})`);
  const detail = d.cliRaw('routes', pod).stdout;
  t.match(detail, /10\.98\.2\.2 from 10\.98\.0\.1/, `the route shows its next hop, without a metric when it is 0, as FRR does:\n${detail}`);
  t.match(detail, /Next hop resolves through 10\.98\.2\.0\/24 \(bgp\)/, 'and what it resolves through');
  const nexthops = d.cliRaw('nexthops').stdout;
  t.match(nexthops, /10\.98\.2\.2\s+valid\s+0\s+10\.98\.2\.0\/24 \(bgp\)\s+10\.98\.1\.1/, `nodebgp nexthops lists it (like show bgp nexthop):\n${nexthops}`);
  t.ok(await until(torHasPod, 20000), 'the ToR has the pod CIDR from us');
  const metrics = inNs(N, 'curl', ['-s', 'http://10.98.0.2:9179/metrics']);
  t.match(metrics, /^nodebgp_nexthops\{state="reachable"\} [1-9]/m, 'the metrics count tracked next hops by state');
  t.equal(spawnSync('promtool', ['check', 'metrics'], { input: metrics, encoding: 'utf8' }).status, 0, 'promtool check metrics: exit 0');

  // IPv6: node B's pod prefix with its rack address fd98:2::2, resolved through the ToR's fd98:2::/64.
  const pod6 = 'fd44:2::/64';
  t.ok(await until(() => gateways(N, pod6).join() === 'fd98:1::1', 30000), `IPv6: installed via the ToR's global address, not via fd98:2::2 (${JSON.stringify(gateways(N, pod6))})`);
  t.match(d.cli('routes', pod6, '--family', 'ipv6-unicast').items[0].paths[0], { nextHop: 'fd98:2::2', best: true, nexthop: { accessible: true, via: 'fd98:2::/64 (bgp)' } }, 'resolving through the ToR\'s IPv6 route');

  // A static route more specific than the ToR's: the next hop resolves through it.
  inNs(N, 'ip', ['route', 'add', '10.98.2.0/25', 'via', '10.98.0.1', 'metric', '7']);
  t.ok(await until(() => gateways(N, pod).join() === '10.98.0.1', 20000), `a static route takes over (${JSON.stringify(gateways(N, pod))})`);
  t.match(d.cli('routes', pod).items[0].paths[0].nexthop, { accessible: true, metric: 7, via: '10.98.2.0/25 (kernel)' }, 'with its metric as the IGP cost');
  t.match(d.cliRaw('routes', pod).stdout, /10\.98\.2\.2 \(metric 7\) from 10\.98\.0\.1/, 'printed as FRR prints it');
  inNs(N, 'ip', ['route', 'del', '10.98.2.0/25', 'via', '10.98.0.1', 'metric', '7']);
  t.ok(await until(() => gateways(N, pod).join() === '10.98.1.1', 20000), 'removed: back via the ToR');

  // The ToR withdraws the covering route: the pod CIDR is unreachable.
  tor.vtysh('configure terminal', 'router bgp 65001', 'address-family ipv4 unicast', 'no network 10.98.2.0/24');
  t.ok(await until(() => gateways(N, pod).length === 0, 20000), 'the covering route gone: the pod CIDR leaves the kernel');
  t.ok(await until(() => !torHasPod(), 20000), 'and is withdrawn from the ToR');
  tor.vtysh('configure terminal', 'router bgp 65001', 'address-family ipv6 unicast', 'no network fd98:2::/64');
  t.ok(await until(() => gateways(N, pod6).length === 0, 20000), 'IPv6 likewise');
  const gone = d.cli('routes', pod).items[0].paths[0];
  t.match(gone, { best: false, nexthop: { accessible: false, via: 'no route' } }, 'kept in the Loc-RIB, not best, its next hop inaccessible');
  t.match(d.cliRaw('routes', pod).stdout, /10\.98\.2\.2 \(inaccessible\)/, 'the CLI says inaccessible, as FRR does');
  t.ok(d.log.some((l) => /next hop 10\.98\.2\.2 does not resolve: no route/.test(l.msg)), 'one log line says why');

  tor.vtysh('configure terminal', 'router bgp 65001', 'address-family ipv4 unicast', 'network 10.98.2.0/24');
  t.ok(await until(() => gateways(N, pod).join() === '10.98.1.1', 20000), 'the covering route back: so is the pod CIDR');
  t.ok(await until(torHasPod, 20000), 'at the ToR too');

  // A next hop that only its own route covers.
  t.ok(await until(() => d.cli('routes', '10.98.77.0/24').items?.length === 1, 20000), 'the looping route is received');
  t.match(d.cli('routes', '10.98.77.0/24').items[0].paths[0], { best: false, nexthop: { accessible: false, via: /^loop/ } }, 'its next hop resolves through itself: not used');
  t.same(gateways(N, '10.98.77.0/24'), [], 'and not installed');
  t.ok(d.alive, 'nodebgpd is still running');
});
