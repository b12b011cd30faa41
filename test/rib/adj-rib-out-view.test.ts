// A peer's Adj-RIB-Out as BMP shows it (RFC 8671): the pre-policy view follows every prefix the
// Adj-RIB-Out reconsiders, ignores the export route-map but keeps the protocol's rules, withdraws
// what goes (per path identifier with ADD-PATH), starts full when watched late; the dump of either
// view is what the view holds, a page at a time.
import t from 'tap';
import { type ExportPeer, type RouteMap, Rib, RibQuery, addressOctets } from '../../src/rib/index.js';
import { type CodecContext, type UpdateMessage, afiSafiKey, decodeMessage, endOfRib, makeContext, nlriFrom, asPathFrom } from '../../src/wire/index.js';

const plain = makeContext();
const addPath = makeContext({ addPath: new Set([afiSafiKey(1, 1)]) });

/** Denies what peer 3 sent; sets a community on the rest. */
const OUT: RouteMap = {
  name: 'OUT',
  entries: [
    { seq: 10, action: 'deny', match: { sourcePeer: '192.0.2.3' }, set: {} },
    { seq: 20, action: 'permit', match: {}, set: { community: { replace: [0xfc000064] } } },
  ],
};

function exportPeer(index: number, asn: number, over: Partial<ExportPeer> = {}): ExportPeer {
  const address = `192.0.2.${index}`;
  return {
    index, address, addressOctets: addressOctets(address), asn, bgpId: index, ibgp: false, local: false, rrClient: false,
    localAs: 65000, routerId: 0x0a000001, clusterId: 0x0a000001, localIpv4: 0x0a000001 + index * 256, localIpv6: undefined,
    nextHopSelf: false, tx: plain, groupKey: `g${index}`, ...over,
  };
}

const P = (n: number): [number, number, number] => [0, 24, 0x0a000000 + n * 256];

function setup(watched: ExportPeer, watchFirst = true) {
  const rib = new Rib({ localAs: 65000, routerId: 0x0a000001 });
  const query = new RibQuery(rib);
  const pre: UpdateMessage[] = [];
  const sent: UpdateMessage[] = [];
  const decode = (m: Buffer, ctx: CodecContext) => decodeMessage(m, ctx) as UpdateMessage;
  const watch = () => query.watchPrePolicyOut((index, _afi, msgs) => {
    if (index === watched.index) for (const m of msgs) pre.push(decode(m, watched.tx));
  });
  if (watchFirst) watch();
  for (const p of [exportPeer(2, 65002), exportPeer(3, 65003)]) rib.peerUp(p, { allowasIn: 0, localIpv4: p.localIpv4 }, [0x101], () => true);
  rib.peerUp(watched, { allowasIn: 0, localIpv4: watched.localIpv4 }, [0x101], (msgs) => {
    for (const m of msgs) sent.push(decode(m, watched.tx));
    return true;
  });
  const announce = (from: number, prefixes: [number, number, number][], asns: number[], pathId = 0) => rib.applyUpdate(from, {
    type: 'update', withdrawn: nlriFrom(1, false, []), attributes: { origin: 0, nextHop: 0xc0000200 + from, asPath: asPathFrom([{ type: 2, asns }]) } as never,
    nlri: nlriFrom(1, false, prefixes.map(([, l, a]) => [pathId, l, a])),
  });
  const withdraw = (from: number, prefixes: [number, number, number][]) => rib.applyUpdate(from, { type: 'update', withdrawn: nlriFrom(1, false, prefixes.map(([, l, a]) => [0, l, a])), attributes: null, nlri: nlriFrom(1, false, []) });
  return { rib, query, pre, sent, announce, withdraw, watch };
}

