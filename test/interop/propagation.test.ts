// Routes flow between real peers through nodebgp: FRR (AS 65001) -> nodebgp (AS 65000) -> BIRD
// (AS 65002) and back, IPv4 and IPv6, with the AS path, next hop, MED and communities each side
// should see; withdrawals propagate; multipath from two FRR peers is recorded as two paths.
import t from 'tap';
import { SpeakerHost, stopAtEnd } from '../helpers/host.js';
import { createNamespace, destroyNamespace, link, uniquePrefix } from '../helpers/netns.js';
import { Bird, Frr, until } from '../helpers/peers.js';

const p = uniquePrefix('prop');
const N = `${p}n`;
const F = `${p}f`;
const F2 = `${p}g`;
const B = `${p}b`;

const frrConfig = (id: string, me: string, extra = '') => `
frr defaults datacenter
hostname frr-${id}
router bgp 65001
 bgp router-id ${id}
 no bgp ebgp-requires-policy
 no bgp network import-check
 neighbor ${me} remote-as 65000
 neighbor ${me} timers connect 2
 address-family ipv4 unicast
  network 10.5.0.0/24
${extra}
 exit-address-family
 address-family ipv6 unicast
  neighbor ${me} activate
  network 2001:db8:1::/48
 exit-address-family
route-map TAG permit 10
 set community 65001:100 65001:200
 set large-community 65001:1:1
 set metric 50
`;

const birdConfig = `
router id 10.86.1.2;
protocol device {}
protocol static s4 { ipv4; route 10.2.0.0/24 blackhole; }
protocol static s6 { ipv6; route 2001:db8:2::/48 blackhole; }
filter tag7 { bgp_community.add((65002, 7)); accept; }
protocol bgp n4 {
  local 10.86.1.2 as 65002;
  neighbor 10.86.1.1 as 65000;
  connect retry time 2;
  ipv4 { import all; export filter tag7; };
  ipv6 { import all; export all; };
}
`;

const daemonConfig = {
  asn: 65000,
  ebgpRequiresPolicy: false,
  routerId: '10.86.0.1',
  listen: { addresses: ['0.0.0.0'] },
  maximumPaths: { ebgp: 4 },
  neighbors: [
    { address: '10.86.0.2', remoteAs: 65001, addressFamilies: ['ipv4-unicast', 'ipv6-unicast'], timers: { connectRetryTime: 2 } },
    { address: '10.86.2.2', remoteAs: 65001, addressFamilies: ['ipv4-unicast', 'ipv6-unicast'], timers: { connectRetryTime: 2 } },
    { address: '10.86.1.2', remoteAs: 65002, addressFamilies: ['ipv4-unicast', 'ipv6-unicast'], timers: { connectRetryTime: 2 } },
  ],
};

t.before(() => {
  for (const ns of [N, F, F2, B]) createNamespace(ns);
  link({ ns: N, ifname: 'tof', ipv4: '10.86.0.1', ipv6: 'fd86::1' }, { ns: F, ifname: 'eth0', ipv4: '10.86.0.2', ipv6: 'fd86::2' });
  link({ ns: N, ifname: 'tob', ipv4: '10.86.1.1', ipv6: 'fd86:1::1' }, { ns: B, ifname: 'eth0', ipv4: '10.86.1.2', ipv6: 'fd86:1::2' });
  link({ ns: N, ifname: 'tog', ipv4: '10.86.2.1', ipv6: 'fd86:2::1' }, { ns: F2, ifname: 'eth0', ipv4: '10.86.2.2', ipv6: 'fd86:2::2' });
});
t.teardown(() => {
  for (const ns of [N, F, F2, B]) destroyNamespace(ns);
});

t.test('FRR -> nodebgp -> BIRD and back', async (t) => {
  const frr = new Frr(F, frrConfig('10.86.0.2', '10.86.0.1', '  network 10.1.0.0/24 route-map TAG'));
  const frr2 = new Frr(F2, frrConfig('10.86.2.2', '10.86.2.1'));
  const bird = new Bird(B, birdConfig);
  const host = new SpeakerHost(N, daemonConfig, 'daemon-host.mjs');
  stopAtEnd(t, host, frr, frr2, bird);
  for (const peer of ['10.86.0.2', '10.86.2.2', '10.86.1.2']) await host.state(peer, 'Established', 30000);

  // FRR's 10.1.0.0/24 at BIRD: AS path 65000 65001, next hop us, communities kept, MED not passed on.
  const atBird = await until(() => {
    const r = bird.birdc('show route 10.1.0.0/24 all');
    return /BGP\.as_path: 65000 65001/.test(r) ? r : undefined;
  }, 15000);
  t.ok(atBird, `BIRD has 10.1.0.0/24 via nodebgp: ${bird.birdc('show route 10.1.0.0/24 all')}`);
  t.match(atBird, /BGP\.next_hop: 10\.86\.1\.1/, 'next hop: our address on the BIRD link');
  t.match(atBird, /BGP\.community: \(65001,100\) \(65001,200\)/, 'communities kept');
  t.match(atBird, /BGP\.large_community: \(65001, 1, 1\)/, 'large community kept');
  t.notMatch(atBird, /BGP\.med/, 'MED from AS 65001 not passed to AS 65002 (RFC 4271 5.1.4)');
  const v6 = await until(() => {
    const r = bird.birdc('show route 2001:db8:1::/48 all');
    return /BGP\.as_path: 65000 65001/.test(r) ? r : undefined;
  }, 15000);
  t.ok(v6, `IPv6 prefix from FRR reaches BIRD; ours: ${JSON.stringify((await host.ask({ cmd: 'route', prefix: '2001:db8:1::/48' })).route)}`);
  t.match(v6, /BGP\.next_hop: fd86:1::1/, 'IPv6 next hop: our global address on the BIRD link');

  // And back: BIRD's 10.2.0.0/24 at FRR with AS path 65000 65002 and BIRD's community.
  const atFrr = await until(() => {
    const j = frr.json('show bgp ipv4 unicast 10.2.0.0/24 json');
    return j.paths?.[0]?.aspath?.string === '65000 65002' ? j : undefined;
  }, 15000);
  t.ok(atFrr, `FRR has 10.2.0.0/24: ${frr.vtysh('show bgp ipv4 unicast 10.2.0.0/24')}`);
  t.equal(atFrr.paths[0].nexthops[0].ip, '10.86.0.1', 'next hop: our address on the FRR link');
  t.equal(atFrr.paths[0].community?.string, '65002:7', 'BIRD\'s community kept');

  // Multipath: 10.5.0.0/24 from both FRR peers (same AS path) is one entry with two paths.
  const mp = await until(async () => {
    const r = (await host.ask({ cmd: 'route', prefix: '10.5.0.0/24' })).route;
    return r?.multipath?.length === 2 ? r : undefined;
  }, 15000);
  t.ok(mp, 'two paths, both in the multipath set');
  t.same(mp.paths.map((x: any) => x.peer).sort(), ['10.86.0.2', '10.86.2.2']);

  // Withdrawal: FRR stops announcing 10.1.0.0/24; BIRD loses it.
  frr.vtysh('configure terminal', 'router bgp 65001', 'address-family ipv4 unicast', 'no network 10.1.0.0/24');
  t.ok(await until(() => !/10\.1\.0\.0\/24/.test(bird.birdc('show route 10.1.0.0/24')), 15000), 'the withdrawal reaches BIRD');
  t.equal((await host.ask({ cmd: 'route', prefix: '10.1.0.0/24' })).route, null, 'and our RIB');
});
