// Aggregation (FRR's aggregate-address): the attributes RFC 4271 9.2.2.2 asks for, and the RIB
// forming, changing and withdrawing an aggregate as its contributors come and go, with
// summary-only keeping the contributors from every peer.
import t from 'tap';
import { type AggregateSpec, type ExportPeer, Rib, addressOctets, aggregateAsPath, aggregateAttributes } from '../../src/rib/index.js';
import { type UpdateMessage, DEFAULT_CONTEXT, decodeMessage, endOfRib, makeContext, nlriFrom, asPathFrom } from '../../src/wire/index.js';
import { path, peer, seq, set } from './helpers.js';

const spec = (o: Partial<AggregateSpec> = {}): AggregateSpec => ({ afi: 1, words: [0x0af40000, 0, 0, 0], len: 16, summaryOnly: false, asSet: false, ...o });

t.test('AS_PATH with as-set: the shared leading sequence, then one sorted AS_SET of the rest', async (t) => {
  t.same(aggregateAsPath([asPathFrom([seq(65001, 65010)]), asPathFrom([seq(65001, 65020, 65021)])]), asPathFrom([seq(65001), set(65010, 65020, 65021)]));
  t.same(aggregateAsPath([asPathFrom([seq(65001)]), asPathFrom([seq(65001)])]), asPathFrom([seq(65001)]), 'identical paths: no set');
  t.same(aggregateAsPath([[], asPathFrom([seq(65002, 65003)])]), asPathFrom([set(65002, 65003)]), 'a local contributor shares nothing');
  t.same(aggregateAsPath([asPathFrom([seq(65001), set(65005, 65004)]), asPathFrom([seq(65001, 65004)])]), asPathFrom([seq(65001), set(65004, 65005)]), 'sets folded in, each AS once');
  t.same(aggregateAsPath([[], []]), [], 'only local contributors: empty path');
});

t.test('ORIGIN, ATOMIC_AGGREGATE, AGGREGATOR and communities (RFC 4271 9.2.2.2, 5.1.6)', async (t) => {
  const a = peer('192.0.2.1', 65001, 1);
  const b = peer('192.0.2.2', 65002, 2);
  const igp = path(a, { communities: [1] });
  const egp = path(b, { origin: 1, asPath: asPathFrom([seq(65002, 65003)]), communities: [2], largeCommunities: [[65002, 1, 1]] });
  const incomplete = path(b, { origin: 2 });
  const attrs = (ps: ReturnType<typeof path>[], o: Partial<AggregateSpec> = {}) => aggregateAttributes(ps, spec(o), 64512, 0x0a000001);
  t.equal(attrs([igp]).origin, 0);
  t.equal(attrs([igp, egp]).origin, 1, 'EGP if any is');
  t.equal(attrs([igp, egp, incomplete]).origin, 2, 'INCOMPLETE if any is');
  t.same(attrs([igp]).aggregator, { asn: 64512, address: 0x0a000001 }, 'AGGREGATOR: our AS and router ID');
  const plain = attrs([igp, egp]);
  t.same([plain.asPath, plain.atomicAggregate, plain.communities], [[], true, undefined], 'without as-set: empty path, ATOMIC_AGGREGATE (AS numbers dropped), no communities');
  const local = path({ ...a, local: true, index: 0 }, { asPath: [] });
  t.equal(attrs([local]).atomicAggregate, undefined, 'nothing dropped from local contributors: no ATOMIC_AGGREGATE');
  const withSet = attrs([igp, egp], { asSet: true });
  t.same(withSet.asPath, asPathFrom([set(65001, 65002, 65003)]));
  t.equal(withSet.atomicAggregate, undefined, 'the AS_SET keeps the information');
  t.same(withSet.communities, [1, 2], 'with as-set: the union of communities');
  t.same(withSet.largeCommunities, [[65002, 1, 1]]);
});

const ctx = makeContext();
function exportPeer(index: number, asn: number): ExportPeer {
  const address = `192.0.2.${index}`;
  return {
    index, address, addressOctets: addressOctets(address), asn, bgpId: index, ibgp: false, local: false, rrClient: false,
    localAs: 64512, routerId: 0x0a000001, clusterId: 0x0a000001, localIpv4: 0xc0000200 + index, localIpv6: undefined, nextHopSelf: false, tx: ctx, groupKey: `g${index}`,
  };
}

