// The AS path as one array (as-path.ts): its layout, and each reader of it against the segments it
// stands for. RFC 4271 4.3/9.1.2.2, RFC 5065 5.3, RFC 6793.
import t from 'tap';
import {
  type AsPathSegment, AsPathSegmentType as S, Reader, Writer, asPathFrom, asPathLength, asPathsEqual, asPathSegments, asPathText, asSequence, countAs,
  decodeAsPath, encodeAsPath, lastSegment, leadingAs, needsAs4, neighborAs, prependAs, withoutConfederation,
} from '../../src/wire/index.js';

const seg = (type: AsPathSegment['type'], ...asns: number[]): AsPathSegment => ({ type, asns });
const MIXED = asPathFrom([seg(S.AS_CONFED_SEQUENCE, 65100), seg(S.AS_SEQUENCE, 65001, 4200000001), seg(S.AS_SET, 65003, 65004)]);

function roundTrip(path: readonly number[], as4: boolean): readonly number[] {
  const w = new Writer(64);
  encodeAsPath(w, path, as4);
  const octets = w.finish();
  return decodeAsPath(new Reader(octets, 0, octets.length), as4);
}

t.test('layout: each segment is its type, its count, then its ASNs', async (t) => {
  t.same(MIXED, [S.AS_CONFED_SEQUENCE, 1, 65100, S.AS_SEQUENCE, 2, 65001, 4200000001, S.AS_SET, 2, 65003, 65004]);
  t.same(asPathSegments(MIXED), [seg(S.AS_CONFED_SEQUENCE, 65100), seg(S.AS_SEQUENCE, 65001, 4200000001), seg(S.AS_SET, 65003, 65004)]);
  t.same(asPathFrom([seg(S.AS_SEQUENCE), seg(S.AS_SET, 1)]), [S.AS_SET, 1, 1], 'an empty segment is dropped (never sent: RFC 7606 7.2)');
  t.same(asSequence(), [], 'no ASNs, no segment');
  t.same(roundTrip(MIXED, true), MIXED, 'decoded as encoded, 4-octet');
  t.same(roundTrip(asSequence(65001, 4200000001), false), asSequence(65001, 23456), '2-octet: AS_TRANS for a 4-octet ASN');
});

t.test('a segment longer than 255 ASNs goes out as several of its type', async (t) => {
  const long = asSequence(...Array.from({ length: 300 }, (_, i) => 64512 + i));
  const back = asPathSegments(roundTrip(long, true));
  t.same(back.map((s) => [s.type, s.asns.length]), [[S.AS_SEQUENCE, 255], [S.AS_SEQUENCE, 45]]);
  t.equal(asPathLength(long), 300);
});

t.test('readers', async (t) => {
  t.equal(asPathLength(MIXED), 3, 'a sequence counts its ASNs, a set one, a confederation segment none');
  t.equal(asPathLength(undefined), 0);
  t.equal(leadingAs(MIXED), undefined, 'RFC 4271 6.3: the first segment is not an AS_SEQUENCE');
  t.equal(leadingAs(asSequence(65001, 65002)), 65001);
  t.equal(leadingAs([]), undefined);
  t.equal(neighborAs(MIXED), 65001, 'the neighbouring AS skips confederation segments (RFC 5065 5.3)');
  t.equal(neighborAs(asPathFrom([seg(S.AS_SET, 65003), seg(S.AS_SEQUENCE, 65001)])), 0, 'an AS_SET first: none');
  t.equal(countAs(asPathFrom([seg(S.AS_SEQUENCE, 64512, 65001, 64512), seg(S.AS_SET, 64512)]), 64512), 3, 'in every segment');
  t.equal(lastSegment(MIXED), 7);
  t.equal(lastSegment([]), -1);
  t.equal(needsAs4(MIXED), true);
  t.equal(needsAs4(asSequence(65001, 65535)), false);
  t.same(withoutConfederation(MIXED), asPathFrom([seg(S.AS_SEQUENCE, 65001, 4200000001), seg(S.AS_SET, 65003, 65004)]));
  t.equal(asPathText(MIXED), '(65100) 65001 4200000001 {65003,65004}');
  t.ok(asPathsEqual(MIXED, asPathFrom(asPathSegments(MIXED))) && !asPathsEqual(MIXED, withoutConfederation(MIXED)), 'equal paths: the same segments');
});

t.test('prepending', async (t) => {
  t.same(prependAs(asSequence(65001), [64512, 64512]), asSequence(64512, 64512, 65001), 'joined to a leading sequence');
  t.same(prependAs([], [64512]), asSequence(64512));
  t.same(prependAs(MIXED, [64512]), [S.AS_SEQUENCE, 1, 64512, ...MIXED], 'before a confederation segment: a sequence of its own');
  const full = asSequence(...Array.from({ length: 255 }, (_, i) => 64512 + i));
  t.same(asPathSegments(prependAs(full, [65000])).map((s) => s.asns.length), [1, 255], 'a full sequence is not grown past 255');
  const path = asSequence(65001);
  t.equal(prependAs(path, []), path, 'nothing to prepend: the same path');
});
