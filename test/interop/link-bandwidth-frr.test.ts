// Weighted ECMP from the link bandwidth extended community (draft-ietf-idr-link-bandwidth), with
// FRR 8.4 on both sides: two FRR ToRs send one prefix with `set extcommunity bandwidth 100` and
// `300`; nodebgpd installs it in the kernel as multipath with weights 25 and 75 (as FRR's zebra
// computes them), follows a change of bandwidth, and falls back to equal weights when a path has
// none. The other way: nodebgpd's route-map sets the community (`set: { linkBandwidth: 200 }`);
// an FRR leaf with zebra, which also hears the prefix from a ToR at 100 Mbps, installs it 2:1.
import t from 'tap';
import { Nodebgpd } from '../helpers/nodebgpd.js';
import { bridge, createNamespace, destroyNamespace, inNs, uniquePrefix } from '../helpers/netns.js';
import { Frr, until } from '../helpers/peers.js';

const p = uniquePrefix('lbw');
const [A, B, N, L] = ['a', 'b', 'n', 'l'].map((x) => `${p}${x}`);

t.before(() => {
  for (const ns of [A, B, N, L]) createNamespace(ns);
  bridge(A, { ipv4: '10.96.0.1', ipv6: 'fd96::1' }, [
    { ns: N, ifname: 'eth0', ipv4: '10.96.0.2', ipv6: 'fd96::2' },
    { ns: B, ifname: 'eth0', ipv4: '10.96.0.3', ipv6: 'fd96::3' },
    { ns: L, ifname: 'eth0', ipv4: '10.96.0.4', ipv6: 'fd96::4' },
  ]);
});
t.teardown(() => {
  for (const ns of [A, B, N, L]) destroyNamespace(ns);
});

/** A ToR announcing 10.77.0.0/24 with a link bandwidth and 10.78.0.0/24 without, to nodebgpd; and 10.79.0.0/24 to the leaf. */
const tor = (name: string, asn: number, addr: string, mbps: number) => `frr defaults datacenter
hostname ${name}
router bgp ${asn}
 bgp router-id ${addr}
 no bgp ebgp-requires-policy
 no bgp network import-check
 neighbor 10.96.0.2 remote-as 64512
 neighbor 10.96.0.2 timers connect 1
 neighbor 10.96.0.4 remote-as 65010
 neighbor 10.96.0.4 timers connect 1
 address-family ipv4 unicast
  network 10.77.0.0/24
  network 10.78.0.0/24
  network 10.79.0.0/24
  neighbor 10.96.0.2 route-map TO-NODE out
  neighbor 10.96.0.4 route-map TO-LEAF out
 exit-address-family
ip prefix-list LB seq 5 permit 10.77.0.0/24
ip prefix-list LEAF seq 5 permit 10.79.0.0/24
route-map TO-NODE permit 10
 match ip address prefix-list LB
 set extcommunity bandwidth ${mbps}
route-map TO-NODE permit 20
route-map TO-LEAF permit 10
 match ip address prefix-list LEAF
 set extcommunity bandwidth 100
`;

const leafConfig = `frr defaults datacenter
hostname leaf
router bgp 65010
 bgp router-id 10.96.0.4
 no bgp ebgp-requires-policy
 bgp bestpath as-path multipath-relax
 neighbor 10.96.0.2 remote-as 64512
 neighbor 10.96.0.2 timers connect 1
 neighbor 10.96.0.3 remote-as 65002
 neighbor 10.96.0.3 timers connect 1
`;

const nodebgpConfig = `
asn: 64512
routerId: 10.96.0.2
listen: { addresses: [0.0.0.0] }
bestpath: { multipathRelax: true }
maximumPaths: { ebgp: 4 }
originate:
  - { prefix: 10.79.0.0/24 }
neighbors:
  - { address: 10.96.0.1, remoteAs: 65001, importPolicy: ALL, exportPolicy: NONE, timers: { connectRetryTime: 1 } }
  - { address: 10.96.0.3, remoteAs: 65002, importPolicy: ALL, exportPolicy: NONE, timers: { connectRetryTime: 1 } }
  - { address: 10.96.0.4, remoteAs: 65010, importPolicy: NONE, exportPolicy: TO-LEAF, timers: { connectRetryTime: 1 } }
policy:
  prefixLists:
    OURS: [{ seq: 5, action: permit, prefix: 10.79.0.0/24 }]
    SERVICES: [{ seq: 5, action: permit, prefix: 10.97.0.0/16, ge: 32 }]
  routeMaps:
    ALL: [{ seq: 10, action: permit }]
    NONE: [{ seq: 10, action: deny }]
    TO-LEAF:
      - { seq: 10, action: permit, match: { prefixList: OURS }, set: { linkBandwidth: 200 } }
      - { seq: 20, action: permit, match: { prefixList: SERVICES } }
`;

