// The path store: rows in columns, read back as Path snapshots; peers and next-hop octets interned
// with counts; rows reused, and the columns back to their first size once empty.
import t from 'tap';
import { Path } from '../../src/rib/index.js';
import { PathStore } from '../../src/rib/path-store.js';
import { peer, table } from './helpers.js';

const A = peer('10.0.0.1', 65001, 1);
const attrs = { origin: 0, asPath: [], nextHop: 1 } as const;
const entry = table.acquire(attrs);
/** One more reference of the set: a row takes over one, and gives it back when removed. */
const held = () => table.acquire(attrs);

t.test('a row reads back as the path it was given', async (t) => {
  const s = new PathStore(table);
  const nh = Buffer.from('20010db8000000000000000000000001', 'hex');
  const r1 = s.add(new Path(A, 7, held(), 0xc0a80001, 150, true, 1234));
  const r2 = s.add(new Path(A, 0xffffffff, held(), nh));
  t.not(r1, 0, 'row 0 is none');
  t.same(s.view(r1), new Path(A, 7, entry, 0xc0a80001, 150, true, 1234), 'an IPv4 next hop above 2^31, weight, stale, time');
  t.equal(s.view(r1).peer, A, 'the peer object itself');
  t.equal(s.view(r2).pathId, 0xffffffff, 'a path id of 32 bits');
  t.ok((s.view(r2).nextHop as Buffer).equals(nh), 'next-hop octets');
  t.equal(s.size, 2);
  s.setStale(r2);
  t.equal(s.view(r2).stale, true, 'marked stale in place');
});

t.test('next-hop octets are held once per address, and let go with their last path', async (t) => {
  const s = new PathStore(table);
  const octets = () => Buffer.from('fe800000000000000000000000000001', 'hex');
  const first = octets();
  const refs = [s.add(new Path(A, 0, held(), first)), s.add(new Path(A, 1, held(), first)), s.add(new Path(A, 2, held(), octets()))];
  t.equal(s.nextHopOctets, 1, 'three paths, two buffers, one address: one held');
  t.equal(s.view(refs[2]).nextHop, first, 'the path given another buffer reads the held one');
  s.remove(refs[0]);
  s.remove(refs[1]);
  t.equal(s.nextHopOctets, 1, 'still used by one path');
  const other = s.add(new Path(A, 3, held(), Buffer.from('fe800000000000000000000000000002', 'hex')));
  s.remove(refs[2]);
  t.equal(s.nextHopOctets, 1, 'the first address gone with its last path');
  t.equal((s.view(other).nextHop as Buffer).toString('hex'), 'fe800000000000000000000000000002');
});

t.test('a restarting peer: stale rows keep the session object they came with', async (t) => {
  const s = new PathStore(table);
  const before = s.add(new Path(A, 0, held(), 1));
  const again = { ...A, bgpId: 99 };
  const after = s.add(new Path(again, 1, held(), 1));
  t.equal(s.view(before).peer.bgpId, 1, 'the old session');
  t.equal(s.view(after).peer.bgpId, 99, 'the new one');
  t.equal(s.peerIndex(before), s.peerIndex(after), 'the same peer index');
});

t.test('rows are reused, grow past the first chunk, and the columns shrink back when empty', async (t) => {
  const s = new PathStore(table);
  const first = s.bytes;
  const refs: number[] = [];
  for (let i = 0; i < 5000; i++) refs.push(s.add(new Path(A, i, held(), i)));
  t.ok(s.bytes >= first * 4, 'grown in chunks');
  t.equal(s.view(refs[4321]).pathId, 4321, 'rows intact across growth');
  s.remove(refs[10]);
  t.equal(s.add(new Path(A, 9999, held(), 1)), refs[10], 'a freed row is reused');
  for (const r of refs) s.remove(r);
  t.equal(s.size, 0);
  t.equal(s.bytes, first, 'back to the first size');
  t.equal(s.add(new Path(A, 0, held(), 1)), 1, 'rows start over');
});

t.test('the columns linking a prefix\'s candidates are made only once some prefix gets a list, and go when the store empties', async (t) => {
  const s = new PathStore(table);
  const refs: number[] = [];
  for (let i = 0; i < 3000; i++) refs.push(s.add(new Path(A, 0, held(), i)));
  const single = s.bytes;
  s.ensureLinks();
  t.equal(s.bytes, single * (35 / 27), 'two columns of four octets a row more (27 -> 35 a row)');
  s.setInPrefix(refs[0], refs[1], refs[1]);
  s.setInPrefix(refs[1], refs[0], refs[0]);
  t.equal(s.afterInPrefix(refs[0]), refs[1]);
  for (let i = 0; i < 3000; i++) refs.push(s.add(new Path(A, 0, held(), i)));
  t.equal(s.beforeInPrefix(refs[1]), refs[0], 'links kept across growth');
  t.equal(s.afterInPrefix(refs[5000]), 0, 'a new row is linked to nothing');
  for (const r of refs) s.remove(r);
  t.equal(s.bytes, new PathStore(table).bytes, 'empty: the first size, without the links');
});

