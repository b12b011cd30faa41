// aggregate-address with real FRR peers: tor-b sends contributors, tor-a receives what we make of
// them. 10.244.0.0/16 summary-only as-set: tor-a gets the aggregate with an AS_SET of the
// contributors' AS numbers and AGGREGATOR, and none of the /26s; 10.245.0.0/16 plain: ATOMIC_AGGREGATE
// and the contributor beside it; withdrawn when its last contributor goes.
import t from 'tap';
import { Nodebgpd } from '../helpers/nodebgpd.js';
import { bridge, createNamespace, destroyNamespace, uniquePrefix } from '../helpers/netns.js';
import { Frr, until } from '../helpers/peers.js';

const p = uniquePrefix('aggr');
const N = `${p}n`;
const A = `${p}a`;
const B = `${p}b`;

t.before(() => {
  for (const ns of [N, A, B]) createNamespace(ns);
  bridge(N, { ipv4: '10.96.0.1', ipv6: 'fd96::1' }, [
    { ns: A, ifname: 'eth0', ipv4: '10.96.0.2', ipv6: 'fd96::2' },
    { ns: B, ifname: 'eth0', ipv4: '10.96.0.3', ipv6: 'fd96::3' },
  ]);
});
t.teardown(() => {
  for (const ns of [N, A, B]) destroyNamespace(ns);
});

const tor = (id: string, nets: string) => `frr defaults datacenter
hostname tor${id}
route-map ANY permit 10
route-map PREPEND permit 10
 match ip address prefix-list POD6
 set as-path prepend 64503
route-map PREPEND permit 20
ip prefix-list POD6 seq 5 permit 10.244.6.0/26
router bgp 6450${id}
 bgp router-id 10.96.0.${id === '1' ? 2 : 3}
 no bgp network import-check
 neighbor 10.96.0.1 remote-as 64512
 neighbor 10.96.0.1 timers connect 1
 address-family ipv4 unicast
${nets}
  neighbor 10.96.0.1 route-map ANY in
  neighbor 10.96.0.1 route-map PREPEND out
 exit-address-family
`;

const config = `
asn: 64512
routerId: 10.96.0.1
listen: { addresses: [0.0.0.0] }
ebgpRequiresPolicy: false
originate:
  - prefix: 10.244.1.0/26
aggregates:
  - { prefix: 10.244.0.0/16, summaryOnly: true, asSet: true }
  - { prefix: 10.245.0.0/16 }
neighbors:
  - { address: 10.96.0.2, remoteAs: 64501, timers: { connectRetryTime: 1 } }
  - { address: 10.96.0.3, remoteAs: 64502, timers: { connectRetryTime: 1 } }
`;

t.test('aggregates as FRR sees them', async (t) => {
  const torA = new Frr(A, tor('1', ''));
  const torB = new Frr(B, tor('2', '  network 10.244.5.0/26\n  network 10.244.6.0/26\n  network 10.245.1.0/24'));
  const d = new Nodebgpd(N, config);
  t.teardown(() => {
    d.stop();
    torA.stop();
    torB.stop();
  });
  await d.ready();
  const route = (prefix: string) => torA.json(`show bgp ipv4 unicast ${prefix} json`).paths?.[0];
  t.ok(await until(() => route('10.244.0.0/16')?.aspath?.string === '64512 {64502,64503}', 30000), `tor-a: 10.244.0.0/16 with the AS_SET of the contributors: ${JSON.stringify(route('10.244.0.0/16')?.aspath)}`);
  const agg = route('10.244.0.0/16');
  t.same([agg.aggregatorAs, agg.aggregatorId], [64512, '10.96.0.1'], 'AGGREGATOR: our AS and router ID');
  t.notOk(agg.atomicAggregate, 'no ATOMIC_AGGREGATE with as-set');
  for (const pod of ['10.244.1.0/26', '10.244.5.0/26', '10.244.6.0/26']) t.notOk(route(pod), `summary-only: tor-a does not get ${pod}`);
  t.ok(await until(() => route('10.245.0.0/16') && route('10.245.1.0/24'), 10000), 'the plain aggregate and its contributor');
  t.equal(route('10.245.0.0/16').atomicAggregate, true, 'ATOMIC_AGGREGATE without as-set');
  t.equal(route('10.245.0.0/16').aspath.string, '64512', 'path: our AS only');
  const ours = d.cli('routes', '10.244.0.0/16').items[0].paths[0];
  t.same([ours.from, ours.asPath], ['aggregate', '{64502,64503}'], 'our API shows the aggregate path');

  torB.vtysh('configure terminal', 'router bgp 64502', 'address-family ipv4 unicast', 'no network 10.245.1.0/24');
  t.ok(await until(() => !route('10.245.0.0/16'), 10000), 'its last contributor withdrawn: the aggregate is withdrawn');
  t.ok(route('10.244.0.0/16'), 'the other aggregate stays');
});
