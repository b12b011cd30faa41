// When a path arrived (FRR's "Last update"): stamped from the RIB's clock once per UPDATE, kept
// while the same path stays, renewed when the neighbor sends it again or it is originated anew.
import t from 'tap';
import { RibQuery, Rib, addressOctets } from '../../src/rib/index.js';
import { Afi, makeContext, nlriFrom, asPathFrom } from '../../src/wire/index.js';

t.test('a path carries the time of the UPDATE that brought it, in seconds on the RIB clock', async (t) => {
  let now = 5_400;
  const rib = new Rib({ localAs: 65000, routerId: 0x0a000001, now: () => now });
  const q = new RibQuery(rib);
  const peer = { index: 1, address: '192.0.2.1', addressOctets: addressOctets('192.0.2.1'), asn: 65001, bgpId: 1, ibgp: false, local: false, rrClient: false, localAs: 65000, routerId: 0x0a000001, clusterId: 0x0a000001, localIpv4: 0x0a000001, localIpv6: undefined, nextHopSelf: false, tx: makeContext(), groupKey: 'g' } as never;
  rib.peerUp(peer, { allowasIn: 0, localIpv4: 0x0a000001 }, [0x101], () => true);
  const send = (prefix: number, med: number) => rib.applyUpdate(1, {
    type: 'update', withdrawn: nlriFrom(1, false, []), attributes: { origin: 0, nextHop: 0xc0000201, asPath: asPathFrom([{ type: 2, asns: [65001] }]), med } as never, nlri: nlriFrom(1, false, [[0, 24, prefix]]),
  });
  const at = (prefix: number) => q.route(Afi.IPV4, { words: [prefix, 0, 0, 0], len: 24 })?.paths[0].at;
  send(0x0a010000, 1);
  t.equal(at(0x0a010000), 5, '5.4 s on the clock: second 5');
  now = 65_000;
  send(0x0a020000, 1);
  t.equal(at(0x0a010000), 5, 'another prefix arriving leaves it alone');
  t.equal(at(0x0a020000), 65);
  now = 90_000;
  send(0x0a010000, 2);
  t.equal(at(0x0a010000), 90, 'sent again with a new MED: renewed');
  rib.originate(Afi.IPV4, [0x0a090000, 0, 0, 0], 24, {});
  t.equal(at(0x0a090000), 90, 'an origination is stamped too');
});
