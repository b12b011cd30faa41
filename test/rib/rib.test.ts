// The RIB end to end without sockets: ingress checks, export rules and transforms, UPDATE
// packing and batching, End-of-RIB, and a peer that cannot take more output.
import { readFileSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import t from 'tap';
import { type ExportPeer, Rib, RibQuery, addressOctets } from '../../src/rib/index.js';
import { sameForm } from '../../src/rib/export.js';
import {
  type UpdateMessage, DEFAULT_CONTEXT, WellKnownCommunity, decodeMessage, endOfRib, linkBandwidthCommunity, nlriCount, nlriFrom, nlriToText, makeContext, asPathFrom, asPathSegments
} from '../../src/wire/index.js';

const ctx = makeContext();
function exportPeer(index: number, address: string, asn: number, over: Partial<ExportPeer> = {}): ExportPeer {
  return {
    index, address, addressOctets: addressOctets(address), asn, bgpId: index, ibgp: asn === 65000, local: false, rrClient: false,
    localAs: 65000, routerId: 0x0a000001, clusterId: 0x0a000001, localIpv4: 0x0a000001 + index * 256, localIpv6: undefined,
    nextHopSelf: false, tx: ctx, groupKey: `g${index}`, ...over,
  };
}

function setup(peers: ExportPeer[], accept: (i: number) => boolean = () => true, families = [0x101]) {
  const rib = new Rib({ localAs: 65000, routerId: 0x0a000001 });
  const sent = new Map<number, UpdateMessage[]>();
  for (const p of peers) {
    sent.set(p.index, []);
    rib.peerUp(p, { allowasIn: p.index === 9 ? 1 : 0, localIpv4: p.localIpv4 }, families, (msgs) => {
      for (const m of msgs) sent.get(p.index)!.push(decodeMessage(m, DEFAULT_CONTEXT) as UpdateMessage);
      return accept(p.index);
    });
  }
  const announce = (from: number, prefixes: number[][], attrs: Record<string, unknown>) =>
    rib.applyUpdate(from, { type: 'update', withdrawn: nlriFrom(1, false, []), attributes: { origin: 0, nextHop: 0xc0000201, ...attrs } as never, nlri: nlriFrom(1, false, prefixes.map(([a, l]) => [0, l, a])) });
  const withdraw = (from: number, prefixes: number[][]) =>
    rib.applyUpdate(from, { type: 'update', withdrawn: nlriFrom(1, false, prefixes.map(([a, l]) => [0, l, a])), attributes: null, nlri: nlriFrom(1, false, []) });
  return { rib, sent, announce, withdraw };
}

const updates = (list: UpdateMessage[]) => list.filter((m) => endOfRib(m) === undefined);
const P1 = [0x0a010000, 24];
const P2 = [0x0a020000, 24];

t.test('eBGP in, eBGP out: prepend, next hop self, no LOCAL_PREF, no foreign MED; one UPDATE for shared attributes', async (t) => {
  const { rib, sent, announce } = setup([exportPeer(1, '192.0.2.1', 65001), exportPeer(2, '192.0.2.2', 65002)]);
  announce(1, [P1, P2], { asPath: asPathFrom([{ type: 2, asns: [65001, 65010] }]), med: 7, localPref: 500, communities: [0xfde90064] });
  rib.flushAll();
  const out = updates(sent.get(2)!);
  t.equal(out.length, 1, 'two prefixes with the same attributes in one UPDATE');
  t.equal(nlriCount(out[0].nlri), 2);
  const a = out[0].attributes!;
  t.same(a.asPath, asPathFrom([{ type: 2, asns: [65000, 65001, 65010] }]), 'our AS prepended');
  t.equal(a.nextHop, 0x0a000201, 'next hop self');
  t.equal(a.localPref, undefined, 'no LOCAL_PREF to eBGP');
  t.equal(a.med, undefined, 'a MED from another AS is not passed on');
  t.same(a.communities, [0xfde90064], 'communities kept');
  t.equal(updates(sent.get(1)!).length, 0, 'never back to the peer it came from');
  t.equal(rib.v4.paths, 2);
  t.equal(rib.attrs.size, 1, 'one interned attribute set for both paths');
});

t.test('peers of one export group share one encoded form; each gets its own address as next hop', async (t) => {
  // Three eBGP peers on three links, same treatment: one group (the key holds no address).
  const group = { groupKey: 'e|65000|v4|4||||' };
  const { rib, sent, announce } = setup([exportPeer(1, '192.0.2.1', 65001), exportPeer(2, '192.0.2.2', 65002, group), exportPeer(3, '192.0.2.3', 65003, group), exportPeer(4, '192.0.2.4', 65004, group)]);
  announce(1, [P1, P2], { asPath: asPathFrom([{ type: 2, asns: [65001, 65010] }]) });
  rib.flushAll();
  for (const i of [2, 3, 4]) {
    const out = updates(sent.get(i)!);
    t.equal(out.length, 1, `peer ${i}: one UPDATE`);
    t.equal(out[0].attributes!.nextHop, 0x0a000001 + i * 256, `peer ${i}: its own address as next hop`);
  }
  const entry = rib.v4.best(rib.v4.trie.get(P1[0], 0, 0, 0, 24))!.entry;
  t.ok(entry.outForm && entry.outMore === undefined, 'one form for the three peers');
  const advertised = [...new RibQuery(rib).advertised(3, 1)!];
  t.equal(advertised[0].attrs!.nextHop, 0x0a000301, 'what the API shows as sent to peer 3 carries its next hop');
});

t.test('a form no peer holds leaves its attribute entry, and is made again alike when the set is sent again', async (t) => {
  // Two upstreams and a receiver, each its own export group: the second upstream's better path
  // replaces the first's everywhere it went.
  const { rib, sent, announce, withdraw } = setup([exportPeer(1, '192.0.2.1', 65001), exportPeer(2, '192.0.2.2', 65002), exportPeer(3, '192.0.2.3', 65003)]);
  announce(1, [P1], { asPath: asPathFrom([{ type: 2, asns: [65001, 65010, 65020] }]), communities: [0xfde90064] });
  rib.flushAll();
  const node = rib.v4.trie.get(P1[0], 0, 0, 0, 24);
  const first = rib.v4.best(node)!.entry;
  t.ok(first.outForm && first.outMore?.size === 1, "a form for each of the other two peers' groups");
  const formBefore = first.outForm!;
  const sentBefore = updates(sent.get(3)!).at(-1)!.attributes;
  announce(2, [P1], { asPath: asPathFrom([{ type: 2, asns: [65002, 65010] }]) });
  rib.flushAll();
  t.not(rib.v4.best(node)!.entry, first, 'the second upstream has the best path');
  t.equal(first.outForm, undefined, 'its first form left the entry');
  t.equal(first.outMore, undefined, 'and the other one too');
  t.equal(first.refs, 1, 'the set itself stays: its path is still a candidate');
  withdraw(2, [P1]);
  rib.flushAll();
  t.same(updates(sent.get(3)!).at(-1)!.attributes, sentBefore, 'the receiver gets the first path again, encoded alike');
  t.ok(first.outForm, 'a form made again');
  t.not(first.outForm, formBefore, 'a new object');
  t.ok(sameForm(first.outForm!, formBefore), 'that sends the same thing (an ADD-PATH peer holding the old one sends nothing again)');
  const second = [...first.outMore!.values()][0];
  t.notOk(sameForm(first.outForm!, second), "another group's form differs (the NEXT_HOP of the peer it was made for)");
  t.equal(rib.peerStats(3)!.advertised['ipv4-unicast'], 1);
});

t.test('loop prevention and allowas-in', async (t) => {
  const { rib, announce } = setup([exportPeer(1, '192.0.2.1', 65001), exportPeer(9, '192.0.2.9', 65009)]);
  announce(1, [P1], { asPath: asPathFrom([{ type: 2, asns: [65001, 65000, 65010] }]) });
  t.equal(rib.v4.prefixes, 0, 'our AS in the path: rejected');
  announce(9, [P1], { asPath: asPathFrom([{ type: 2, asns: [65009, 65000, 65010] }]) });
  t.equal(rib.v4.prefixes, 1, 'allowas-in 1 lets one occurrence through');
  announce(9, [P2], { asPath: asPathFrom([{ type: 2, asns: [65009, 65000, 65000] }]) });
  t.equal(rib.v4.prefixes, 1, 'but not two');
  announce(1, [P2], { asPath: asPathFrom([{ type: 2, asns: [65001] }]), nextHop: 0x0a000101 });
  t.equal(rib.v4.prefixes, 1, 'a next hop that is our own address: ignored');
  t.notOk(rib.lastUpdateWhole, 'that UPDATE is not held whole');
  announce(9, [P2], { asPath: asPathFrom([{ type: 2, asns: [65009] }]) });
  t.ok(rib.lastUpdateWhole, 'one whose every prefix is held is (BMP frames it as its post-policy form)');
  announce(1, [P1], { asPath: asPathFrom([{ type: 2, asns: [65001, 65000] }]) });
  t.notOk(rib.lastUpdateWhole, 'a refused one is not');
  rib.setPeerPolicy(9, 'deny', undefined, false);
  announce(9, [P2], { asPath: asPathFrom([{ type: 2, asns: [65009] }]) });
  t.notOk(rib.lastUpdateWhole, 'nor one the import policy denies');
});

t.test('treat-as-withdraw removes the prefixes', async (t) => {
  const { rib, announce } = setup([exportPeer(1, '192.0.2.1', 65001)]);
  announce(1, [P1], { asPath: asPathFrom([{ type: 2, asns: [65001] }]) });
  rib.applyUpdate(1, { type: 'update', withdrawn: nlriFrom(1, false, []), attributes: { origin: 0, asPath: [], nextHop: 1 }, nlri: nlriFrom(1, false, [[0, 24, P1[0]]]), action: 'treat-as-withdraw', errors: [] });
  t.equal(rib.v4.prefixes, 0);
});

t.test('iBGP: LOCAL_PREF carried, next hop kept, no iBGP route to iBGP peers unless reflecting', async (t) => {
  const i1 = exportPeer(1, '10.0.0.2', 65000);
  const i2 = exportPeer(2, '10.0.0.3', 65000);
  const e3 = exportPeer(3, '192.0.2.3', 65003);
  const { rib, sent, announce } = setup([i1, i2, e3]);
  announce(3, [P1], { asPath: asPathFrom([{ type: 2, asns: [65003] }]), nextHop: 0xc0000203 });
  announce(1, [P2], { asPath: [], localPref: 300 });
  rib.flushAll();
  const toI2 = updates(sent.get(2)!);
  t.equal(toI2.length, 1, 'the eBGP route goes to iBGP; the iBGP one does not (no reflection)');
  t.equal(toI2[0].attributes!.localPref, 100, 'LOCAL_PREF added');
  t.equal(toI2[0].attributes!.nextHop, 0xc0000203, 'next hop kept');
  const toE3 = updates(sent.get(3)!);
  t.equal(toE3.length, 1, 'the iBGP route goes to the eBGP peer');
  t.equal(toE3[0].attributes!.localPref, undefined);
});

t.test('route reflection: ORIGINATOR_ID and CLUSTER_LIST; loops dropped', async (t) => {
  const c1 = exportPeer(1, '10.0.0.2', 65000, { rrClient: true });
  const c2 = exportPeer(2, '10.0.0.3', 65000, { rrClient: true });
  const n3 = exportPeer(3, '10.0.0.4', 65000);
  const { rib, sent, announce } = setup([c1, c2, n3]);
  announce(1, [P1], { asPath: [] });
  announce(3, [P2], { asPath: [] });
  rib.flushAll();
  const toC2 = updates(sent.get(2)!);
  t.equal(toC2.reduce((n, m) => n + nlriCount(m.nlri), 0), 2, 'a client gets the client route and the non-client route');
  const fromC1 = toC2.find((m) => m.nlri.words[2] === P1[0])!;
  t.equal(fromC1.attributes!.originatorId, 1, 'ORIGINATOR_ID: the originating client');
  t.same(fromC1.attributes!.clusterList, [0x0a000001], 'our cluster ID in CLUSTER_LIST');
  const toN3 = updates(sent.get(3)!);
  t.same(toN3.map((m) => m.nlri.words[2]), [P1[0]], 'a non-client gets client routes only');
  announce(2, [[0x0a030000, 24]], { asPath: [], clusterList: [0x0a000001] });
  announce(2, [[0x0a040000, 24]], { asPath: [], originatorId: 0x0a000001 });
  t.equal(rib.v4.prefixes, 2, 'our cluster ID or our router ID in the route: dropped');
});

t.test('well-known communities', async (t) => {
  const { rib, sent, announce } = setup([exportPeer(1, '192.0.2.1', 65001), exportPeer(2, '192.0.2.2', 65002), exportPeer(3, '10.0.0.3', 65000)]);
  announce(1, [P1], { asPath: asPathFrom([{ type: 2, asns: [65001] }]), communities: [WellKnownCommunity.NO_EXPORT] });
  announce(1, [P2], { asPath: asPathFrom([{ type: 2, asns: [65001] }]), communities: [WellKnownCommunity.NO_ADVERTISE] });
  rib.flushAll();
  t.equal(updates(sent.get(2)!).length, 0, 'NO_EXPORT and NO_ADVERTISE: nothing to the other AS');
  t.same(updates(sent.get(3)!).map((m) => m.nlri.words[2]), [P1[0]], 'NO_EXPORT still goes to iBGP, NO_ADVERTISE nowhere');
});

t.test('withdrawals are batched; End-of-RIB closes the initial transfer', async (t) => {
  const { rib, sent, announce, withdraw } = setup([exportPeer(1, '192.0.2.1', 65001), exportPeer(2, '192.0.2.2', 65002)]);
  t.same(sent.get(2)!.map((m) => endOfRib(m)), [0x101], 'End-of-RIB after the (empty) initial transfer');
  const many = Array.from({ length: 300 }, (_, i) => [0x0a000000 + i * 256, 24]);
  for (let i = 0; i < 300; i += 3) announce(1, many.slice(i, i + 3), { asPath: asPathFrom([{ type: 2, asns: [65001, 1000 + i] }]) });
  rib.flushAll();
  const before = sent.get(2)!.length;
  withdraw(1, many);
  rib.flushAll();
  const w = sent.get(2)!.slice(before);
  t.equal(w.length, 1, '300 withdrawals in one UPDATE');
  t.equal(nlriCount(w[0].withdrawn), 300);
  t.equal(rib.v4.trie.size, 0, 'and the trie is empty again');
});

t.test('a peer that cannot take more: generation stops, state stays, resumes on flush', async (t) => {
  let open = false;
  const { rib, sent, announce } = setup([exportPeer(1, '192.0.2.1', 65001), exportPeer(2, '192.0.2.2', 65002)], (i) => i !== 2 || open);
  const many = Array.from({ length: 20000 }, (_, i) => [0x0b000000 + i * 256, 24]);
  for (let i = 0; i < many.length; i += 5) announce(1, many.slice(i, i + 5), { asPath: asPathFrom([{ type: 2, asns: [65001, i] }]) });
  rib.flushAll();
  const stalled = sent.get(2)!.length;
  t.ok(stalled < 2000, `one chunk generated (${stalled} UPDATEs), then nothing while the transport is full`);
  t.ok(rib.peerStats(2)!.pending > 15000, 'the rest waits as state (changed prefixes), not as messages');
  open = true;
  rib.flush(2);
  const got = sent.get(2)!.filter((m) => endOfRib(m) === undefined).reduce((n, m) => n + nlriCount(m.nlri), 0);
  t.equal(got, 20000, 'everything arrives once the peer reads again');
  t.equal(rib.peerStats(2)!.advertised['ipv4-unicast'], 20000);
});

t.test('peer down withdraws its routes and releases attribute sets', async (t) => {
  const { rib, announce } = setup([exportPeer(1, '192.0.2.1', 65001), exportPeer(2, '192.0.2.2', 65002)]);
  announce(1, [P1, P2], { asPath: asPathFrom([{ type: 2, asns: [65001] }]) });
  rib.flushAll();
  t.equal(rib.attrs.size, 1);
  rib.peerDown(1);
  rib.flushAll();
  t.equal(rib.v4.prefixes, 0);
  t.equal(rib.attrs.size, 0, 'attribute set freed when no path uses it');
  t.equal(rib.peerStats(2)!.advertised['ipv4-unicast'], 0, 'withdrawn from the other peer');
});

t.test('resend (the answer to a ROUTE-REFRESH): the table again; with enhanced route refresh between BoRR and EoRR (RFC 7313)', async (t) => {
  const { rib, sent, announce } = setup([exportPeer(1, '192.0.2.1', 65001), exportPeer(2, '192.0.2.2', 65002)]);
  announce(1, [P1, P2], { asPath: asPathFrom([{ type: 2, asns: [65001] }]) });
  rib.flushAll();
  const before = sent.get(2)!.length;
  rib.resend(2);
  const again = sent.get(2)!.slice(before);
  t.equal(again.reduce((n, m) => n + nlriCount(m.nlri), 0), 2, 'both prefixes again');
  t.notOk(again.some((m) => endOfRib(m) !== undefined), 'no End-of-RIB after a refresh (only after the initial transfer)');
  t.equal(rib.peerStats(2)!.advertised['ipv4-unicast'], 2);
  const mark = sent.get(2)!.length;
  rib.resend(2, undefined, true);
  const framed = sent.get(2)!.slice(mark) as unknown as { type: string; subtype?: number; nlri?: UpdateMessage['nlri'] }[];
  t.same([framed[0].type, framed[0].subtype], ['route-refresh', 1], 'BoRR first');
  t.same([framed.at(-1)!.type, framed.at(-1)!.subtype], ['route-refresh', 2], 'EoRR last');
  t.equal(framed.filter((m) => m.type === 'update').reduce((n, m) => n + nlriCount(m.nlri!), 0), 2, 'the table between them');
});

t.test('reexport after an export-policy change withdraws what is now denied and sends only what changed', async (t) => {
  const { buildPolicySet } = await import('../../src/config/policy.js');
  const policies = buildPolicySet({
    prefixLists: { ONLY1: [{ seq: 5, action: 'permit', prefix: '10.1.0.0/24' }] },
    routeMaps: { ONLY1: [{ seq: 10, action: 'permit', match: { prefixList: 'ONLY1' } }] },
  });
  const rib = new Rib({ localAs: 65000, routerId: 0x0a000001, policies });
  const sent: UpdateMessage[] = [];
  rib.peerUp(exportPeer(1, '192.0.2.1', 65001), { allowasIn: 0, localIpv4: undefined }, [0x101], () => true);
  rib.peerUp(exportPeer(2, '192.0.2.2', 65002), { allowasIn: 0, localIpv4: undefined }, [0x101], (m) => {
    for (const b of m) sent.push(decodeMessage(b, DEFAULT_CONTEXT) as UpdateMessage);
    return true;
  });
  rib.applyUpdate(1, { type: 'update', withdrawn: nlriFrom(1, false, []), attributes: { origin: 0, asPath: asPathFrom([{ type: 2, asns: [65001] }]), nextHop: 0xc0000201 }, nlri: nlriFrom(1, false, [P1, P2].map(([a, l]) => [0, l, a])) });
  rib.flushAll();
  t.equal(rib.peerStats(2)!.advertised['ipv4-unicast'], 2);
  const mark = sent.length;
  rib.setPeerPolicy(2, undefined, policies.routeMaps.get('ONLY1'), false);
  rib.reexport(2);
  const after = updates(sent.slice(mark));
  t.equal(after.reduce((n, m) => n + nlriCount(m.withdrawn), 0), 1, '10.2.0.0/24 withdrawn');
  t.equal(after.reduce((n, m) => n + nlriCount(m.nlri), 0), 0, 'the unchanged 10.1.0.0/24 is not sent again');
  t.equal(rib.peerStats(2)!.advertised['ipv4-unicast'], 1);
});

t.test('a peer\'s enhanced route refresh (RFC 7313): BoRR marks its routes stale, resent ones are fresh, EoRR drops the rest', async (t) => {
  const { rib, announce } = setup([exportPeer(1, '192.0.2.1', 65001), exportPeer(2, '192.0.2.2', 65002)]);
  const attrs = { asPath: asPathFrom([{ type: 2, asns: [65001] }]) };
  announce(1, [P1, P2], attrs);
  t.equal(rib.beginRefresh(1, 1), 2, 'both marked stale');
  t.equal(rib.v4.best(rib.v4.trie.lookup(P1[0], 0, 0, 0))?.stale, true);
  announce(1, [P1], attrs);
  t.equal(rib.v4.best(rib.v4.trie.lookup(P1[0], 0, 0, 0))?.stale, false, 'resent: fresh again');
  t.equal(rib.endRefresh(1, 1), 1, 'EoRR: the one not resent is withdrawn');
  t.equal(rib.v4.prefixes, 1);
  t.notOk(rib.v4.best(rib.v4.trie.lookup(P2[0], 0, 0, 0)), '10.2.0.0/24 gone');
});

t.test('import and export route-maps, and RFC 8212 deny when there is none', async (t) => {
  const { buildPolicySet } = await import('../../src/config/policy.js');
  const policies = buildPolicySet({
    prefixLists: { 'K8S-PODS': [{ seq: 5, action: 'deny', prefix: '0.0.0.0/0' }, { seq: 10, action: 'permit', prefix: '10.244.0.0/16', le: 26 }] },
    routeMaps: {
      'ACCEPT-K8S': [{ seq: 10, action: 'permit', match: { prefixList: 'K8S-PODS' }, set: { localPref: 200 } }],
      'EXPORT-TAG': [{ seq: 10, action: 'permit', set: { community: ['64512:100'], asPathPrepend: [65000, 65000] } }],
    },
  });
  const rib = new Rib({ localAs: 65000, routerId: 0x0a000001, policies });
  const sent: UpdateMessage[] = [];
  const deniedOut: UpdateMessage[] = [];
  rib.peerUp(exportPeer(1, '192.0.2.1', 65001), { allowasIn: 0, localIpv4: undefined, importMap: policies.routeMaps.get('ACCEPT-K8S') }, [0x101], () => true);
  rib.peerUp({ ...exportPeer(2, '192.0.2.2', 65002), exportMap: policies.routeMaps.get('EXPORT-TAG') }, { allowasIn: 0, localIpv4: undefined, importMap: 'deny' }, [0x101], (m) => {
    for (const b of m) sent.push(decodeMessage(b, DEFAULT_CONTEXT) as UpdateMessage);
    return true;
  });
  rib.peerUp({ ...exportPeer(3, '192.0.2.3', 65003), exportMap: 'deny' }, { allowasIn: 0, localIpv4: undefined, importMap: 'deny' }, [0x101], (m) => {
    for (const b of m) deniedOut.push(decodeMessage(b, DEFAULT_CONTEXT) as UpdateMessage);
    return true;
  });
  const announce = (from: number, prefixes: number[][]) => rib.applyUpdate(from, { type: 'update', withdrawn: nlriFrom(1, false, []), attributes: { origin: 0, asPath: asPathFrom([{ type: 2, asns: [65000 + from] }]), nextHop: 0xc0000201 }, nlri: nlriFrom(1, false, prefixes.map(([a, l]) => [0, l, a])) });
  announce(1, [[0x0af40100, 26], [0, 0], [0x0af40200, 27]]);
  announce(2, [[0x0b000000, 24]]);
  rib.flushAll();
  t.equal(rib.v4.prefixes, 1, 'ACCEPT-K8S: the /26 in; the default route and the /27 out; RFC 8212 drops all from peer 2');
  t.equal(rib.v4.best(rib.v4.trie.lookup(0x0af40101, 0, 0, 0))?.entry.localPref, 200, 'set local-preference');
  const out = updates(sent);
  t.equal(out.length, 1);
  t.same(out[0].attributes!.asPath, asPathFrom([{ type: 2, asns: [65000, 65000, 65000, 65001] }]), 'prepend from the export map, then our AS');
  t.same(out[0].attributes!.communities, [parseCommunity64512100()], 'community set on export');
  t.equal(updates(deniedOut).length, 0, 'RFC 8212: nothing exported without a policy');
});

function parseCommunity64512100(): number {
  return ((64512 << 16) | 100) >>> 0;
}

t.test('RFC 8326 graceful shutdown: received GRACEFUL_SHUTDOWN loses preference; draining a neighbor tags what it is sent', async (t) => {
  const { rib, sent, announce } = setup([exportPeer(1, '192.0.2.1', 65001), exportPeer(2, '192.0.2.2', 65002), { ...exportPeer(3, '10.0.0.3', 65000), gracefulShutdown: true, groupKey: 'g3-drain' }]);
  announce(1, [P1], { asPath: asPathFrom([{ type: 2, asns: [65001] }]), communities: [WellKnownCommunity.GRACEFUL_SHUTDOWN] });
  announce(2, [P1], { asPath: asPathFrom([{ type: 2, asns: [65002, 65009, 65010] }]) });
  rib.flushAll();
  t.equal(rib.v4.best(rib.v4.trie.lookup(P1[0], 0, 0, 0))?.peer.index, 2, 'the longer path wins over the draining one');
  const drained = updates(sent.get(3)!);
  t.ok(drained[0].attributes!.communities!.includes(WellKnownCommunity.GRACEFUL_SHUTDOWN), 'routes to the drained neighbor carry GRACEFUL_SHUTDOWN');
  t.equal(drained[0].attributes!.localPref, 0, 'and LOCAL_PREF 0 on iBGP');
});

t.test('an export route-map that sets the next hop wins over next-hop-self toward eBGP, IPv4 and IPv6', async (t) => {
  const { buildPolicySet } = await import('../../src/config/policy.js');
  const policies = buildPolicySet({
    routeMaps: {
      'NH-V4': [{ seq: 10, action: 'permit', set: { nextHop: '192.0.2.99' } }],
      'NH-V6': [{ seq: 10, action: 'permit', set: { nextHop: '2001:db8::99' } }],
    },
  });
  const rib = new Rib({ localAs: 65000, routerId: 0x0a000001, policies });
  const got: UpdateMessage[] = [];
  const v6 = Buffer.from('20010db8000000000000000000000002', 'hex');
  rib.peerUp(exportPeer(1, '192.0.2.1', 65001), { allowasIn: 0, localIpv4: undefined }, [0x101, 0x201], () => true);
  for (const [index, map] of [[2, 'NH-V4'], [3, 'NH-V6']] as const) {
    rib.peerUp({ ...exportPeer(index, `192.0.2.${index}`, 65000 + index), localIpv6: v6, exportMap: policies.routeMaps.get(map) }, { allowasIn: 0, localIpv4: undefined, importMap: 'deny' }, [0x101, 0x201], (m) => {
      for (const b of m) got.push({ ...(decodeMessage(b, DEFAULT_CONTEXT) as UpdateMessage), peer: index } as never);
      return true;
    });
  }
  rib.applyUpdate(1, { type: 'update', withdrawn: nlriFrom(1, false, []), attributes: { origin: 0, asPath: asPathFrom([{ type: 2, asns: [65001] }]), nextHop: 0xc0000201 }, nlri: nlriFrom(1, false, [[0, 24, 0x0a010000]]) });
  rib.applyUpdate(1, { type: 'update', withdrawn: nlriFrom(1, false, []), attributes: { origin: 0, asPath: asPathFrom([{ type: 2, asns: [65001] }]) }, nlri: nlriFrom(1, false, []), mpReach: { afi: 2, safi: 1, nextHop: Buffer.from('20010db8000000000000000000000001', 'hex'), nlri: nlriFrom(2, false, [[0, 48, 0x20010db8, 1, 0, 0]]) } });
  rib.flushAll();
  const of = (peer: number) => updates(got.filter((m) => (m as unknown as { peer: number }).peer === peer));
  const v4 = of(2).find((m) => nlriCount(m.nlri) > 0);
  t.equal(v4?.attributes?.nextHop, 0xc0000263, 'NEXT_HOP 192.0.2.99 from the route-map, not our address');
  const mp = of(3).find((m) => m.mpReach);
  t.equal(mp?.mpReach?.nextHop.toString('hex'), '20010db8000000000000000000000099', 'MP_REACH next hop 2001:db8::99 from the route-map');
});

t.test('reflected IPv6 routes with the same attributes keep each client\'s next hop, and a next hop change alone is sent', async (t) => {
  const rib = new Rib({ localAs: 65000, routerId: 0x0a000001 });
  const got: UpdateMessage[] = [];
  const client = (index: number) => ({ ...exportPeer(index, `192.0.2.${index}`, 65000, { rrClient: true }), localIpv6: Buffer.from(`20010db8000000000000000000000${index}00`, 'hex') });
  for (const index of [1, 2]) rib.peerUp(client(index), { allowasIn: 0, localIpv4: undefined }, [0x201], () => true);
  rib.peerUp(client(3), { allowasIn: 0, localIpv4: undefined }, [0x201], (m) => {
    for (const b of m) got.push(decodeMessage(b, DEFAULT_CONTEXT) as UpdateMessage);
    return true;
  });
  const nh = (i: number) => Buffer.from(`20010db800000000000000000000000${i}`, 'hex');
  // One attribute object for all (decoded sets are interned: equal octets, one object).
  const attrs = { origin: 0, asPath: [], localPref: 100 } as never;
  const announce = (from: number, next: Buffer, words: number[]) =>
    rib.applyUpdate(from, { type: 'update', withdrawn: nlriFrom(1, false, []), attributes: attrs, nlri: nlriFrom(1, false, []), mpReach: { afi: 2, safi: 1, nextHop: next, nlri: nlriFrom(2, false, [[0, 64, ...words]]) } });
  announce(1, nh(1), [0x20010db8, 0x00a10000, 0, 0]);
  announce(2, nh(2), [0x20010db8, 0x00a20000, 0, 0]);
  rib.flushAll();
  const hops = (list: UpdateMessage[]) => list.filter((m) => m.mpReach).map((m) => `${m.mpReach!.nlri!.words[3].toString(16)} via ${m.mpReach!.nextHop.toString('hex').slice(-2)}`).sort();
  t.same(hops(updates(got)), ['a10000 via 01', 'a20000 via 02'], 'each prefix with its own client\'s next hop');
  got.length = 0;
  announce(1, nh(5), [0x20010db8, 0x00a10000, 0, 0]);
  rib.flushAll();
  t.same(hops(updates(got)), ['a10000 via 05'], 'the same attributes with a new next hop: sent again');
});

t.test('RFC 7606 7.5: a malformed LOCAL_PREF is discarded from eBGP, treat-as-withdraw from iBGP', async (t) => {
  const { effectiveAction } = await import('../../src/rib/index.js');
  const localPref = { action: 'treat-as-withdraw' as const, attrType: 5, code: 3, subcode: 5, reason: 'LOCAL_PREF length 2' };
  const origin = { ...localPref, attrType: 1, subcode: 6 };
  const m = (errors: (typeof localPref)[]) => ({ type: 'update' as const, withdrawn: nlriFrom(1, false, []), attributes: null, nlri: nlriFrom(1, false, []), errors, action: 'treat-as-withdraw' as const });
  t.equal(effectiveAction(m([localPref]), false), 'attribute-discard', 'eBGP: discard');
  t.equal(effectiveAction(m([localPref]), true), 'treat-as-withdraw', 'iBGP: withdraw');
  t.equal(effectiveAction(m([localPref, origin]), false), 'treat-as-withdraw', 'eBGP with another treat-as-withdraw error: withdraw');
});

t.test('ingress: the peer\'s AS first (RFC 4271 6.3), the next hop the peer, exclusive prefixes first come first served', async (t) => {
  const { buildPolicySet } = await import('../../src/config/policy.js');
  const pods = buildPolicySet({ prefixLists: { PODS: [{ seq: 10, action: 'permit', prefix: '10.244.0.0/16', ge: 24, le: 24 }] } }).prefixLists.get('PODS')!;
  const rib = new Rib({ localAs: 65000, routerId: 0x0a000001 });
  const ingress = (i: number) => ({ allowasIn: 0, localIpv4: undefined, enforceFirstAs: true, peerNextHop: { ipv4: 0xc0000200 + i, ipv6: undefined }, exclusive: { list: pods, group: 'nodes' } });
  for (const i of [1, 2, 3]) rib.peerUp(exportPeer(i, `192.0.2.${i}`, 65000 + i), ingress(i), [0x101], () => true);
  const send = (from: number, prefix: number, asPath: number[], nextHop = 0xc0000200 + from) =>
    rib.applyUpdate(from, { type: 'update', withdrawn: nlriFrom(1, false, []), attributes: { origin: 0, asPath: asPathFrom([{ type: 2, asns: asPath }]), nextHop }, nlri: nlriFrom(1, false, [[0, 24, prefix]]) });
  const from = (prefix: number) => rib.v4.candidates(rib.v4.trie.get(prefix, 0, 0, 0, 24)).map((p) => p.peer.index) ?? [];
  send(1, 0x0af40100, [65009]);
  t.same(from(0x0af40100), [], 'a path that does not start with the peer\'s AS is refused');
  send(1, 0x0af40100, [65001]);
  t.same(from(0x0af40100), [1], 'one that does is accepted');
  send(2, 0x0af40100, [65002]);
  t.same(from(0x0af40100), [1], 'another neighbor of the group cannot take the same pod CIDR');
  send(2, 0x0af40200, [65002], 0xc0000263);
  t.same(from(0x0af40200), [], 'a next hop other than the peer\'s own address is refused');
  send(2, 0x0af40200, [65002]);
  t.same(from(0x0af40200), [2], 'its own pod CIDR, through itself, is accepted');
  t.same(rib.peerStats(1)!.refused, { 'first-as': 1, 'next-hop': 0, exclusive: 0, loop: 0, 'path-limit': 0 });
  t.same(rib.peerStats(2)!.refused, { 'first-as': 0, 'next-hop': 1, exclusive: 1, loop: 0, 'path-limit': 0 });
  // Outside the exclusive list (service /32s: several nodes may announce one), both are kept.
  rib.applyUpdate(1, { type: 'update', withdrawn: nlriFrom(1, false, []), attributes: { origin: 0, asPath: asPathFrom([{ type: 2, asns: [65001] }]), nextHop: 0xc0000201 }, nlri: nlriFrom(1, false, [[0, 32, 0x0a60000a]]) });
  rib.applyUpdate(2, { type: 'update', withdrawn: nlriFrom(1, false, []), attributes: { origin: 0, asPath: asPathFrom([{ type: 2, asns: [65002] }]), nextHop: 0xc0000202 }, nlri: nlriFrom(1, false, [[0, 32, 0x0a60000a]]) });
  t.same(rib.v4.candidates(rib.v4.trie.get(0x0a60000a, 0, 0, 0, 32)).map((p) => p.peer.index), [1, 2], 'a service /32 from two nodes: ECMP stays possible');
});

t.test('RFC 4360 6: non-transitive extended communities stay inside the AS; transitive ones go on', async (t) => {
  const { rib, sent, announce } = setup([exportPeer(1, '192.0.2.1', 65001), exportPeer(2, '192.0.2.2', 65002), exportPeer(3, '192.0.2.3', 65000)]);
  const transitiveLb = linkBandwidthCommunity(65001, 1e6);
  const nonTransitiveLb = linkBandwidthCommunity(65001, 1e6, false);
  announce(1, [P1], { asPath: asPathFrom([{ type: 2, asns: [65001] }]), extendedCommunities: [transitiveLb, nonTransitiveLb] });
  announce(1, [P2], { asPath: asPathFrom([{ type: 2, asns: [65001] }]), med: 1, extendedCommunities: [nonTransitiveLb] });
  rib.flushAll();
  const ext = (peer: number) => updates(sent.get(peer)!).map((m) => m.attributes!.extendedCommunities ?? null);
  t.same(ext(2), [[transitiveLb], null], 'eBGP: the non-transitive one removed (and the attribute when nothing is left)');
  t.same(ext(3).sort((a, b) => (a?.length ?? 0) - (b?.length ?? 0)), [[nonTransitiveLb], [transitiveLb, nonTransitiveLb]], 'iBGP: both kept');
});

t.test('IPv6 paths from many UPDATEs with one next hop share one Buffer for it', async (t) => {
  const { rib } = setup([exportPeer(1, '192.0.2.1', 65001)]);
  const v6 = (n: number) => rib.applyUpdate(1, {
    type: 'update', withdrawn: nlriFrom(1, false, []), nlri: nlriFrom(1, false, []),
    attributes: { origin: 0, asPath: asPathFrom([{ type: 2, asns: [65001] }]) } as never,
    mpReach: { afi: 2, safi: 1, nextHop: Buffer.from('20010db8000000000000000000000001', 'hex'), nlri: nlriFrom(2, false, [[0, 48, 0x20010db8, n << 16]]) },
  } as UpdateMessage);
  for (let n = 1; n <= 3; n++) v6(n);
  const hops = [1, 2, 3].map((n) => rib.v6.best(rib.v6.trie.get(0x20010db8, n << 16, 0, 0, 48))!.nextHop);
  t.ok(hops.every((h) => h === hops[0]), 'one object for three UPDATEs');
  t.equal((hops[0] as Buffer).toString('hex'), '20010db8000000000000000000000001');
});

t.test('RFC 9494: long-lived stale paths get LLGR_STALE, are least preferred, go only to peers with the capability; NO_LLGR ones go', async (t) => {
  const { rib, sent, announce } = setup([exportPeer(1, '192.0.2.1', 65001), exportPeer(2, '192.0.2.2', 65002), exportPeer(3, '192.0.2.3', 65003, { longLived: true }), exportPeer(4, '192.0.2.4', 65004)]);
  announce(1, [P1], { asPath: asPathFrom([{ type: 2, asns: [65001] }]) });
  announce(1, [P2], { asPath: asPathFrom([{ type: 2, asns: [65001] }]), communities: [WellKnownCommunity.NO_LLGR] });
  announce(4, [P1], { asPath: asPathFrom([{ type: 2, asns: [65004, 65010, 65020] }]) });
  rib.flushAll();
  const node = rib.v4.trie.get(P1[0], 0, 0, 0, 24);
  t.equal(rib.v4.best(node)!.peer.index, 1, 'the shorter path is best');
  rib.peerDownGraceful(1);
  for (const s of sent.values()) s.length = 0;
  t.equal(rib.longLivedStale(1, 1), 1, 'one path kept long-lived');
  rib.flushAll();
  t.equal(rib.v4.best(node)!.peer.index, 4, 'the LLGR_STALE path is least preferred: the longer path wins');
  const p1 = rib.v4.candidates(node).find((p) => p.peer.index === 1)!;
  t.ok(p1.stale && p1.entry.attrs.communities?.includes(WellKnownCommunity.LLGR_STALE), 'stale, with LLGR_STALE');
  const n2 = rib.v4.trie.get(P2[0], 0, 0, 0, 24);
  t.ok(n2 === 0 || rib.v4.best(n2) === null, 'the NO_LLGR path is gone');
  rib.peerDown(4);
  for (const s of sent.values()) s.length = 0;
  rib.flushAll();
  const to = (peer: number) => updates(sent.get(peer)!).map((m) => (nlriCount(m.nlri) > 0 ? `+${m.attributes!.communities?.includes(WellKnownCommunity.LLGR_STALE) ? 'llgr' : ''}` : '-'));
  t.same(to(3), ['+llgr'], 'with the only path long-lived stale: a peer with the capability gets it, marked');
  t.same(to(2), ['-'], 'a peer without it gets a withdrawal (RFC 9494 4.5)');
});

t.test('RFC 8950 toward a peer that negotiated it: IPv4 routes in MP_REACH_NLRI with our IPv6 next hop, no NEXT_HOP', async (t) => {
  // An unnumbered session: our link-local address twice (no global one on the link), as RFC 2545 pairs them.
  const ll = Buffer.from('fe800000000000000000000000000002', 'hex');
  const pair = Buffer.concat([ll, ll]);
  const { rib, sent, announce, withdraw } = setup([exportPeer(1, '192.0.2.1', 65001), exportPeer(2, 'fe80::1', 65002, { localIpv4: undefined, localIpv6: pair, ipv4OverIpv6: true }), exportPeer(3, '192.0.2.3', 65003)]);
  announce(1, [P1, P2], { asPath: asPathFrom([{ type: 2, asns: [65001] }]) });
  rib.flushAll();
  const toUnnumbered = updates(sent.get(2)!);
  t.equal(toUnnumbered.length, 1, 'one UPDATE');
  const m = toUnnumbered[0];
  t.equal(m.attributes?.nextHop, undefined, 'no NEXT_HOP attribute (RFC 4760: the NLRI are all in MP_REACH_NLRI)');
  t.equal(nlriCount(m.nlri), 0, 'nothing in the IPv4 NLRI field');
  t.same([m.mpReach?.afi, m.mpReach?.safi, m.mpReach?.nextHop.toString('hex')], [1, 1, pair.toString('hex')], 'MP_REACH_NLRI AFI 1 SAFI 1, our global and link-local next hop');
  t.equal(nlriCount(m.mpReach!.nlri!), 2, 'both prefixes');
  t.same(m.attributes?.asPath, asPathFrom([{ type: 2, asns: [65000, 65001] }]), 'eBGP transforms as usual');
  const classic = updates(sent.get(3)!)[0];
  t.equal(classic.mpReach, undefined, 'a peer without it gets the classic form');
  t.equal(classic.attributes?.nextHop, 0x0a000001 + 3 * 256, 'with NEXT_HOP its own address of ours');
  withdraw(1, [P1]);
  rib.flushAll();
  const gone = updates(sent.get(2)!).at(-1)!;
  t.equal(nlriCount(gone.withdrawn), 1, 'a withdrawal goes in the Withdrawn Routes field (either form is allowed for IPv4 unicast)');
});

t.test('a form back in use after its slot went to another is sent again (the Adj-RIB-Out keeps slots, not forms)', async (t) => {
  // Peer 3 is sent nothing (RFC 8212 deny): the only forms held are peer 1's and peer 2's.
  const { rib, sent, announce, withdraw } = setup([exportPeer(1, '192.0.2.1', 65001), exportPeer(2, '192.0.2.2', 65002), exportPeer(3, '192.0.2.3', 65003, { exportMap: 'deny' })]);
  // One attribute object, as the decode cache shares one per set: one entry, one cached form.
  const A = { origin: 0, nextHop: 0xc0000201, asPath: asPathFrom([{ type: 2, asns: [65001, 10] }]) } as const;
  const announceA = (prefix: number[]) =>
    rib.applyUpdate(1, { type: 'update', withdrawn: nlriFrom(1, false, []), attributes: A as never, nlri: nlriFrom(1, false, [[0, prefix[1], prefix[0]]]) });
  const carries = (m: UpdateMessage, [addr, len]: number[]) => m.nlri.words.some((w, i) => i % 3 === 2 && w === addr && m.nlri.words[i - 1] === len);
  const lastTo2 = (prefix: number[]) => updates(sent.get(2)!).filter((m) => carries(m, prefix)).at(-1);
  const asA = asPathFrom([{ type: 2, asns: [65000, 65001, 10] }]);
  announceA(P1);
  rib.flushAll();
  // Peer 3's shorter path wins: peer 2 holds its form now; A's form (still cached: peer 1's path
  // keeps its set) has no holder, so its slot is free.
  announce(3, [P1], { asPath: asPathFrom([{ type: 2, asns: [65003] }]) });
  rib.flushAll();
  // Another form takes that slot, for P2.
  announce(1, [P2], { asPath: asPathFrom([{ type: 2, asns: [65001, 20] }]) });
  rib.flushAll();
  // P2 changes to A's set: A's form, whose old slot number is what peer 2 holds for P2.
  announceA(P2);
  rib.flushAll();
  t.same(lastTo2(P2)?.attributes?.asPath, asA, 'the change reached the peer');
  withdraw(3, [P1]);
  rib.flushAll();
  t.same(lastTo2(P1)?.attributes?.asPath, asA, 'P1 back on A: sent again');
  const shown = [...new RibQuery(rib).advertised(2, 1)!].map((r) => [r.prefix, r.attrs?.asPath]);
  t.same(shown, [['10.1.0.0/24', asA], ['10.2.0.0/24', asA]], 'the API shows both as sent with A');
});

t.test('prefixes in a row from one peer with one attribute set but two IPv6 next hops: each reflected with its own', async (t) => {
  // Two route-reflector clients (iBGP, no next-hop-self): a learned IPv6 next hop is kept.
  const client = { rrClient: true, localIpv6: Buffer.from('20010db8000000000000000000000fff', 'hex') };
  const { rib, sent } = setup([exportPeer(1, '192.0.2.1', 65000, client), exportPeer(2, '192.0.2.2', 65000, client)], () => true, [0x101, 0x201]);
  const attributes = { origin: 0, asPath: [], localPref: 100 } as never;
  const hop = (h: string) => Buffer.from(`20010db80000000000000000000000${h}`, 'hex');
  // One UPDATE per next hop (MP_REACH carries one); one attribute object, as the decode cache shares it.
  const v6 = (nextHop: Buffer, ns: number[]) => rib.applyUpdate(1, {
    type: 'update', withdrawn: nlriFrom(1, false, []), nlri: nlriFrom(1, false, []), attributes,
    mpReach: { afi: 2, safi: 1, nextHop, nlri: nlriFrom(2, false, ns.map((n) => [0, 48, 0x20010db8, n << 16])) },
  } as UpdateMessage);
  v6(hop('01'), [1, 2]);
  v6(hop('02'), [3, 4]);
  v6(hop('01'), [5]);
  rib.flushAll();
  const got = updates(sent.get(2)!).map((m) => [m.mpReach!.nextHop.toString('hex').slice(-2), nlriCount(m.mpReach!.nlri!)]);
  t.same(got.sort(), [['01', 3], ['02', 2]], 'prefixes grouped by next hop, each with its own');
});

t.test('more forms held than 16 bits number: the Adj-RIB-Out widens its column and keeps every one', async (t) => {
  const { rib, announce } = setup([exportPeer(1, '192.0.2.1', 65001), exportPeer(2, '192.0.2.2', 65002)]);
  const N = 70_000;
  for (let i = 0; i < N; i++) announce(1, [[(0x0b000000 + (i << 8)) | 0, 24]], { asPath: asPathFrom([{ type: 2, asns: [65001, 100_000 + i] }]) });
  while (rib.flushAll()); // a budget of chunks per call
  t.equal(rib.peerStats(2)!.advertised['ipv4-unicast'], N);
  const sent = [...new RibQuery(rib).advertised(2, 1)!];
  t.equal(sent.length, N);
  const wrong = sent.filter((r, i) => asPathSegments(r.attrs?.asPath ?? [])[0]?.asns[2] !== 100_000 + i);
  t.same(wrong.slice(0, 3), [], 'each prefix shows the set it was sent with (slots past 65,535 included)');
});

t.test('a change behind where an unfinished flush has got to is sent too (the queue is a set of bits taken lowest first)', async (t) => {
  const { rib, sent, announce } = setup([exportPeer(1, '192.0.2.1', 65001), exportPeer(2, '192.0.2.2', 65002)]);
  const N = 40_000;
  const prefix = (i: number) => [(0x0c000000 + (i << 8)) | 0, 24];
  for (let i = 0; i < N; i += 100) announce(1, Array.from({ length: 100 }, (_, k) => prefix(i + k)), { asPath: asPathFrom([{ type: 2, asns: [65001, 7] }]) });
  t.equal(rib.flushAll(), true, 'one call sends a budget of chunks, not the whole table');
  const first = rib.peerStats(2)!.advertised['ipv4-unicast'];
  t.ok(first > 0 && first < N, `part sent (${first})`);
  // The first prefix (among the lowest nodes) changes; the rest of the table is still queued above it.
  announce(1, [prefix(0)], { asPath: asPathFrom([{ type: 2, asns: [65001, 8] }]) });
  while (rib.flushAll());
  t.equal(rib.peerStats(2)!.advertised['ipv4-unicast'], N, 'every prefix sent');
  const last = updates(sent.get(2)!).filter((m) => m.nlri.words[2] === prefix(0)[0]).at(-1);
  t.same(last?.attributes?.asPath, asPathFrom([{ type: 2, asns: [65000, 65001, 8] }]), 'and the change behind it');
  t.equal(rib.adjRibOut(2, 1)!.pending, 0, 'nothing left queued');
});

t.test('two clients with one attribute object, prefixes in a row: each reflected with its own ORIGINATOR_ID', async (t) => {
  const client = { rrClient: true };
  const { rib, sent } = setup([exportPeer(1, '192.0.2.1', 65000, client), exportPeer(2, '192.0.2.2', 65000, client), exportPeer(3, '192.0.2.3', 65000, client)]);
  const attributes = { origin: 0, asPath: [], localPref: 100, nextHop: 0xc0000201 } as never;
  // Node ids in a row: 10.5.0.0/24 .. 10.5.3.0/24, the first two from client 1, the others from client 2.
  const from = (peer: number, ns: number[]) => rib.applyUpdate(peer, { type: 'update', withdrawn: nlriFrom(1, false, []), attributes, nlri: nlriFrom(1, false, ns.map((n) => [0, 24, (0x0a050000 + (n << 8)) | 0])) });
  from(1, [0, 1]);
  from(2, [2, 3]);
  rib.flushAll();
  const got = updates(sent.get(3)!).map((m) => [m.attributes!.originatorId, nlriCount(m.nlri)]);
  t.same(got.sort(), [[1, 2], [2, 2]], 'two UPDATEs, one per originator');
});

t.test("an Adj-RIB-Out's columns stay near the prefixes in use: no entries for glue nodes, not doubled to the trie's capacity", async (t) => {
  const { rib, announce } = setup([exportPeer(1, '192.0.2.1', 65001), exportPeer(2, '192.0.2.2', 65002)]);
  // 40,000 /24s in a row: about 80,000 nodes with their glue, in a trie with room for 131,072.
  for (let s = 0; s < 40; s++) announce(1, Array.from({ length: 1000 }, (_, i) => [(0x0a000000 + ((s * 1000 + i) << 8)) | 0, 24]), { asPath: asPathFrom([{ type: 2, asns: [65001, s] }]) });
  while (rib.flushAll()); // a turn's budget at a time
  const ids = rib.v4.trie.idLimit;
  t.ok(rib.v4.trie.capacity >= 2 * 65536 && ids > 65536, `${ids} node ids in use, room for ${rib.v4.trie.capacity}`);
  const used = rib.v4.trie.denseLimit;
  t.ok(used >= 40000 && used <= 40000 + 128, `${used} dense indices: the prefixes' blocks only`);
  const most = used + Math.max(4096, used >> 3);
  const perPeer = most * 2 + Math.ceil(most / 32) * 4;
  // The receiver's columns; the sender's, with nothing advertised, went back to their first size.
  t.ok(rib.outBytes(1) <= perPeer + 4096, `the columns: ${rib.outBytes(1)} octets, at most ${perPeer + 4096}`);
  t.equal(rib.peerStats(2)!.advertised['ipv4-unicast'], 40000);
});

/** A RIB with `n` routes from peer 1, all advertised to peer 2, and a heap measure after full collections. */
function fullReceiver(n: number) {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const rib = new Rib({ localAs: 65000, routerId: 0x0a000001 });
  for (const p of [exportPeer(1, '192.0.2.1', 65001), exportPeer(2, '192.0.2.2', 65002)]) rib.peerUp(p, { allowasIn: 0, localIpv4: p.localIpv4 }, [0x101], () => true);
  for (let i = 0; i < n; i += 500) {
    const nlri = nlriFrom(1, false, Array.from({ length: 500 }, (_, k) => [0, 24, (0x10000000 + ((i + k) << 8)) | 0]));
    rib.applyUpdate(1, { type: 'update', withdrawn: nlriFrom(1, false, []), attributes: { origin: 0, nextHop: 0xc0000201, asPath: asPathFrom([{ type: 2, asns: [65001] }]) } as never, nlri });
  }
  while (rib.flushAll()); // the receiver holds every prefix: each stays, empty, until it is withdrawn there
  const heap = () => {
    gc();
    gc();
    return process.memoryUsage().heapUsed;
  };
  /**
   * Takes a peer down; what the heap holds more afterwards. A scavenge after it takes away the
   * removal's short-lived objects (views of paths while they are reconsidered), whose amount
   * depends on how soon the JIT has optimized the removal, not on what the RIB keeps: 2-22 MB
   * in tap runs on 2026-12-05, all of it in the young generation (v8.getHeapSpaceStatistics).
   */
  const down = (index: number) => {
    const before = heap();
    rib.peerDown(index);
    (gc as (o: { type: 'minor' }) => void)({ type: 'minor' });
    return process.memoryUsage().heapUsed - before;
  };
  return { rib, down };
}

t.test('a peer with 200,000 routes going down allocates next to nothing per route (free lists in columns, no object per emptied prefix)', async (t) => {
  const N = 200_000;
  // A small table first: what the compiler makes of the code on its way (a few MB, more on a busy
  // machine) is not per route.
  fullReceiver(20_000).down(1);
  const { rib, down } = fullReceiver(N);
  const grown = down(1);
  // Arrays of free ids, rows and emptied prefixes' object slots took 13-22 MB here (65-110 octets
  // a route), all of it held by the RIB.
  t.ok(grown < 4e6, `the heap grew ${(grown / 1e6).toFixed(1)} MB while ${N} routes went`);
  t.equal(rib.v4.prefixes, 0);
  while (rib.flushAll());
  t.equal(rib.peerStats(2)!.advertised['ipv4-unicast'], 0, 'all withdrawn from the receiver');
  t.equal(rib.v4.trie.idLimit, 0, 'the trie empty again');
});

t.test('the receiver of 200,000 routes going down allocates next to nothing per route (its columns walked in place)', async (t) => {
  const N = 200_000;
  fullReceiver(20_000).down(2);
  const { rib, down } = fullReceiver(N);
  const grown = down(2);
  // An array of every advertised node took about 6 MB here.
  t.ok(grown < 2e6, `the heap grew ${(grown / 1e6).toFixed(1)} MB while the receiver's ${N} went`);
  t.equal(rib.v4.prefixes, N, 'the table stays');
  rib.peerDown(1);
  t.equal(rib.v4.trie.idLimit, 0, 'and goes with its sender: nothing held any more');
});

t.test('2,000 peers keeping their Adj-RIB-In come up within the mappings a process may have (small columns stay plain)', async (t) => {
  const mappings = () => readFileSync('/proc/self/maps', 'utf8').split('\n').length;
  const before = mappings();
  const rib = new Rib({ localAs: 65000, routerId: 0x0a000001 });
  // Each peer keeps two tables of 22 columns; one mapping a column took 88,000 (a process may
  // have 65,530) and the process aborted.
  for (let i = 1; i <= 2000; i++) rib.peerUp(exportPeer(i, `10.9.${i >> 8}.${i & 255}`, 65001), { allowasIn: 0, localIpv4: undefined, keepAdjRibIn: true }, [0x101], () => true);
  const grown = mappings() - before;
  t.ok(grown < 4000, `${grown} mappings more`);
  t.ok(Array.from({ length: 2000 }, (_, i) => rib.hasAdjRibIn(i + 1)).every(Boolean), 'every peer keeps its Adj-RIB-In');
});

t.test('a peer that comes up again (no down between) has one output; down, none', async (t) => {
  const { rib, sent, announce } = setup([exportPeer(1, '192.0.2.1', 65001), exportPeer(2, '192.0.2.2', 65002)]);
  const one = rib.outBytes(1);
  t.ok(one > 0, 'two peers\' columns counted');
  const again: UpdateMessage[] = [];
  rib.peerUp(exportPeer(2, '192.0.2.2', 65002), { allowasIn: 0, localIpv4: undefined }, [0x101], (msgs) => {
    for (const m of msgs) again.push(decodeMessage(m, DEFAULT_CONTEXT) as UpdateMessage);
    return true;
  });
  t.equal(rib.outBytes(1), one, 'the earlier output of peer 2 is gone, not kept beside the new one');
  announce(1, [[0x0a010000, 24]], { asPath: asPathFrom([{ type: 2, asns: [65001] }]) });
  rib.flushAll();
  t.equal(updates(again).filter((m) => nlriCount(m.nlri) > 0).length, 1, 'the change reaches the new session');
  t.equal(updates(sent.get(2)!).filter((m) => nlriCount(m.nlri) > 0).length, 0, 'and nothing the old one');
  rib.peerDown(1);
  rib.peerDown(2);
  t.equal(rib.outBytes(1), 0, 'both down: no output left');
});

t.test('a glue node handed to an Adj-RIB-Out queues nothing (it never had a route to send)', async (t) => {
  const { rib, announce } = setup([exportPeer(1, '192.0.2.1', 65001), exportPeer(2, '192.0.2.2', 65002)]);
  // Two /24s under one /23 glue node, which no one announced.
  announce(1, [[0x0a000000, 24], [0x0a000100, 24]], { asPath: asPathFrom([{ type: 2, asns: [65001] }]) });
  while (rib.flushAll());
  const trie = rib.v4.trie;
  const glue = [...Array(trie.idLimit).keys()].find((n) => n > 0 && trie.len(n) === 23)!;
  t.equal(trie.denseIndex(glue), -1, 'the /23 is a glue node without a dense index');
  const out = rib.adjRibOut(2, 1)!;
  out.enqueue(glue);
  t.equal(out.pending, 0, 'nothing queued');
  t.ok(out.idle, 'nothing to flush');
  t.equal(out.advertised, 2);
});

t.test('RFC 6793 4.2.2: to a 2-octet eBGP peer, 4-octet ASNs go as AS_TRANS in AS_PATH and whole in AS4_PATH; a path of two segments keeps its second', async (t) => {
  const two = makeContext({ as4: false });
  const rib = new Rib({ localAs: 65000, routerId: 0x0a000001 });
  const got: UpdateMessage[] = [];
  rib.peerUp(exportPeer(1, '192.0.2.1', 65001), { allowasIn: 0, localIpv4: 0x0a000101 }, [0x101], () => true);
  rib.peerUp(exportPeer(2, '192.0.2.2', 65002, { tx: two }), { allowasIn: 0, localIpv4: 0x0a000201 }, [0x101], (msgs) => {
    for (const m of msgs) got.push(decodeMessage(m, two) as UpdateMessage);
    return true;
  });
  const at = (asPath: unknown, prefix: number[]) =>
    rib.applyUpdate(1, { type: 'update', withdrawn: nlriFrom(1, false, []), attributes: { origin: 0, nextHop: 0xc0000201, asPath } as never, nlri: nlriFrom(1, false, [[0, prefix[1], prefix[0]]]) });
  at(asPathFrom([{ type: 2, asns: [65001, 4200000001] }]), P1);
  at(asPathFrom([{ type: 2, asns: [65001] }, { type: 1, asns: [65010, 4200000002] }]), P2);
  rib.flushAll();
  const out = updates(got);
  t.equal(out.length, 2);
  t.same(out[0].attributes!.asPath, asPathFrom([{ type: 2, asns: [65000, 65001, 23456] }]), 'AS_TRANS for the 4-octet ASN');
  t.same(out[0].attributes!.as4Path, asPathFrom([{ type: 2, asns: [65000, 65001, 4200000001] }]), 'the whole path in AS4_PATH');
  t.same(out[1].attributes!.asPath, asPathFrom([{ type: 2, asns: [65000, 65001] }, { type: 1, asns: [65010, 23456] }]), 'prepended to the first segment, the AS_SET kept');
  t.same(out[1].attributes!.as4Path, asPathFrom([{ type: 2, asns: [65000, 65001] }, { type: 1, asns: [65010, 4200000002] }]));
  t.equal(out[0].attributes!.localPref, undefined);
});

t.test("a peer's own best routes are not queued for it; one advertised to it before is withdrawn when its own becomes best", async (t) => {
  const { rib, sent, announce } = setup([exportPeer(1, '192.0.2.1', 65001), exportPeer(2, '192.0.2.2', 65002)]);
  announce(1, [P1, P2], { asPath: asPathFrom([{ type: 2, asns: [65001, 65010] }]) });
  t.equal(rib.peerStats(1)!.pending, 0, 'nothing queued for the peer the routes came from');
  t.equal(rib.peerStats(2)!.pending, 2, 'both queued for the other');
  rib.flushAll();
  t.same(updates(sent.get(1)!), [], 'nothing sent back');
  // Peer 2 announces P1 with a shorter path: its own route is best, and what it was sent is withdrawn.
  announce(2, [P1], { asPath: asPathFrom([{ type: 2, asns: [65002] }]) });
  t.equal(rib.peerStats(2)!.pending, 1, 'queued: advertised before');
  rib.flushAll();
  const out = updates(sent.get(2)!);
  t.same(nlriToText(out[out.length - 1].withdrawn), ['10.1.0.0/24'], 'withdrawn from peer 2');
  t.equal(rib.peerStats(2)!.advertised['ipv4-unicast'], 1, 'P2 still advertised to it');
});

t.test("a peer sent none of a table keeps its Adj-RIB-Out columns while the table is there (no shrinking and growing at each flush), and they shrink once it is gone", async (t) => {
  // Peer 2's AS is in every path (mayExport: never sent), so nothing is advertised to it.
  const { rib, announce, withdraw } = setup([exportPeer(1, '192.0.2.1', 65001), exportPeer(2, '192.0.2.2', 65002)]);
  const block = (from: number) => Array.from({ length: 5000 }, (_, i) => [(0x0b000000 + (from + i) * 256) >>> 0, 24]);
  announce(1, block(0), { asPath: asPathFrom([{ type: 2, asns: [65001, 65002] }]) });
  rib.flushAll();
  const kept = rib.outBytes(1);
  announce(1, block(5000), { asPath: asPathFrom([{ type: 2, asns: [65001, 65002] }]) });
  rib.flushAll();
  t.equal(rib.peerStats(2)!.advertised['ipv4-unicast'], 0, 'nothing advertised to peer 2');
  t.ok(kept > 10_000, `columns for the table kept after the first flush (${kept} octets)`);
  t.ok(rib.outBytes(1) >= kept, 'and after the second');
  withdraw(1, [...block(0), ...block(5000)]);
  rib.flushAll();
  t.ok(rib.outBytes(1) < kept / 4, `shrunk once the table went (${rib.outBytes(1)} octets)`);
});
