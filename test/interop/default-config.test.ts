// The embedded default under attack (issue: any host on a private range could peer, hijack
// another node's pod CIDR with a more specific, install 100,000 /32s, and hold every
// dynamic-neighbor slot with idle connections). nodebgpd runs with no file on a segment (a bridge)
// with two FRR nodes and an FRR attacker, each one hop away with GTSM; a routed source two hops
// away; 100 idle TCP connections. Every attack is refused, counted, and the nodes keep working.
import { spawn } from 'node:child_process';
import t from 'tap';
import { Nodebgpd } from '../helpers/nodebgpd.js';
import { bridge, createNamespace, destroyNamespace, inNs, link, uniquePrefix } from '../helpers/netns.js';
import { Frr, until } from '../helpers/peers.js';

const p = uniquePrefix('dflt');
const N = `${p}n`;
const NODE1 = `${p}1`;
const NODE2 = `${p}2`;
const BAD = `${p}x`;
const FAR = `${p}f`;

t.before(() => {
  for (const ns of [N, NODE1, NODE2, BAD, FAR]) createNamespace(ns);
  bridge(N, { ipv4: '10.92.0.1', ipv6: 'fd92::1' }, [
    { ns: NODE1, ifname: 'eth0', ipv4: '10.92.0.11', ipv6: 'fd92::11' },
    { ns: NODE2, ifname: 'eth0', ipv4: '10.92.0.12', ipv6: 'fd92::12' },
    { ns: BAD, ifname: 'eth0', ipv4: '10.92.0.66', ipv6: 'fd92::66' },
  ]);
  // A source two hops away: FAR reaches N through BAD, which routes.
  link({ ns: BAD, ifname: 'far', ipv4: '10.93.0.1', ipv6: 'fd93::1' }, { ns: FAR, ifname: 'eth0', ipv4: '10.93.0.2', ipv6: 'fd93::2' });
  inNs(BAD, 'sysctl', ['-qw', 'net.ipv4.ip_forward=1']);
  inNs(FAR, 'ip', ['route', 'add', 'default', 'via', '10.93.0.1']);
  inNs(N, 'ip', ['route', 'add', '10.93.0.0/24', 'via', '10.92.0.66']);
  // 100 more addresses for the attacker's idle connections.
  for (let i = 100; i < 200; i++) inNs(BAD, 'ip', ['addr', 'add', `10.92.0.${i}/24`, 'dev', 'eth0']);
});
t.teardown(() => {
  for (const ns of [N, NODE1, NODE2, BAD, FAR]) destroyNamespace(ns);
});

const node = (asn: number, me: string, networks: string[], extra = '', gtsm = true) => `frr defaults datacenter
hostname n${asn}
route-map ANY permit 10
${extra}
router bgp ${asn}
 bgp router-id ${me}
 no bgp ebgp-requires-policy
 no bgp network import-check
 neighbor 10.92.0.1 remote-as 64512
 neighbor 10.92.0.1 timers connect 2
${gtsm ? ' neighbor 10.92.0.1 ttl-security hops 1' : ''}
 address-family ipv4 unicast
${networks.map((n) => `  network ${n}`).join('\n')}
  neighbor 10.92.0.1 route-map ${extra ? 'OUT' : 'ANY'} out
 exit-address-family
`;

const route = (prefix: string) => inNs(N, 'ip', ['-4', 'route', 'show', prefix]).trim();

