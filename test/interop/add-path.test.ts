// RFC 7911 ADD-PATH send from nodebgp as a route reflector: two clients (FRR) announce the same pod
// CIDR; a third FRR client receives both paths (ECMP at the client) when we send all paths or the
// best 2; a path withdrawn at its source is withdrawn by its identifier.
import t from 'tap';
import { Nodebgpd } from '../helpers/nodebgpd.js';
import { bridge, createNamespace, destroyNamespace, uniquePrefix } from '../helpers/netns.js';
import { Frr, until } from '../helpers/peers.js';

const p = uniquePrefix('apth');
const [N, A, B, C] = ['n', 'a', 'b', 'c'].map((x) => `${p}${x}`);

t.before(() => {
  for (const ns of [N, A, B, C]) createNamespace(ns);
  bridge(N, { ipv4: '10.93.0.1', ipv6: 'fd93::1' }, [
    { ns: A, ifname: 'eth0', ipv4: '10.93.0.2', ipv6: 'fd93::2' },
    { ns: B, ifname: 'eth0', ipv4: '10.93.0.3', ipv6: 'fd93::3' },
    { ns: C, ifname: 'eth0', ipv4: '10.93.0.4', ipv6: 'fd93::4' },
  ]);
});
t.teardown(() => {
  for (const ns of [N, A, B, C]) destroyNamespace(ns);
});

const client = (id: number, nets: string[]) => `frr defaults datacenter
hostname client${id}
router bgp 65000
 bgp router-id 10.93.0.${id}
 no bgp network import-check
 neighbor 10.93.0.1 remote-as 65000
 neighbor 10.93.0.1 timers connect 2
 address-family ipv4 unicast
${nets.map((n) => `  network ${n}`).join('\n')}
  maximum-paths ibgp 4
 exit-address-family
`;

const reflector = (send: string) => `
asn: 65000
routerId: 10.93.0.1
clusterId: 1.0.0.1
listen: { addresses: [0.0.0.0] }
peerGroups:
  clients: { remoteAs: internal, routeReflectorClient: true, timers: { connectRetryTime: 2 } }
neighbors:
  - { address: 10.93.0.2, peerGroup: clients }
  - { address: 10.93.0.3, peerGroup: clients }
  - { address: 10.93.0.4, peerGroup: clients, addPath: { send: ${send} } }
`;

for (const [send, expected] of [['all', 2], ['2', 2]] as const) {
  t.test(`ADD-PATH send ${send}: the client sees ${expected} path(s)`, async (t) => {
    const a = new Frr(A, client(2, ['10.244.50.0/26']));
    const b = new Frr(B, client(3, ['10.244.50.0/26']));
    const c = new Frr(C, client(4, []));
    const d = new Nodebgpd(N, reflector(send === 'all' ? 'all' : send));
    t.teardown(() => {
      for (const x of [d, a, b, c]) x.stop();
    });
    await d.ready();
    t.ok(await until(() => Object.values(d.cli('summary').peers).every((x: any) => x.state === 'Established'), 30000), 'three clients up');
    const paths = () => c.json('show bgp ipv4 unicast 10.244.50.0/26 json').paths ?? [];
    const got = await until(() => (paths().length === expected ? paths() : undefined), 15000);
    t.ok(got, `client C has ${expected} path(s): ${c.vtysh('show bgp ipv4 unicast 10.244.50.0/26')}`);
    if (expected === 2) {
      t.same(got?.map((x: any) => x.nexthops?.[0]?.ip).sort(), ['10.93.0.2', '10.93.0.3'], 'one through each source client');
      t.match(c.vtysh('show bgp neighbors 10.93.0.1'), /AddPath:\s+IPv4 Unicast: TX received\s+IPv4 Unicast: RX advertised/, 'C saw our ADD-PATH send capability and advertised receive');
      t.ok(await until(() => paths().filter((x: any) => x.multipath).length === 2, 5000), 'both in C\'s multipath set (ECMP at the client)');
      a.vtysh('configure terminal', 'router bgp 65000', 'address-family ipv4 unicast', 'no network 10.244.50.0/26');
      t.ok(await until(() => paths().length === 1, 15000), `A's path withdrawn by its identifier, B's stays: ${c.vtysh('show bgp ipv4 unicast 10.244.50.0/26')}`);
      t.equal(paths()[0]?.nexthops?.[0]?.ip, '10.93.0.3');
    }
  });
}
