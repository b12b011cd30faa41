// Kernel routes beside everyone else's (issue: a second nodebgpd removed the first one's routes,
// and FRR's, at start; a ToR announcing the node's own /64 replaced its connected route). In one
// namespace: a connected IPv4 /24 and IPv6 /64, a route of FRR's protocol (186) and a static one;
// nodebgpd with an FRR ToR that announces the node's own subnets and a pod CIDR. The connected
// routes stay as they are, the other daemons' routes are untouched, a second nodebgpd for the same
// table refuses to start and changes nothing, and a route of ours that an operator deletes comes back.
import t from 'tap';
import { Nodebgpd } from '../helpers/nodebgpd.js';
import { createNamespace, destroyNamespace, inNs, link, uniquePrefix } from '../helpers/netns.js';
import { Frr, until } from '../helpers/peers.js';

const p = uniquePrefix('fibn');
const N = `${p}n`;
const A = `${p}a`;

t.before(() => {
  for (const ns of [N, A]) createNamespace(ns);
  link({ ns: N, ifname: 'tor', ipv4: '10.96.1.1', ipv6: 'fd96:1::1' }, { ns: A, ifname: 'eth0', ipv4: '10.96.1.2', ipv6: 'fd96:1::2' });
  // The node's LAN: a connected /24 and /64 (a veth pair inside the namespace stands for it).
  inNs(N, 'ip', ['link', 'add', 'lan', 'type', 'veth', 'peer', 'name', 'lanpeer']);
  inNs(N, 'ip', ['link', 'set', 'lanpeer', 'up']);
  inNs(N, 'ip', ['addr', 'add', '10.96.50.1/24', 'dev', 'lan']);
  inNs(N, 'ip', ['-6', 'addr', 'add', 'fd96:50::1/64', 'dev', 'lan', 'nodad']);
  inNs(N, 'ip', ['link', 'set', 'lan', 'up']);
  // Other daemons' routes: FRR's protocol number, and a static one.
  inNs(N, 'ip', ['route', 'add', '10.77.0.0/24', 'via', '10.96.1.2', 'proto', '186', 'metric', '20']);
  inNs(N, 'ip', ['route', 'add', '10.78.0.0/24', 'via', '10.96.1.2', 'proto', 'static']);
});
t.teardown(() => {
  for (const ns of [N, A]) destroyNamespace(ns);
});

const TOR = `frr defaults datacenter
hostname tor
router bgp 64501
 bgp router-id 10.96.1.2
 no bgp ebgp-requires-policy
 no bgp network import-check
 neighbor 10.96.1.1 remote-as 64512
 neighbor 10.96.1.1 timers connect 1
 neighbor fd96:1::1 remote-as 64512
 neighbor fd96:1::1 timers connect 1
 address-family ipv4 unicast
  network 10.96.50.0/24
  network 10.244.7.0/24
  no neighbor fd96:1::1 activate
 exit-address-family
 address-family ipv6 unicast
  network fd96:50::/64
  network 2001:db8:7::/48
  neighbor fd96:1::1 activate
 exit-address-family
`;

const CONFIG = `
asn: 64512
routerId: 10.96.0.1
listen: { addresses: [0.0.0.0, "::"] }
ebgpRequiresPolicy: false
neighbors:
  - { address: 10.96.1.2, remoteAs: 64501, timers: { connectRetryTime: 1 } }
  - { address: "fd96:1::2", remoteAs: 64501, addressFamilies: [ipv6-unicast], timers: { connectRetryTime: 1 } }
`;

const route = (prefix: string) => inNs(N, 'ip', [prefix.includes(':') ? '-6' : '-4', 'route', 'show', prefix]).trim();

t.test('connected routes win, other daemons\' routes stay, one nodebgpd per table, deleted routes come back', async (t) => {
  const tor = new Frr(A, TOR);
  const d = new Nodebgpd(N, CONFIG);
  t.teardown(() => {
    d.stop();
    tor.stop();
  });
  await d.ready();
  t.ok(await until(() => route('10.244.7.0/24').includes('proto 201') && route('2001:db8:7::/48').includes('proto 201'), 30000), 'the ToR\'s pod CIDRs are installed (proto 201)');
  t.ok(await until(() => d.cli('routes', '10.96.50.0/24').items.length === 1 && d.cli('routes', 'fd96:50::/64', '--family', 'ipv6-unicast').items.length === 1, 10000), 'the ToR announces the node\'s own /24 and /64 (they are in the Loc-RIB)');
  t.match(route('10.96.50.0/24'), /^10\.96\.50\.0\/24 dev lan proto kernel [^\n]*$/, `the connected IPv4 /24 keeps only its kernel route: ${route('10.96.50.0/24')}`);
  t.match(route('fd96:50::/64'), /^fd96:50::\/64 dev lan proto kernel [^\n]*$/, `the connected IPv6 /64 is not replaced through the ToR: ${route('fd96:50::/64')}`);
  t.match(route('10.77.0.0/24'), /proto (186|bgp)/, 'FRR\'s route (proto 186, "bgp") is untouched');
  t.match(route('10.78.0.0/24'), /proto static/, 'the static route is untouched');

  // A second nodebgpd for the same table (another port so that the lock, not the port, decides).
  const ours = inNs(N, 'ip', ['route', 'show', 'proto', '201']);
  const second = new Nodebgpd(N, CONFIG.replace('listen: { addresses: [0.0.0.0, "::"] }', 'listen: { addresses: [0.0.0.0], port: 1179 }') + 'api: { port: 8180 }\n', 8180);
  t.teardown(() => second.stop());
  const code = await second.exited;
  t.equal(code, 1, 'the second instance exits 1');
  t.match(second.stderr.join(''), /routing table 254 is managed by another nodebgpd in this network namespace \(pid \d+\)/, `saying why: ${second.stderr.join('').trim()}`);
  t.equal(inNs(N, 'ip', ['route', 'show', 'proto', '201']), ours, 'and the first one\'s routes are all still there');
  t.match(route('10.77.0.0/24'), /proto (186|bgp)/, 'as is FRR\'s');

  // An operator deletes one of ours: it is put back, logged and counted.
  inNs(N, 'ip', ['route', 'del', '10.244.7.0/24', 'proto', '201']);
  t.ok(await until(() => route('10.244.7.0/24').includes('proto 201'), 5000), `a route of ours deleted by someone else is installed again: ${route('10.244.7.0/24')}`);
  t.equal((await d.waitLog((l) => /removed by someone else; installed again/.test(l.msg))).level, 40, 'logged at warn');
  t.equal(d.cli('summary').fib.restored, 1, 'and counted');
});