t.test('the embedded default: nodes peer and exchange pod CIDRs; hijacks, floods and idle connections get nothing', async (t) => {
  const d = new Nodebgpd(N, undefined);
  t.teardown(() => d.stop());
  await d.ready();
  const node1 = new Frr(NODE1, node(64601, '10.92.0.11', ['10.244.1.0/24']));
  t.teardown(() => node1.stop());
  t.ok(await until(() => d.cli('summary').peers['10.92.0.11']?.state === 'Established', 30000), 'node1 (connected, GTSM) peers as a dynamic neighbor');
  t.ok(await until(() => route('10.244.1.0/24').includes('via 10.92.0.11'), 10000), `its pod CIDR is installed: ${route('10.244.1.0/24')}`);

  // The attacker, one hop away with GTSM, claims node1's pod CIDR and more specifics of it, a
  // service /32 and a pod CIDR through a next hop that is not its own address.
  const attacker = new Frr(BAD, node(64666, '10.92.0.66', ['10.244.1.0/24', '10.244.1.0/25', '10.244.1.128/26', '10.96.0.10/32', '10.244.66.0/24', '10.244.77.0/24'],
    'ip prefix-list P77 seq 5 permit 10.244.77.0/24\nroute-map OUT permit 10\n match ip address prefix-list P77\n set ip next-hop 10.92.0.99\nroute-map OUT permit 20'));
  t.teardown(() => attacker.stop());
  t.ok(await until(() => d.cli('summary').peers['10.92.0.66']?.state === 'Established', 30000), 'the attacker peers too (it is on the segment)');
  t.ok(await until(() => d.cli('routes', '10.244.66.0/24').items.length === 1, 10000), 'its own pod CIDR at the allocation size is accepted');
  const paths = (prefix: string) => d.cli('routes', prefix).items[0]?.paths.map((x: { from: string }) => x.from) ?? [];
  t.same(paths('10.244.1.0/24'), ['10.92.0.11'], 'node1\'s pod CIDR stays node1\'s: the attacker\'s copy is refused (first come, first served)');
  t.same([paths('10.244.1.0/25'), paths('10.244.1.128/26')], [[], []], 'more specifics of it are refused (not the allocation size, and inside a claimed one)');
  t.same(paths('10.96.0.10/32'), [], 'a service /32 is refused (not asked for)');
  t.same(paths('10.244.77.0/24'), [], 'a route through a next hop that is not the sender is refused');
  t.match(route('10.244.1.0/24'), /^10\.244\.1\.0\/24 via 10\.92\.0\.11 /, 'the kernel still sends node1\'s pods to node1');
  const refused = d.curl('/metrics');
  t.match(refused, /nodebgp_peer_routes_refused_total\{peer="10\.92\.0\.66"[^}]*reason="exclusive"\} [1-9]/, 'refusals are counted: exclusive');
  t.match(refused, /nodebgp_peer_routes_refused_total\{peer="10\.92\.0\.66"[^}]*reason="next-hop"\} [1-9]/, 'and next-hop');

  // Max-prefix: 100 more pod CIDRs tear the attacker's session down.
  attacker.vtysh('configure terminal', 'router bgp 64666', 'address-family ipv4 unicast', ...Array.from({ length: 100 }, (_, i) => `network 10.244.${100 + i}.0/24`));
  t.ok(await until(() => d.log.some((l) => l.neighbor === '10.92.0.66' && /max-prefix teardown/.test(l.msg)), 20000), 'max-prefix (64) ends the attacker\'s session');
  t.ok(await until(() => route('10.244.66.0/24') === '' && d.cli('routes', '10.244.150.0/24').items.length === 0, 10000), 'and its routes go with it');
  attacker.stop();

  // A node without GTSM (its packets arrive with TTL 1) and a source two hops away get nothing.
  const noGtsm = new Frr(NODE2, node(64602, '10.92.0.12', ['10.244.2.0/24'], '', false));
  const far = spawn('ip', ['netns', 'exec', FAR, process.execPath, '-e', 'const s = require("net").connect(179, "10.92.0.1"); s.on("error", () => {}); setTimeout(() => process.exit(0), 3000);'], { stdio: 'ignore' });
  await new Promise((r) => far.on('exit', r));
  await new Promise((r) => setTimeout(r, 6000));
  t.not(d.cli('summary').peers['10.92.0.12']?.state, 'Established', 'a node without GTSM does not get a session');
  t.equal(route('10.244.2.0/24'), '', 'nor its routes');
  t.match(d.curl('/metrics'), /nodebgp_connections_refused_total\{reason="unknown-source"\} [1-9]/, 'the two-hop source is refused as an unknown source');
  noGtsm.stop();

  // 100 idle connections from 100 addresses: at most 10 wait at a time, each for 10 s at most;
  // a node arriving meanwhile still gets its session.
  const idle = spawn('ip', ['netns', 'exec', BAD, process.execPath, '-e', `
    const net = require('net');
    for (let i = 100; i < 200; i++) { const s = net.connect({ port: 179, host: '10.92.0.1', localAddress: '10.92.0.' + i }); s.on('error', () => {}); }
    setTimeout(() => process.exit(0), 40000);`], { stdio: 'ignore' });
  t.teardown(() => idle.kill('SIGKILL'));
  await new Promise((r) => setTimeout(r, 2000));
  const pending = Object.values(d.cli('summary').peers as Record<string, { state: string; dynamic: boolean }>).filter((x) => x.dynamic && x.state !== 'Established').length;
  t.ok(pending <= 10, `${pending} idle connections hold a session (at most 10)`);
  const node2 = new Frr(NODE2, node(64602, '10.92.0.12', ['10.244.2.0/24']));
  t.teardown(() => node2.stop());
  t.ok(await until(() => d.cli('summary').peers['10.92.0.12']?.state === 'Established', 40000), 'node2 peers while the idle connections are still open');
  t.ok(await until(() => route('10.244.2.0/24').includes('via 10.92.0.12'), 10000), 'and its pod CIDR is installed');
  t.equal(d.cli('summary').peers['10.92.0.11']?.state, 'Established', 'node1 was never disturbed');
  t.ok(d.alive, 'the daemon is running');
});