function setup(specs: AggregateSpec[]) {
  const rib = new Rib({ localAs: 64512, routerId: 0x0a000001 });
  rib.setAggregates(specs);
  const sent: UpdateMessage[] = [];
  rib.peerUp(exportPeer(1, 65001), { allowasIn: 0, localIpv4: undefined }, [0x101], () => true);
  rib.peerUp(exportPeer(2, 65002), { allowasIn: 0, localIpv4: undefined }, [0x101], (m) => {
    for (const b of m) sent.push(decodeMessage(b, DEFAULT_CONTEXT) as UpdateMessage);
    return true;
  });
  const from1 = (announce: number[][], withdraw: number[][] = []) => {
    rib.applyUpdate(1, {
      type: 'update',
      withdrawn: nlriFrom(1, false, withdraw.map(([w, l]) => [0, l, w])),
      attributes: announce.length > 0 ? { origin: 0, asPath: asPathFrom([seq(65001, 65010)]), nextHop: 0xc0000201 } : null,
      nlri: nlriFrom(1, false, announce.map(([w, l]) => [0, l, w])),
    });
    rib.flushAll();
  };
  // What peer 2 holds now, prefix -> attributes.
  const held = () => {
    const m = new Map<string, UpdateMessage['attributes']>();
    for (const u of sent) {
      if (endOfRib(u) !== undefined) continue;
      const w = u.withdrawn.words;
      for (let i = 0; i < w.length; i += 3) m.delete(`${w[i + 2]}/${w[i + 1]}`);
      const n = u.nlri.words;
      for (let i = 0; i < n.length; i += 3) m.set(`${n[i + 2]}/${n[i + 1]}`, u.attributes);
    }
    return m;
  };
  return { rib, from1, held, sent };
}

const AGG = `${0x0af40000}/16`;
const POD1 = [0x0af40100, 26];
const POD2 = [0x0af40200, 26];

t.test('the RIB forms the aggregate while contributors exist; summary-only keeps them from peers', async (t) => {
  const { rib, from1, held } = setup([spec({ summaryOnly: true, asSet: true })]);
  rib.originate(1, [0x0af40300, 0, 0, 0], 26, {});
  rib.flushAll();
  t.same([...held().keys()], [AGG], 'a local /26 alone forms the aggregate; the /26 itself is suppressed');
  t.same(held().get(AGG)!.asPath, asPathFrom([seq(64512)]), 'our AS only (the local contributor has none)');
  from1([POD1, POD2]);
  t.same([...held().keys()], [AGG], 'still only the aggregate');
  t.same(held().get(AGG)!.asPath, asPathFrom([seq(64512), set(65001, 65010)]), 'the AS_SET now holds the contributors\' AS numbers');
  t.same(held().get(AGG)!.aggregator, { asn: 64512, address: 0x0a000001 });
  t.equal(rib.aggregates[0].active, true);
  from1([], [POD1, POD2]);
  rib.withdrawOriginated(1, [0x0af40300, 0, 0, 0], 26);
  rib.flushAll();
  t.same([...held().keys()], [], 'the last contributor gone: the aggregate is withdrawn');
  t.equal(rib.aggregates[0].active, false);
});

t.test('without summary-only the contributors go too; removing the aggregate by reload', async (t) => {
  const { rib, from1, held } = setup([spec()]);
  from1([POD1]);
  t.same([...held().keys()].sort(), [AGG, `${POD1[0]}/26`].sort());
  t.equal(held().get(AGG)!.atomicAggregate, true, 'ATOMIC_AGGREGATE without as-set');
  rib.setAggregates([spec({ summaryOnly: true })]);
  rib.flushAll();
  t.same([...held().keys()], [AGG], 'made summary-only by reload: the contributor is withdrawn from peers');
  rib.setAggregates([]);
  rib.flushAll();
  t.same([...held().keys()], [`${POD1[0]}/26`], 'aggregate removed: withdrawn, and the contributor sent again');
});
