// Paths as a monitor shows them (path-updates.ts, BMP post-policy and Loc-RIB): grouped by
// attribute set and next hop, an IPv4 next hop in NEXT_HOP, an IPv6 one (RFC 8950 for IPv4
// prefixes) in MP_REACH_NLRI, withdrawals of what is gone, ADD-PATH identifiers when asked.
import t from 'tap';
import { LocRib, LocRibFeed, Path, encodePathItems, pathsFromUpdates } from '../../src/rib/index.js';
import { type UpdateMessage, afiSafiKey, decodeMessage, makeContext, nlriFrom, asPathFrom } from '../../src/wire/index.js';
import { peer, seq, table } from './helpers.js';

const ctx = makeContext({ extendedMessage: true });
const from = peer('192.0.2.1', 65001, 1);
const v6nh = Buffer.from('20010db8000000000000000000000001', 'hex');

t.test('IPv4 prefixes through an IPv4 and an IPv6 next hop; a withdrawal; one attribute set, two UPDATEs', async (t) => {
  const rib = new LocRib(32, table, { changed: () => {} });
  const entry = table.acquire({ origin: 0, asPath: asPathFrom([seq(65001)]), nextHop: 0xc0000201 });
  rib.announce(0x0a000000, 0, 0, 0, 24, new Path(from, 0, entry, 0xc0000201, 0));
  rib.announce(0x0a010000, 0, 0, 0, 24, new Path(from, 0, entry, v6nh, 0));
  const n = (w: number) => rib.trie.get(w, 0, 0, 0, 24);
  const items = [{ node: n(0x0a000000), id: 0, path: rib.best(n(0x0a000000))! }, { node: n(0x0a010000), id: 0, path: rib.best(n(0x0a010000))! }];
  const msgs = encodePathItems(1, rib, ctx, false, items, nlriFrom(1, false, [[0, 24, 0x0a020000]]).words).map((m) => decodeMessage(m, ctx) as UpdateMessage);
  t.equal(msgs.length, 3, 'a withdrawal, then one UPDATE per next hop');
  t.equal(msgs[0].withdrawn.words[2], 0x0a020000, 'the withdrawal');
  const v4 = msgs.find((m) => m.nlri.words.length > 0)!;
  t.equal(v4.attributes!.nextHop, 0xc0000201, 'IPv4 next hop in NEXT_HOP');
  const v6 = msgs.find((m) => m.mpReach)!;
  t.same([v6.mpReach!.nlri!.afi, v6.mpReach!.nextHop.toString('hex'), v6.mpReach!.nlri!.words[2]], [1, v6nh.toString('hex'), 0x0a010000], 'RFC 8950: IPv4 prefix, IPv6 next hop in MP_REACH_NLRI');
  t.equal(v6.attributes!.nextHop, undefined, 'and no NEXT_HOP');
});

t.test('a neighbor\'s paths for the prefixes of an UPDATE: with ADD-PATH by identifier, what it lacks withdrawn', async (t) => {
  const rib = new LocRib(32, table, { changed: () => {} });
  const entry = table.acquire({ origin: 0, asPath: asPathFrom([seq(65001)]), nextHop: 0xc0000201 });
  rib.announce(0x0a000000, 0, 0, 0, 24, new Path(from, 7, entry, 0xc0000201, 0));
  const addPath = makeContext({ addPath: new Set([afiSafiKey(1, 1)]) });
  const words = nlriFrom(1, true, [[7, 24, 0x0a000000], [8, 24, 0x0a000000]]).words;
  const msgs = pathsFromUpdates(1, rib, 1, words, true, addPath).map((m) => decodeMessage(m, addPath) as UpdateMessage);
  t.same(msgs.flatMap((m) => [...m.withdrawn.words]), [8, 24, 0x0a000000], 'identifier 8 is not held: withdrawn');
  t.same(msgs.flatMap((m) => [...m.nlri.words]), [7, 24, 0x0a000000], 'identifier 7 announced');
});

