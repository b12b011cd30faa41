// The attribute table with the decode cache: a set the decoder just handed over is found through
// the cache's entry for it (which keeps the table's slot), not through a map keyed by the object;
// a slot reused by another set never stands for the first; sets given later or made elsewhere are
// found by object, and an entry the caller already has is taken as it is.
import t from 'tap';
import { AttrTable, type ExportPeer, Rib, addressOctets } from '../../src/rib/index.js';
import {
  AttributeCache, type PathAttributes, type UpdateMessage, decodeMessage, decodePathAttributes, encodeAnnouncements, encodePathAttributes, makeContext, nlriFrom, asPathFrom
} from '../../src/wire/index.js';

const ctx = makeContext();
const octets = (med: number) => encodePathAttributes({ origin: 0, asPath: asPathFrom([{ type: 2, asns: [65001, med] }]), nextHop: 0x0a000001, med }, ctx);
/** Decodes a set as a session does (through the cache): the object the RIB is then given. */
const decode = (cache: AttributeCache, b: Buffer): PathAttributes => decodePathAttributes(b, 0, b.length, ctx, cache).attrs!;

t.test('sets handed over by the decoder are found through the cache, one entry each, none by object', async (t) => {
  const cache = new AttributeCache();
  const table = new AttrTable(cache);
  const first = Array.from({ length: 1000 }, (_, i) => table.acquire(decode(cache, octets(i))));
  t.equal(table.size, 1000);
  t.equal(table.byObject, 0, 'no entry kept by object');
  const again = Array.from({ length: 1000 }, (_, i) => table.acquire(decode(cache, octets(i))));
  t.ok(again.every((e, i) => e === first[i]), 'the same set decoded again (a cache hit): the same entry');
  t.ok(first.every((e) => e.refs === 2), 'counted twice');
  t.equal(table.size, 1000);
  t.ok(first.every((e) => table.holds(e.attrs, e.slot)), 'held, asked with the number the cache keeps (as a sweep of the cache asks)');
  t.notOk(table.holds(first[0].attrs, first[1].slot), 'not with another set\'s number');
});

t.test('a slot given to another set after its entry went never stands for the first set', async (t) => {
  const cache = new AttributeCache();
  const table = new AttrTable(cache);
  const a = decode(cache, octets(1));
  const ea = table.acquire(a);
  const slot = ea.slot;
  table.release(ea);
  t.equal(table.size, 0);
  t.notOk(table.holds(a), 'released: not held');
  const b = decode(cache, octets(2));
  const eb = table.acquire(b);
  t.equal(eb.slot, slot, 'the slot is reused by another set');
  // The first set arrives again: the cache finds it with the slot it kept, which now names b's entry.
  const a2 = decode(cache, octets(1));
  t.equal(a2, a, 'the cache hands over the same object');
  const ea2 = table.acquire(a2);
  t.not(ea2, eb, 'not the other set\'s entry');
  t.equal(ea2.attrs, a);
  t.equal(table.acquire(decode(cache, octets(1))), ea2, 'and found through the cache from then on');
  t.equal(table.size, 2);
  t.equal(table.byObject, 0);
});

t.test('sets not just decoded are found by object; a set first kept by object is the same entry when decoded', async (t) => {
  const cache = new AttributeCache();
  const table = new AttrTable(cache);
  const made = { origin: 0, asPath: [], nextHop: 1 } as const;
  const e1 = table.acquire(made);
  t.equal(table.acquire(made), e1, 'a set made elsewhere: by object');
  t.equal(table.byObject, 1);
  // A decoded set given first when the cache named another (decoded just before something else).
  const a = decode(cache, octets(5));
  decode(cache, octets(6));
  const ea = table.acquire(a);
  t.equal(table.byObject, 2, 'kept by object');
  decode(cache, octets(5));
  t.equal(table.acquire(a), ea, 'then handed over by the decoder: the entry kept by object');
  t.equal(table.acquire(a), ea, 'and again');
  t.equal(ea.refs, 3);
  for (let i = 0; i < 3; i++) table.release(ea);
  t.equal(table.byObject, 1, 'gone from the map with its last user');
  t.notOk(table.holds(a));
});

