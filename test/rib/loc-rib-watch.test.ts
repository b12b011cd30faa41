// The Loc-RIB watch (RFC 9069 monitoring): an UPDATE that is itself the change reports its
// prefixes; changes it did not make, in its family or the other, wait for take().
import t from 'tap';
import { Rib, RibQuery, addressOctets } from '../../src/rib/index.js';
import { Afi, type AfiCode, type UpdateMessage, decodeMessage, makeContext, nlriFrom, asPathFrom } from '../../src/wire/index.js';

const ctx = makeContext({ as4: true });

function setup() {
  const rib = new Rib({ localAs: 65000, routerId: 0x0a000001 });
  const peer = {
    index: 1, address: '192.0.2.1', addressOctets: addressOctets('192.0.2.1'), asn: 65001, bgpId: 1, ibgp: false, local: false, rrClient: false,
    localAs: 65000, routerId: 0x0a000001, clusterId: 0x0a000001, localIpv4: 0x0a000001, localIpv6: undefined, nextHopSelf: false, tx: ctx, groupKey: 'g',
  };
  rib.peerUp(peer as never, { allowasIn: 0, localIpv4: 0x0a000001 }, [0x101, 0x201], () => true);
  let armed = 0;
  const watch = new RibQuery(rib).watchLocRib(() => armed++);
  const attributes = { origin: 0, asPath: asPathFrom([{ type: 2, asns: [65001] }]), nextHop: 0xc0000201 } as never;
  const v4 = (w: number) => ({ type: 'update', withdrawn: nlriFrom(1, false, []), attributes, nlri: nlriFrom(1, false, [[0, 24, w]]) }) as UpdateMessage;
  const v6 = (w: number) => ({
    type: 'update', withdrawn: nlriFrom(1, false, []), attributes, nlri: nlriFrom(1, false, []),
    mpReach: { afi: 2, safi: 1, nextHop: Buffer.from('20010db8000000000000000000000001', 'hex'), nlri: nlriFrom(2, false, [[0, 48, 0x20010db8, w]]) },
  }) as UpdateMessage;
  const both = (w4: number, w6: number) => ({ ...v6(w6), nlri: v4(w4).nlri }) as UpdateMessage;
  const blocks = (m: UpdateMessage) => [
    ...(m.nlri.words.length > 0 ? [{ afi: Afi.IPV4 as AfiCode, words: m.nlri.words, announced: true }] : []),
    ...(m.mpReach?.nlri ? [{ afi: Afi.IPV6 as AfiCode, words: m.mpReach.nlri.words, announced: true }] : []),
  ];
  const apply = (m: UpdateMessage) => {
    rib.applyUpdate(1, m);
    return watch.asReceived(1, blocks(m));
  };
  const taken = () => watch.take(ctx).map(({ afi, messages }) => ({ afi, count: messages.map((b) => decodeMessage(b, ctx) as UpdateMessage).length }));
  return { rib, watch, apply, v4, v6, both, taken, armed: () => armed };
}

t.test('an UPDATE of one family leaves the other family\'s earlier change queued', async (t) => {
  const s = setup();
  s.rib.originate(Afi.IPV4, [0x0a090000, 0, 0, 0], 24, {}); // a change no UPDATE made
  t.ok(s.apply(s.v6(0x00010000)), 'the IPv6 UPDATE is its own change');
  t.ok(s.apply(s.v4(0x0a010000)), 'so is a later IPv4 one (the earlier change was asked past)');
  t.same(s.taken(), [{ afi: Afi.IPV4, count: 1 }], 'the origination is encoded; the reported prefixes are not');
  t.equal(s.armed(), 1, 'the watcher was told once');
});

t.test('an UPDATE naming both families reports both; a mismatch in either says no', async (t) => {
  const s = setup();
  t.ok(s.apply(s.both(0x0a010000, 0x00010000)), 'both families\' prefixes, as received');
  t.same(s.taken(), [], 'nothing left to encode');
  s.rib.originate(Afi.IPV6, [0x20010db8, 0x00020000, 0, 0], 48, {}); // ours, and the best: the UPDATE below loses
  t.notOk(s.apply(s.both(0x0a020000, 0x00020000)), 'its IPv6 prefix has another best path');
  t.same(s.taken(), [{ afi: Afi.IPV4, count: 1 }, { afi: Afi.IPV6, count: 1 }], 'both wait for take, as any change');
});
