// Unnumbered BGP with BIRD 2.0.12, as far as BIRD goes: BIRD cannot name a neighbor by its
// interface, so it is given our link-local address (`neighbor fe80::...%'b1'`), passive, and
// advertises itself with its RAdv protocol. nodebgpd's `interface: n3` neighbor learns BIRD from
// those router advertisements and dials it; IPv4 routes both ways with IPv6 link-local next hops
// (RFC 8950, BIRD's `extended next hop`), each side's kernel `via inet6`, a ping between loopbacks
// over a link without IPv4.
import { spawnSync } from 'node:child_process';
import t from 'tap';
import { Nodebgpd } from '../helpers/nodebgpd.js';
import { createNamespace, destroyNamespace, inNs, run, uniquePrefix } from '../helpers/netns.js';
import { Bird, until } from '../helpers/peers.js';

const p = uniquePrefix('unnb');
const [B, N] = [`${p}b`, `${p}n`];

t.before(() => {
  for (const [ns, v4] of [[B, '10.13.0.1/32'], [N, '10.12.0.1/32']]) {
    createNamespace(ns);
    inNs(ns, 'sysctl', ['-qw', 'net.ipv4.ip_forward=1', 'net.ipv6.conf.all.forwarding=1', 'net.ipv6.conf.default.accept_dad=0']);
    inNs(ns, 'ip', ['addr', 'add', v4, 'dev', 'lo']);
  }
  run('ip', ['link', 'add', 'b1', 'netns', B, 'type', 'veth', 'peer', 'name', 'n3', 'netns', N]);
  inNs(B, 'ip', ['link', 'set', 'b1', 'up']);
  inNs(N, 'ip', ['link', 'set', 'n3', 'up']);
});
t.teardown(() => {
  for (const ns of [B, N]) destroyNamespace(ns);
});

const linkLocal = (ns: string, ifname: string): string => JSON.parse(inNs(ns, 'ip', ['-j', '-6', 'addr', 'show', 'dev', ifname, 'scope', 'link']))[0].addr_info[0].local;

const birdConfig = (ours: string) => `router id 10.13.0.1;
protocol device { scan time 1; }
protocol direct { ipv4; interface "lo"; }
protocol kernel { ipv4 { export where source = RTS_BGP; }; }
protocol radv { ipv6 { export none; }; interface "b1" { min ra interval 3; max ra interval 4; default lifetime 0; }; }
protocol bgp node {
  local as 65003;
  neighbor ${ours} % 'b1' as 64512;
  passive on;
  ipv4 { import all; export where net = 10.13.0.1/32; extended next hop on; };
  ipv6 { import all; export none; };
}
`;

const nodeConfig = `
asn: 64512
routerId: 10.12.0.1
listen: { addresses: ["::"] }
neighbors:
  - { interface: n3, remoteAs: external, importPolicy: ALL, exportPolicy: ALL, timers: { connectRetryTime: 1 } }
originate:
  - prefix: 10.12.0.1/32
policy:
  routeMaps:
    ALL: [{ seq: 10, action: permit }]
`;

t.test('unnumbered with BIRD: its address from its router advertisements, we dial, RFC 8950 both ways', async (t) => {
  const bird = new Bird(B, birdConfig(linkLocal(N, 'n3')));
  const d = new Nodebgpd(N, nodeConfig);
  t.teardown(() => {
    d.stop();
    bird.stop();
  });
  await d.ready();
  const theirs = linkLocal(B, 'b1');
  t.ok(await until(() => d.cli('summary').peers.n3?.state === 'Established', 30000), 'Established');
  const n = d.cli('neighbors', 'n3');
  t.equal(n.unnumbered.neighborAddress, theirs, `BIRD's link-local address learned (${theirs})`);
  t.ok(n.unnumbered.advertisements.heard >= 1, `from BIRD's router advertisements (${n.unnumbered.advertisements.heard} heard)`);
  t.equal(n.connection.direction, 'outbound', 'we dialed BIRD (passive)');
  t.match(n.capabilities.byFamily, { 'ipv4-unicast': { extendedNextHop: true } }, 'RFC 8950 negotiated');
  t.match(bird.birdc('show protocols all node'), /Established[\s\S]*Extended next hop/, 'BIRD: Established, extended next hop');
  t.ok(await until(() => /via inet6 fe80::\S+ dev n3 proto 201/.test(inNs(N, 'ip', ['route', 'show', '10.13.0.1/32'])), 10000), `ours: ${inNs(N, 'ip', ['route', 'show', '10.13.0.1/32']).trim()}`);
  t.ok(await until(() => /via inet6 fe80::\S+ dev b1 proto bird/.test(inNs(B, 'ip', ['route', 'show', '10.12.0.1/32'])), 10000), `BIRD's kernel: ${inNs(B, 'ip', ['route', 'show', '10.12.0.1/32']).trim()}`);
  t.match(inNs(B, 'ip', ['route', 'show', '10.12.0.1/32']), new RegExp(`via inet6 ${linkLocal(N, 'n3')} dev b1`), 'with our link-local address as next hop');
  const ping = spawnSync('ip', ['netns', 'exec', N, 'ping', '-c', '3', '-i', '0.2', '-W', '1', '-I', '10.12.0.1', '10.13.0.1'], { encoding: 'utf8' });
  t.equal(ping.status, 0, `IPv4 ping between loopbacks over a link without IPv4: ${ping.stdout.split('\n').filter((x) => x.includes('packets')).join('')}`);
});