/** [prefix, path id] announced and withdrawn in a list of UPDATEs. */
function seen(list: UpdateMessage[], ctx: CodecContext) {
  const st = 3;
  const read = (words: Uint32Array) => {
    const out: string[] = [];
    for (let b = 0; b < words.length; b += st) out.push(`${(words[b + 2] >>> 8) & 0xff}${ctx.addPath.size ? `#${words[b]}` : ''}`);
    return out;
  };
  const ups = list.filter((m) => endOfRib(m) === undefined);
  return { announced: ups.flatMap((m) => read(m.nlri.words)).sort(), withdrawn: ups.flatMap((m) => read(m.withdrawn.words)).sort(), updates: ups };
}

t.test('pre-policy: what the protocol lets out, whatever the route-map says; post-policy: what went', async (t) => {
  const me = exportPeer(4, 65004, { exportMap: OUT });
  const { rib, query, pre, sent, announce, withdraw } = setup(me);
  announce(2, [P(1), P(2)], [65002]);
  announce(3, [P(3)], [65003]);
  announce(2, [P(5)], [65002, 65004]); // holds the peer's own AS: never sent to it (RFC 4271 9.1.2)
  rib.flushAll();
  t.same(seen(sent, plain).announced, ['1', '2'], 'sent: the route-map denies what peer 3 sent');
  t.same(seen(pre, plain).announced, ['1', '2', '3'], 'pre-policy: peer 3\'s route too, not the one holding the peer\'s AS');
  const preAttrs = seen(pre, plain).updates[0].attributes!;
  t.same(preAttrs.asPath, asPathFrom([{ type: 2, asns: [65000, 65002] }]), 'in the form it would go out: our AS prepended');
  t.equal(preAttrs.nextHop, me.localIpv4, 'our address as next hop');
  t.equal(preAttrs.communities, undefined, 'without what the policy sets');
  t.same(seen(sent, plain).updates[0].attributes!.communities, [0xfc000064], 'which the sent form has');
  t.same(query.outCounts(4), { pre: 3, post: 2 }, 'counts of both views (RFC 8671 6.2)');

  pre.length = 0;
  withdraw(3, [P(3)]);
  withdraw(2, [P(1)]);
  rib.flushAll();
  t.same(seen(pre, plain).withdrawn, ['1', '3'], 'a route that goes is withdrawn from the pre-policy view');
  t.same(query.outCounts(4), { pre: 1, post: 1 });

  // The dump: what each view holds now, paged.
  announce(2, [P(6), P(7)], [65002]);
  rib.flushAll();
  const page1 = query.outUpdates(4, 1, 'pre-policy', {}, 3)!;
  t.ok(page1.last, 'a full page says where the next one starts');
  const page2 = query.outUpdates(4, 1, 'pre-policy', { after: page1.last! }, 3)!;
  t.equal(page2.last, undefined, 'the last page says so');
  const dumped = seen([...page1.updates, ...page2.updates].map((m) => decodeMessage(m, plain) as UpdateMessage), plain);
  t.same(dumped.announced, ['2', '6', '7'], 'pre-policy dump');
  const post = query.outUpdates(4, 1, 'post-policy', {}, 100)!;
  const postSeen = seen(post.updates.map((m) => decodeMessage(m, plain) as UpdateMessage), plain);
  t.same(postSeen.announced, ['2', '6', '7'], 'post-policy dump');
  t.same(postSeen.updates[0].attributes!.communities, [0xfc000064], 'as sent');
});

t.test('a peer whose export policy denies everything: the pre-policy view still holds the table', async (t) => {
  const { rib, pre, sent, announce, query } = setup(exportPeer(4, 65004, { exportMap: 'deny' }));
  announce(2, [P(1), P(2)], [65002]);
  rib.flushAll();
  t.same(seen(sent, plain).announced, [], 'nothing sent');
  t.same(seen(pre, plain).announced, ['1', '2'], 'both routes before policy');
  t.same(query.outCounts(4), { pre: 2, post: 0 });
});

t.test('ADD-PATH send: the pre-policy view holds every path by our identifier, withdraws one that goes', async (t) => {
  const me = exportPeer(4, 65004, { tx: addPath, addPathSend: 'all', exportMap: OUT });
  const { rib, pre, sent, announce, withdraw } = setup(me);
  announce(2, [P(1)], [65002]);
  announce(3, [P(1)], [65003]);
  rib.flushAll();
  const pa = seen(pre, addPath).announced;
  t.equal(pa.length, 2, `two paths of the prefix before policy (${pa})`);
  t.equal(seen(sent, addPath).announced.length, 1, 'one after: the route-map denies peer 3\'s');
  pre.length = 0;
  withdraw(3, [P(1)]);
  rib.flushAll();
  const w = seen(pre, addPath).withdrawn;
  t.equal(w.length, 1, 'one path withdrawn');
  t.ok(pa.includes(w[0]), 'by the identifier it was announced with');
});

t.test('watched after the session is up: the view starts full, with no messages, and follows from there', async (t) => {
  const { rib, pre, announce, withdraw, watch, query } = setup(exportPeer(4, 65004), false);
  announce(2, [P(1), P(2)], [65002]);
  rib.flushAll();
  t.equal(query.outUpdates(4, 1, 'pre-policy', {}, 10), undefined, 'no pre-policy view while nobody watches');
  watch();
  t.same(pre, [], 'nothing sent at the start (a collector gets the dump)');
  t.same(query.outCounts(4), { pre: 2, post: 2 });
  withdraw(2, [P(1)]);
  rib.flushAll();
  t.same(seen(pre, plain).withdrawn, ['1'], 'a route held since before the watch is withdrawn');
  query.watchPrePolicyOut(() => {});
  rib.watchPrePolicyOut(undefined);
  t.equal(query.outCounts(4).pre, undefined, 'unwatched: the view is dropped');
});
