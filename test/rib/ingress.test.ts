// The ingress checks (ingress.ts) as a table: which routes a neighbor's UPDATE may bring in, and
// why not (RFC 4271 5.1.5, 6.3, 9.1.2; RFC 4456 8), each row one case an operator would name.
import t from 'tap';
import { AsPathSegmentType, type PathAttributes, asPathFrom } from '../../src/wire/index.js';
import { type IngressPeer, type PeerIngress, type RefusalReason, ingressAttrs, isPeerNextHop, ownNextHop, refusal } from '../../src/rib/ingress.js';
import { addressOctets } from '../../src/rib/path.js';

const self = { localAs: 64512, routerId: 0x0a000001, clusterId: 0x0a0000ff };
const seq = (...asns: number[]) => ({ type: AsPathSegmentType.AS_SEQUENCE, asns });

function neighbor(asn: number, ingress: Partial<PeerIngress> = {}): IngressPeer {
  const peer = { index: 1, address: '10.0.0.2', addressOctets: addressOctets('10.0.0.2'), asn, bgpId: 0x0a000002, ibgp: asn === self.localAs, local: false, rrClient: false };
  const refused: Record<RefusalReason, number> = { 'first-as': 0, 'next-hop': 0, exclusive: 0, loop: 0, 'path-limit': 0 };
  return { peer, ingress: { allowasIn: 0, localIpv4: 0x0a000001, ...ingress }, refused };
}

const rows: { name: string; from: IngressPeer; attrs: PathAttributes; want: RefusalReason | undefined }[] = [
  { name: 'eBGP, the peer\'s AS first', from: neighbor(65001, { enforceFirstAs: true }), attrs: { asPath: asPathFrom([seq(65001, 65002)]) }, want: undefined },
  { name: 'eBGP, another AS first (RFC 4271 6.3)', from: neighbor(65001, { enforceFirstAs: true }), attrs: { asPath: asPathFrom([seq(65002, 65001)]) }, want: 'first-as' },
  { name: 'eBGP, an empty path with first-as enforced', from: neighbor(65001, { enforceFirstAs: true }), attrs: { asPath: [] }, want: 'first-as' },
  { name: 'eBGP, another AS first, not enforced (a route server)', from: neighbor(65001), attrs: { asPath: asPathFrom([seq(65002)]) }, want: undefined },
  { name: 'eBGP, our AS in the path (RFC 4271 9.1.2)', from: neighbor(65001), attrs: { asPath: asPathFrom([seq(65001, 64512, 65003)]) }, want: 'loop' },
  { name: 'eBGP, our AS once with allowas-in 1', from: neighbor(65001, { allowasIn: 1 }), attrs: { asPath: asPathFrom([seq(65001, 64512)]) }, want: undefined },
  { name: 'eBGP, our AS twice with allowas-in 1', from: neighbor(65001, { allowasIn: 1 }), attrs: { asPath: asPathFrom([seq(65001, 64512, 64512)]) }, want: 'loop' },
  { name: 'iBGP, our router ID as ORIGINATOR_ID (RFC 4456 8)', from: neighbor(64512), attrs: { asPath: [], originatorId: self.routerId }, want: 'loop' },
  { name: 'iBGP, our cluster in CLUSTER_LIST (RFC 4456 8)', from: neighbor(64512), attrs: { asPath: [], clusterList: [1, self.clusterId] }, want: 'loop' },
  { name: 'iBGP, another reflector\'s cluster', from: neighbor(64512), attrs: { asPath: [], originatorId: 7, clusterList: [1, 2] }, want: undefined },
  { name: 'iBGP, our AS in the path is not an iBGP loop', from: neighbor(64512), attrs: { asPath: asPathFrom([seq(64512)]) }, want: undefined },
];

for (const r of rows) t.equal(refusal(r.from, r.attrs, self), r.want, r.name);

t.test('LOCAL_PREF from an external peer is ignored, from an internal one kept (RFC 4271 5.1.5)', async (t) => {
  const attrs: PathAttributes = { asPath: [], localPref: 300, med: 5 };
  t.same(ingressAttrs(neighbor(65001).peer, attrs), { asPath: [], med: 5 });
  t.equal(ingressAttrs(neighbor(64512).peer, attrs), attrs, 'the same object: nothing copied');
  t.equal(ingressAttrs(neighbor(65001).peer, attrs), ingressAttrs(neighbor(65002).peer, attrs), 'one copy per set: the UPDATEs sharing it share its entry');
});

t.test('next hops: none or our own address is unusable; the peer\'s own, IPv4 or IPv6 global or link-local', async (t) => {
  const ingress = neighbor(65001).ingress;
  t.ok(ownNextHop(ingress, 0), '0.0.0.0');
  t.ok(ownNextHop(ingress, 0x0a000001), 'our address on the session');
  t.notOk(ownNextHop(ingress, 0x0a000002), 'the peer\'s');
  const v6 = Buffer.from('fe800000000000000000000000000002', 'hex');
  const peer = { ipv4: 0x0a000002, ipv6: v6 };
  t.ok(isPeerNextHop(0x0a000002, peer));
  t.ok(isPeerNextHop(Buffer.from([10, 0, 0, 2]), peer), 'IPv4 as octets');
  t.notOk(isPeerNextHop(0x0a000003, peer));
  t.ok(isPeerNextHop(Buffer.concat([Buffer.from('20010db8000000000000000000000002', 'hex'), v6]), peer), 'global, then the peer\'s link-local');
  t.notOk(isPeerNextHop(Buffer.from('20010db8000000000000000000000002', 'hex'), peer), 'another global alone');
  t.notOk(isPeerNextHop(v6, { ipv4: undefined, ipv6: undefined }), 'no address of the peer known');
});