interface KernelNexthop { gateway: string; weight?: number }
/** The kernel's next hops of a prefix in a namespace (iproute2's JSON), by gateway. */
function nexthops(ns: string, prefix: string): Record<string, number> {
  const out = inNs(ns, 'ip', ['-j', 'route', 'show', prefix], { allowFail: true }).trim();
  const routes = out ? JSON.parse(out) as { gateway?: string; nexthops?: KernelNexthop[] }[] : [];
  const r = routes[0];
  if (!r) return {};
  if (r.nexthops) return Object.fromEntries(r.nexthops.map((n) => [n.gateway, n.weight ?? 1]));
  return r.gateway ? { [r.gateway]: 1 } : {};
}

t.test('link bandwidth: weighted ECMP in the kernel both ways, with FRR', async (t) => {
  const a = new Frr(A, tor('tor-a', 65001, '10.96.0.1', 100));
  const b = new Frr(B, tor('tor-b', 65002, '10.96.0.3', 300));
  // The leaf installs its routes through zebra (bfdd runs beside it, idle).
  const leaf = new Frr(L, leafConfig, { bfdd: '' });
  const d = new Nodebgpd(N, nodebgpConfig);
  t.teardown(() => {
    d.stop();
    for (const f of [a, b, leaf]) f.stop();
  });
  await d.ready();

  const both = (ns: string, prefix: string) => Object.keys(nexthops(ns, prefix)).length === 2;
  t.ok(await until(() => both(N, '10.77.0.0/24') && both(N, '10.78.0.0/24'), 60000), `nodebgpd installs both prefixes over both ToRs (${JSON.stringify(nexthops(N, '10.77.0.0/24'))})`);
  t.same(nexthops(N, '10.77.0.0/24'), { '10.96.0.1': 25, '10.96.0.3': 75 }, '100 and 300 Mbps: weights 25 and 75, as FRR computes them');
  t.same(nexthops(N, '10.78.0.0/24'), { '10.96.0.1': 1, '10.96.0.3': 1 }, 'no bandwidth: plain ECMP');
  const lb = d.cli('routes', '10.77.0.0/24').items[0].paths.flatMap((x: any) => x.attributes?.extendedCommunities ?? x.extendedCommunities ?? []);
  t.ok(JSON.stringify(lb).includes('link-bandwidth'), `the community is shown with the route (${JSON.stringify(lb)})`);

  // ToR B's bandwidth changes: the kernel route follows.
  b.vtysh('configure terminal', 'route-map TO-NODE permit 10', 'set extcommunity bandwidth 100');
  b.vtysh('clear bgp ipv4 unicast 10.96.0.2 soft out');
  t.ok(await until(() => nexthops(N, '10.77.0.0/24')['10.96.0.3'] === 50, 20000), `equal bandwidths: 50 and 50 (${JSON.stringify(nexthops(N, '10.77.0.0/24'))})`);
  // ToR A stops setting it: one path without a bandwidth makes the set plain ECMP.
  a.vtysh('configure terminal', 'route-map TO-NODE permit 10', 'no set extcommunity bandwidth');
  a.vtysh('clear bgp ipv4 unicast 10.96.0.2 soft out');
  t.ok(await until(() => JSON.stringify(nexthops(N, '10.77.0.0/24')) === JSON.stringify({ '10.96.0.1': 1, '10.96.0.3': 1 }), 20000), `a path without bandwidth: equal weights (${JSON.stringify(nexthops(N, '10.77.0.0/24'))})`);

  // The other way: our route-map sets 200 Mbps toward the leaf; FRR reads it and weighs it.
  t.ok(await until(() => leaf.json('show bgp ipv4 unicast 10.79.0.0/24 json').paths?.length === 2, 30000), 'the leaf has 10.79.0.0/24 from nodebgpd and from ToR B');
  const fromUs = leaf.json('show bgp ipv4 unicast 10.79.0.0/24 json').paths.find((x: any) => x.peer?.peerId === '10.96.0.2');
  t.match(fromUs?.extendedCommunity?.string, /LB:64512:25000000 \(200\.000 Mbps\)/, `FRR reads our link bandwidth community (${fromUs?.extendedCommunity?.string})`);
  t.ok(await until(() => both(L, '10.79.0.0/24'), 20000), `the leaf's zebra installs both (${JSON.stringify(nexthops(L, '10.79.0.0/24'))})`);
  const w = nexthops(L, '10.79.0.0/24');
  t.ok(Math.abs(w['10.96.0.2'] - 2 * w['10.96.0.3']) <= 1, `200 against 100 Mbps: twice the weight through us (${JSON.stringify(w)})`);

  // A service IP announced with a bandwidth of its own (say, its number of local endpoints).
  t.match(d.cliRaw('announce', '10.97.0.10/32', '--link-bandwidth', '3').stdout, /announced 10\.97\.0\.10\/32/);
  t.ok(await until(() => leaf.json('show bgp ipv4 unicast 10.97.0.10/32 json').paths?.length === 1, 20000), 'the leaf has the service IP');
  t.match(leaf.json('show bgp ipv4 unicast 10.97.0.10/32 json').paths[0].extendedCommunity?.string, /LB:64512:375000 \(3\.000 Mbps\)/, 'with its bandwidth');
});