t.test('path ids and weights take a column each only once some path has one', async (t) => {
  const s = new PathStore(table);
  const refs: number[] = [];
  for (let i = 0; i < 3000; i++) refs.push(s.add(new Path(A, 0, held(), i)));
  const plain = s.bytes;
  refs.push(s.add(new Path(A, 0, held(), 1, 300)));
  t.equal(s.bytes, plain * (31 / 27), 'a weight: one column of four octets a row more');
  refs.push(s.add(new Path(A, 7, held(), 1)));
  t.equal(s.bytes, plain * (35 / 27), 'a path id: another');
  t.equal(s.view(refs[3000]).weight, 300);
  t.equal(s.view(refs[3001]).pathId, 7);
  t.equal(s.pathId(refs[3001]), 7);
  t.equal(s.view(refs[5]).weight, 0, 'rows from before read 0');
  t.equal(s.view(refs[5]).pathId, 0);
  for (let i = 0; i < 3000; i++) refs.push(s.add(new Path(A, i + 1, held(), i, -i)));
  t.equal(s.view(refs.at(-1)!).weight, -2999, 'kept across growth');
  t.equal(s.pathId(refs.at(-1)!), 3000);
  s.remove(refs[3001]);
  t.equal(s.view(s.add(new Path(A, 0, held(), 1))).pathId, 0, 'a reused row reads its own id, not the last one');
  for (const r of refs) if (r !== refs[3001]) s.remove(r);
  s.remove(refs[3001]);
  t.equal(s.bytes, new PathStore(table).bytes, 'empty: the first size, without either column');
});

t.test('a row names its attribute set by the table\'s slot: slots of released sets are reused, rows read their own', async (t) => {
  const s = new PathStore(table);
  const one = table.acquire({ origin: 0, asPath: [], nextHop: 11 });
  const two = table.acquire({ origin: 1, asPath: [], nextHop: 12 });
  const r2 = s.add(new Path(A, 0, two, 1));
  const slot = one.slot;
  t.not(slot, 0, 'a held set has a slot');
  table.release(one);
  t.equal(one.slot, 0, 'released: no slot');
  const three = table.acquire({ origin: 2, asPath: [], nextHop: 13 });
  t.equal(three.slot, slot, 'the free slot is reused');
  const r3 = s.add(new Path(A, 1, three, 1));
  table.acquire(three.attrs); // the next row's reference
  t.equal(s.entry(r2), two, 'the other row reads its own set');
  t.equal(s.view(r3).entry, three, 'the new row reads the set now in the slot');
  t.ok(s.sameSource(r3, s.add(new Path(A, 1, three, 1))), 'same set, peer and next hop: same source');
  t.notOk(s.sameSource(r2, r3), 'another set: another source');
  const attrs4 = { origin: 0, asPath: [], nextHop: 14 } as const;
  const four = table.acquire(attrs4);
  s.remove(s.add(new Path(A, 2, four, 1)));
  t.equal(four.slot, 0, 'removing its only row released the set the row took over');
  t.notOk(table.holds(attrs4), 'and the table let it go');
});

t.test('peer ids take two octets a row until a peer needs more: the column widens, rows keep their peers', async (t) => {
  const s = new PathStore(table);
  const refs: number[] = [];
  const peers: ReturnType<typeof peer>[] = [];
  for (let i = 0; i < 3000; i++) refs.push(s.add(new Path(A, 0, held(), i)));
  // 65,536 other peers at once, each with one path: the last one's id is past two octets.
  for (let i = 0; i < 0x10000; i++) {
    const p = peer('10.1.0.1', 65002, i + 2);
    peers.push(p);
    refs.push(s.add(new Path(p, 0, held(), 1)));
  }
  t.equal(s.peer(refs[0]), A, 'the first rows still read their peer');
  t.equal(s.peer(refs[3000 + 0xfffe]), peers[0xfffe], 'a peer whose id fits two octets');
  t.equal(s.peer(refs.at(-1)!), peers.at(-1), 'the peer whose id needs four');
  t.equal(s.peerIndex(refs.at(-1)!), peers.at(-1)!.index);
  const one = new PathStore(table);
  const oneRefs = refs.map((_, i) => one.add(new Path(A, 0, held(), i)));
  t.equal(s.bytes * 27, one.bytes * 29, 'as many rows from one peer take 27 octets a row; these 29 (the peer column at four)');
  for (const r of oneRefs) one.remove(r);
  for (const r of refs) s.remove(r);
  t.equal(s.size, 0);
  t.equal(s.add(new Path(A, 0, held(), 1)), 1, 'rows start over');
  t.equal(s.peer(1), A);
});
