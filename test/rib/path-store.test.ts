// The path store: rows in columns, read back as Path snapshots; peers and next-hop octets interned
// with counts; rows reused, and the columns back to their first size once empty.
import t from 'tap';
import { Path } from '../../src/rib/index.js';
import { PathStore } from '../../src/rib/path-store.js';
import { peer, table } from './helpers.js';

const A = peer('10.0.0.1', 65001, 1);
const entry = table.acquire({ origin: 0, asPath: [], nextHop: 1 });

t.test('a row reads back as the path it was given', async (t) => {
  const s = new PathStore();
  const nh = Buffer.from('20010db8000000000000000000000001', 'hex');
  const r1 = s.add(new Path(A, 7, entry, 0xc0a80001, 150, true, 1234));
  const r2 = s.add(new Path(A, 0xffffffff, entry, nh));
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
  const s = new PathStore();
  const octets = () => Buffer.from('fe800000000000000000000000000001', 'hex');
  const first = octets();
  const refs = [s.add(new Path(A, 0, entry, first)), s.add(new Path(A, 1, entry, first)), s.add(new Path(A, 2, entry, octets()))];
  t.equal(s.nextHopOctets, 1, 'three paths, two buffers, one address: one held');
  t.equal(s.view(refs[2]).nextHop, first, 'the path given another buffer reads the held one');
  s.remove(refs[0]);
  s.remove(refs[1]);
  t.equal(s.nextHopOctets, 1, 'still used by one path');
  const other = s.add(new Path(A, 3, entry, Buffer.from('fe800000000000000000000000000002', 'hex')));
  s.remove(refs[2]);
  t.equal(s.nextHopOctets, 1, 'the first address gone with its last path');
  t.equal((s.view(other).nextHop as Buffer).toString('hex'), 'fe800000000000000000000000000002');
});

t.test('a restarting peer: stale rows keep the session object they came with', async (t) => {
  const s = new PathStore();
  const before = s.add(new Path(A, 0, entry, 1));
  const again = { ...A, bgpId: 99 };
  const after = s.add(new Path(again, 1, entry, 1));
  t.equal(s.view(before).peer.bgpId, 1, 'the old session');
  t.equal(s.view(after).peer.bgpId, 99, 'the new one');
  t.equal(s.peerIndex(before), s.peerIndex(after), 'the same peer index');
});

t.test('rows are reused, grow past the first chunk, and the columns shrink back when empty', async (t) => {
  const s = new PathStore();
  const first = s.bytes;
  const refs: number[] = [];
  for (let i = 0; i < 5000; i++) refs.push(s.add(new Path(A, i, entry, i)));
  t.ok(s.bytes >= first * 4, 'grown in chunks');
  t.equal(s.view(refs[4321]).pathId, 4321, 'rows intact across growth');
  s.remove(refs[10]);
  t.equal(s.add(new Path(A, 9999, entry, 1)), refs[10], 'a freed row is reused');
  for (const r of refs) s.remove(r);
  t.equal(s.size, 0);
  t.equal(s.bytes, first, 'back to the first size');
  t.equal(s.add(new Path(A, 0, entry, 1)), 1, 'rows start over');
});