t.test('an entry the caller already has is taken as it is, whatever the cache names', async (t) => {
  const cache = new AttributeCache();
  const table = new AttrTable(cache);
  const a = decode(cache, octets(9));
  const ea = table.acquire(a);
  decode(cache, octets(10));
  t.equal(table.acquire(a, ea), ea, 'the known entry');
  t.equal(ea.refs, 2);
  t.equal(table.size, 1, 'no second entry for the set');
  t.equal(table.byObject, 0);
  const other = { origin: 1, asPath: [], nextHop: 2 } as const;
  t.not(table.acquire(other, ea), ea, 'an entry for another set is not taken');
});

t.test('a RIB given the decode cache: UPDATEs decoded through it keep no entry by object; routes kept before policy and imported again take the entries they have (nothing sent again)', async (t) => {
  const cache = new AttributeCache();
  const rib = new Rib({ localAs: 65000, routerId: 0x0a000001, attributeCache: cache });
  const peer = (index: number, asn: number): ExportPeer => ({
    index, address: `192.0.2.${index}`, addressOctets: addressOctets(`192.0.2.${index}`), asn, bgpId: index, ibgp: false, local: false, rrClient: false,
    localAs: 65000, routerId: 0x0a000001, clusterId: 0x0a000001, localIpv4: 0x0a000001 + index * 256, localIpv6: undefined, nextHopSelf: false, tx: ctx, groupKey: `g${index}`,
  });
  const sent: Buffer[] = [];
  rib.peerUp(peer(1, 65001), { allowasIn: 0, localIpv4: undefined, keepAdjRibIn: true }, [0x101], () => true);
  rib.peerUp(peer(2, 65002), { allowasIn: 0, localIpv4: undefined }, [0x101], (msgs) => (sent.push(...msgs), true));
  // 200 sets of 5 prefixes each, as a peer sends them.
  for (let s = 0; s < 200; s++) {
    const prefixes = Array.from({ length: 5 }, (_, i) => [0, 24, (0x0b000000 + (s * 5 + i) * 256) >>> 0] as const);
    for (const frame of encodeAnnouncements(octets(s), nlriFrom(1, false, prefixes), ctx)) rib.applyUpdate(1, decodeMessage(frame, ctx, cache) as UpdateMessage);
  }
  rib.flushAll();
  t.equal(rib.v4.paths, 1000);
  t.equal(rib.attrs.size, 200, 'one entry a set');
  t.equal(rib.attrs.byObject, 0, 'none kept by object');
  const before = sent.length;
  t.ok(before > 0, 'the routes went out');
  t.ok(rib.reimport(1), 'imported again from the kept routes');
  rib.flushAll();
  t.equal(rib.attrs.size, 200, 'the same entries: no second one a set');
  t.equal(sent.length, before, 'nothing sent again: every route is as it was');
});

t.test('an external peer that sends LOCAL_PREF: its UPDATEs sharing a set share one entry (the set without it is made once)', async (t) => {
  const cache = new AttributeCache();
  const rib = new Rib({ localAs: 65000, routerId: 0x0a000001, attributeCache: cache });
  rib.peerUp({
    index: 1, address: '192.0.2.1', addressOctets: addressOctets('192.0.2.1'), asn: 65001, bgpId: 1, ibgp: false, local: false, rrClient: false,
    localAs: 65000, routerId: 0x0a000001, clusterId: 0x0a000001, localIpv4: 0x0a000101, localIpv6: undefined, nextHopSelf: false, tx: ctx, groupKey: 'g1',
  }, { allowasIn: 0, localIpv4: undefined }, [0x101], () => true);
  const set = encodePathAttributes({ origin: 0, asPath: asPathFrom([{ type: 2, asns: [65001] }]), nextHop: 0x0a000001, localPref: 300 }, ctx);
  for (let u = 0; u < 10; u++) {
    const prefixes = Array.from({ length: 5 }, (_, i) => [0, 24, (0x0b000000 + (u * 5 + i) * 256) >>> 0] as const);
    for (const frame of encodeAnnouncements(set, nlriFrom(1, false, prefixes), ctx)) rib.applyUpdate(1, decodeMessage(frame, ctx, cache) as UpdateMessage);
  }
  t.equal(rib.v4.paths, 50);
  t.equal(rib.attrs.size, 1, 'ten UPDATEs of one set: one entry');
  t.equal(rib.v4.best(rib.v4.trie.get(0x0b000000, 0, 0, 0, 24))?.entry.attrs.localPref, undefined, 'without the LOCAL_PREF');
});
