// nodebgp as a route reflector (RFC 4456) for FRR, BIRD and GoBGP iBGP clients on one LAN: each
// client sees the others' routes, with ORIGINATOR_ID and our cluster ID in CLUSTER_LIST.
import t from 'tap';
import { SpeakerHost, stopAtEnd } from '../helpers/host.js';
import { bridge, createNamespace, destroyNamespace, uniquePrefix } from '../helpers/netns.js';
import { Bird, Frr, Gobgp, until } from '../helpers/peers.js';

const p = uniquePrefix('rref');
const N = `${p}n`;
const F = `${p}f`;
const B = `${p}b`;
const G = `${p}g`;
const RR = '10.87.0.1';

t.before(() => {
  for (const ns of [N, F, B, G]) createNamespace(ns);
  bridge(N, { ipv4: RR, ipv6: 'fd87::1' }, [
    { ns: F, ifname: 'eth0', ipv4: '10.87.0.2', ipv6: 'fd87::2' },
    { ns: B, ifname: 'eth0', ipv4: '10.87.0.3', ipv6: 'fd87::3' },
    { ns: G, ifname: 'eth0', ipv4: '10.87.0.4', ipv6: 'fd87::4' },
  ]);
});
t.teardown(() => {
  for (const ns of [N, F, B, G]) destroyNamespace(ns);
});

t.test('FRR, BIRD and GoBGP clients see each other\'s routes through the reflector', async (t) => {
  const frr = new Frr(F, `frr defaults datacenter
router bgp 65100
 bgp router-id 10.87.0.2
 no bgp network import-check
 neighbor ${RR} remote-as internal
 neighbor ${RR} timers connect 2
 address-family ipv4 unicast
  network 10.11.0.0/24
 exit-address-family
`);
  const bird = new Bird(B, `router id 10.87.0.3;
protocol device {}
protocol direct { ipv4; }
protocol static { ipv4; route 10.12.0.0/24 blackhole; }
protocol bgp reflector {
  local 10.87.0.3 as 65100;
  neighbor ${RR} as 65100;
  connect retry time 2;
  ipv4 { import all; export where source = RTS_STATIC; };
}
`);
  const gobgp = new Gobgp(G, `[global.config]
  as = 65100
  router-id = "10.87.0.4"
  port = 179
[[neighbors]]
  [neighbors.config]
    neighbor-address = "${RR}"
    peer-as = 65100
  [neighbors.timers.config]
    connect-retry = 2
`);
  const host = new SpeakerHost(N, {
    asn: 65100,
    routerId: RR,
    clusterId: '1.0.0.1',
    listen: { addresses: ['0.0.0.0'] },
    neighbors: ['10.87.0.2', '10.87.0.3', '10.87.0.4'].map((address) => ({ address, remoteAs: 'internal', routeReflectorClient: true, timers: { connectRetryTime: 2 } })),
  }, 'daemon-host.mjs');
  stopAtEnd(t, host, frr, bird, gobgp);
  for (const peer of ['10.87.0.2', '10.87.0.3', '10.87.0.4']) await host.state(peer, 'Established', 30000);
  const gobgpRoute = (pfx: string) => gobgp.gobgp('global', 'rib', pfx, '-a', 'ipv4');
  t.ok(await until(() => /10\.13\.0\.0/.test(gobgp.gobgp('global', 'rib', 'add', '10.13.0.0/24', '-a', 'ipv4') + gobgpRoute('10.13.0.0/24')), 5000), 'GoBGP originates 10.13.0.0/24');

  // FRR sees BIRD's and GoBGP's routes, reflected.
  for (const [pfx, originator] of [['10.12.0.0/24', '10.87.0.3'], ['10.13.0.0/24', '10.87.0.4']]) {
    const j = await until(() => {
      const r = frr.json(`show bgp ipv4 unicast ${pfx} json`);
      return r.paths?.[0] ? r : undefined;
    }, 20000);
    t.ok(j, `FRR has ${pfx}: ${frr.vtysh(`show bgp ipv4 unicast ${pfx}`)}`);
    t.equal(j?.paths[0].originatorId, originator, `FRR: ${pfx} ORIGINATOR_ID ${originator}`);
    t.same(j?.paths[0].clusterList?.list, ['1.0.0.1'], `FRR: ${pfx} CLUSTER_LIST [1.0.0.1]`);
  }
  // BIRD sees FRR's and GoBGP's routes.
  for (const [pfx, originator] of [['10.11.0.0/24', '10.87.0.2'], ['10.13.0.0/24', '10.87.0.4']]) {
    const r = await until(() => {
      const out = bird.birdc(`show route ${pfx} all`);
      return /BGP\.originator_id/.test(out) ? out : undefined;
    }, 20000);
    t.ok(r, `BIRD has ${pfx}: ${bird.birdc(`show route ${pfx} all`)}`);
    t.match(r, new RegExp(`BGP\\.originator_id: ${originator.replace(/\./g, '\\.')}`), `BIRD: ${pfx} ORIGINATOR_ID`);
    t.match(r, /BGP\.cluster_list: 1\.0\.0\.1/, `BIRD: ${pfx} CLUSTER_LIST`);
  }
  // GoBGP sees FRR's and BIRD's routes.
  for (const [pfx, originator] of [['10.11.0.0/24', '10.87.0.2'], ['10.12.0.0/24', '10.87.0.3']]) {
    const r = await until(() => {
      const out = gobgp.gobgp('global', 'rib', pfx, '-a', 'ipv4', '-j');
      return out.includes('originator') || out.includes('"type":9') ? out : undefined;
    }, 20000);
    t.ok(r, `GoBGP has ${pfx}: ${gobgpRoute(pfx)}`);
    t.match(r, new RegExp(originator.replace(/\./g, '\\.')), `GoBGP: ${pfx} ORIGINATOR_ID ${originator}`);
    t.match(r, /1\.0\.0\.1/, `GoBGP: ${pfx} CLUSTER_LIST holds 1.0.0.1`);
  }
  const self = frr.json('show bgp ipv4 unicast 10.11.0.0/24 json');
  t.equal(self.paths?.length, 1, 'FRR\'s own route is not reflected back to it');
});