t.test('the Loc-RIB feed: an UPDATE that is itself the change leaves nothing queued; one that is not, stays', async (t) => {
  const feed: { f?: LocRibFeed } = {};
  const rib = new LocRib(32, table, { changed: (node) => feed.f?.changed(node) });
  feed.f = new LocRibFeed(1, rib);
  const other = peer('192.0.2.2', 65002, 2);
  const entry = table.acquire({ origin: 0, asPath: asPathFrom([seq(65001)]), nextHop: 0xc0000201 });
  const longer = table.acquire({ origin: 0, asPath: asPathFrom([seq(65002, 1, 2)]), nextHop: 0xc0000202 });
  rib.announce(0x0a000000, 0, 0, 0, 24, new Path(from, 0, entry, 0xc0000201, 0));
  rib.announce(0x0a010000, 0, 0, 0, 24, new Path(from, 0, entry, 0xc0000201, 0));
  rib.announce(0x0a020000, 0, 0, 0, 24, new Path(other, 0, longer, 0xc0000202, 0));
  t.equal(feed.f.pending, 3, 'three prefixes changed');
  const ours = nlriFrom(1, false, [[0, 24, 0x0a000000], [0, 24, 0x0a010000]]).words;
  t.ok(feed.f.asReceived(1, ours, true), 'neighbor 1\'s UPDATE of two prefixes: both have its path as best');
  t.notOk(feed.f.asReceived(2, ours, true), 'not neighbor 2\'s');
  t.notOk(feed.f.asReceived(1, ours, false), 'as withdrawals it is not: they have a best path');
  t.notOk(feed.f.asReceived(1, nlriFrom(1, false, [[0, 24, 0x0a020000]]).words, true), 'a prefix whose best is another neighbor\'s');
  t.ok(feed.f.asReceived(1, nlriFrom(1, false, [[0, 24, 0x0a090000]]).words, false), 'a prefix with no route at all: a withdrawal as it says');
  feed.f.reported(ours);
  t.equal(feed.f.pending, 1, 'the reported prefixes leave the queue');
  const msgs = feed.f.take(ctx).map((m) => decodeMessage(m, ctx) as UpdateMessage);
  t.same(msgs.flatMap((m) => [...m.nlri.words]), [0, 24, 0x0a020000], 'the rest is encoded as before');
  t.equal(rib.trie.get(0x0a000000, 0, 0, 0, 24) !== 0, true, 'nothing held is leaked or freed early');
});

t.test('the Loc-RIB feed\'s quick answer: the changes since the last question, in the UPDATE\'s order', async (t) => {
  const feed: { f?: LocRibFeed } = {};
  const rib = new LocRib(32, table, { changed: (node) => feed.f?.changed(node) });
  const f = (feed.f = new LocRibFeed(1, rib));
  const attrs = { origin: 0, asPath: asPathFrom([seq(65001)]), nextHop: 0xc0000201 } as const;
  // Each path takes over one reference of its set, as the RIB's own announcements do.
  const announce = (w: number) => rib.announce(w, 0, 0, 0, 24, new Path(from, 0, table.acquire(attrs), 0xc0000201, 0));
  const block = (announced: boolean, ...ws: number[]) => ({ afi: 1 as const, words: nlriFrom(1, false, ws.map((w) => [0, 24, w])).words, announced });
  const v6 = { afi: 2 as const, words: nlriFrom(2, false, [[0, 64, 0x20010db8, 0]]).words, announced: true };
  announce(0x0a000000);
  announce(0x0a010000);
  t.ok(f.tailAsReceived(1, [block(true, 0x0a000000, 0x0a010000)]), 'the two changes are the UPDATE\'s two prefixes');
  t.notOk(f.tailAsReceived(1, [block(true, 0x0a010000, 0x0a000000)]), 'not in another order');
  t.notOk(f.tailAsReceived(1, [block(true, 0x0a000000)]), 'nor one of them alone');
  t.notOk(f.tailAsReceived(2, [block(true, 0x0a000000, 0x0a010000)]), 'nor another neighbor\'s');
  t.ok(f.tailAsReceived(1, [v6, block(true, 0x0a000000, 0x0a010000)]), 'another family\'s block is not this feed\'s to check');
  f.dropTail();
  f.markAsked();
  t.equal(f.pending, 0, 'dropped: nothing left to encode');
  announce(0x0a020000); // a change the next UPDATE did not make
  f.markAsked();
  announce(0x0a030000);
  t.ok(f.tailAsReceived(1, [block(true, 0x0a030000)]), 'after the question, only later changes count');
  f.dropTail();
  f.markAsked();
  t.equal(f.pending, 1, 'the earlier change stays queued');
  rib.withdraw(0x0a000000, 0, 0, 0, 24, from, 0);
  t.ok(f.tailAsReceived(1, [block(false, 0x0a000000)]), 'a withdrawal that left no best');
  f.dropTail();
  f.markAsked();
  t.equal(rib.trie.get(0x0a000000, 0, 0, 0, 24), 0, 'its node is let go once dropped');
  t.same(f.take(ctx).map((m) => [...(decodeMessage(m, ctx) as UpdateMessage).nlri.words]), [[0, 24, 0x0a020000]], 'take encodes what is left');
});
