// Weighted ECMP from link bandwidth communities (fib-bridge.ts): each next hop's share of the
// set's total bandwidth in hundredths (FRR zebra's arithmetic), at least 1; plain ECMP as soon as
// one path has none (or zero). With the codec of the community itself (wire).
import t from 'tap';
import { weighted } from '../../src/daemon/fib-bridge.js';
import { extendedCommunityJson, isLinkBandwidth, linkBandwidthCommunity, linkBandwidthOf } from '../../src/wire/index.js';

const nh = (last: number) => ({ gateway: Buffer.from([10, 0, 0, last]) });
const weights = (bws: (number | undefined)[]) => weighted(bws.map((_, i) => nh(i + 1)), bws).map((n) => n.weight ?? 1);

t.test('weights from bandwidths', async (t) => {
  const cases: [string, (number | undefined)[], number[]][] = [
    ['100 and 300 Mbps', [12.5e6, 37.5e6], [25, 75]],
    ['equal', [1e6, 1e6, 1e6], [33, 33, 33]],
    ['a tiny share still gets 1', [1, 1e9], [1, 99]],
    ['one path without: plain ECMP', [12.5e6, undefined], [1, 1]],
    ['a zero bandwidth: plain ECMP', [12.5e6, 0], [1, 1]],
  ];
  for (const [name, bws, want] of cases) t.same(weights(bws), want, name);
});

t.test('the community: both types read, ours written as FRR writes it', async (t) => {
  const c = linkBandwidthCommunity(64512, 25e6);
  t.same(c.map((x) => x.toString(16)), ['4fc00', '4bbebc20'], 'transitive (0x00), subtype 0x04, our AS, 200 Mbps as octets per second (IEEE float)');
  t.equal(linkBandwidthOf([c]), 25e6);
  const nonTransitive = linkBandwidthCommunity(64512, 25e6, false);
  t.equal(nonTransitive[0] >>> 24, 0x40, 'non-transitive: 0x40');
  t.equal(linkBandwidthOf([[0x00020000, 7], nonTransitive]), 25e6, 'the first link bandwidth of a list, another community before it');
  t.equal(linkBandwidthCommunity(4200000001, 1)[0] & 0xffff, 23456, 'a 4-octet AS: AS_TRANS');
  t.equal(linkBandwidthOf([[0x00020000, 7]]), undefined, 'none');
  // Hostile values read as no bandwidth (0), so the set falls back to plain ECMP.
  for (const [bits, name] of [[0x7fc00000, 'NaN'], [0x7f800000, 'infinity'], [0xbf800000, 'a negative bandwidth']] as const) {
    t.equal(linkBandwidthOf([[0x00040000 | 65001, bits]]), 0, `${name}: 0`);
  }
  t.same(weights([linkBandwidthOf([[0x00040000 | 65001, 0x7fc00000]]), 12.5e6]), [1, 1], 'a NaN beside a real one: plain ECMP');
  t.equal(linkBandwidthOf(undefined), undefined);
  t.notOk(isLinkBandwidth([0x00030000, 0]), 'route-origin is not');
  t.same(extendedCommunityJson(c), { type: 'link-bandwidth', value: '64512:200000000', hex: '0004fc004bbebc20' }, 'shown in bits per second');
});
