// The decision process, one case per step: the winner and the deciding step in both argument
// orders, and the same best path for every insertion order.
import t from 'tap';
import { type DecisionOptions, DEFAULT_DECISION, comparePaths, selectBest, selectMultipath } from '../../src/rib/index.js';
import { confed, path, peer, permutations, seq, set } from './helpers.js';
import { asPathFrom } from '../../src/wire/index.js';

const A = peer('192.0.2.1', 65001, 1);
const B = peer('192.0.2.2', 65002, 2);
const A2 = peer('192.0.2.3', 65001, 3);
const I1 = peer('10.0.0.1', 65000, 11, { ibgp: true });
const LOCAL = peer('0.0.0.0', 65000, 99, { local: true, index: 0 });

// Next-hop tracking's costs for the paths that carry one (Infinity: the next hop does not resolve).
const costs = new Map<unknown, number>();
const tracked = (p: ReturnType<typeof path>, cost: number) => (costs.set(p, cost), p);
const NHT: DecisionOptions = { ...DEFAULT_DECISION, igpCost: (p) => costs.get(p) ?? 0 };
const I2 = peer('10.0.0.2', 65000, 12, { ibgp: true });

type Case = [string, ReturnType<typeof path>, ReturnType<typeof path>, string, DecisionOptions?];
const cases: Case[] = [
  ['a next hop that resolves (RFC 4271 9.1.2.1)', path(B, {}), tracked(path(A, {}, { weight: 100 }), Infinity), 'nexthop-unresolvable', NHT],
  ['higher weight', path(B, {}, { weight: 100 }), path(A, {}), 'weight'],
  ['higher LOCAL_PREF', path(B, { localPref: 200 }), path(A, { localPref: 100 }), 'local-pref'],
  ['locally originated', path(LOCAL, { asPath: [] }), path(A, { asPath: [] }), 'locally-originated'],
  ['shorter AS_PATH', path(B, { asPath: asPathFrom([seq(65002, 1)]) }), path(A, { asPath: asPathFrom([seq(65001, 1, 2)]) }), 'as-path-length'],
  ['an AS_SET counts as one', path(B, { asPath: asPathFrom([seq(65002), set(1, 2, 3, 4)]) }), path(A, { asPath: asPathFrom([seq(65001, 1, 2)]) }), 'as-path-length'],
  ['confederation segments count zero', path(B, { asPath: asPathFrom([confed(7, 7, 7), seq(65002)]) }), path(A, { asPath: asPathFrom([seq(65001, 9)]) }), 'as-path-length'],
  ['lower ORIGIN', path(B, { origin: 0 }), path(A, { origin: 2 }), 'origin'],
  ['lower MED, same neighbor AS', path(A2, { med: 10 }), path(A, { med: 20 }), 'med'],
  ['a missing MED is the lowest', path(A2, {}), path(A, { med: 5 }), 'med'],
  ['MED across ASes only with always-compare-med', path(B, { med: 1 }), path(A, { med: 9 }), 'med', { ...DEFAULT_DECISION, alwaysCompareMed: true }],
  ['eBGP over iBGP', path(B, {}), path(I1, { asPath: asPathFrom([seq(65002)]) }), 'ebgp-over-ibgp'],
  ['lower IGP cost to the next hop', tracked(path(I2, {}), 5), tracked(path(I1, {}), 10), 'igp-cost', NHT],
  ['lower BGP identifier', path(A, {}), path(A2, {}), 'router-id'],
  ['ORIGINATOR_ID stands in for the identifier', path(I1, { originatorId: 5 }), path(peer('10.0.0.2', 65000, 4, { ibgp: true }), { originatorId: 6 }), 'router-id'],
  ['shorter CLUSTER_LIST', path(I1, { originatorId: 5, clusterList: [1] }), path(peer('10.0.0.2', 65000, 12, { ibgp: true }), { originatorId: 5, clusterList: [1, 2] }), 'cluster-list-length'],
  ['lower peer address', path(peer('192.0.2.10', 65001, 7), {}), path(peer('192.0.2.20', 65001, 7), {}), 'peer-address'],
  ['lower path id from one peer (ADD-PATH)', path(A, {}, { pathId: 1 }), path(A, {}, { pathId: 2 }), 'path-id'],
];

t.test('one case per step, both argument orders, both insertion orders', async (t) => {
  for (const [name, win, lose, step, opts] of cases) {
    const o = opts ?? DEFAULT_DECISION;
    t.same(comparePaths(win, lose, o), { winner: win, step }, `${name}: compare(winner, loser)`);
    t.same(comparePaths(lose, win, o), { winner: win, step }, `${name}: compare(loser, winner)`);
    for (const order of permutations([win, lose])) t.equal(selectBest(order, o), win, `${name}: selected whatever the order`);
  }
});

t.test('MED is not compared across neighbor ASes by default', async (t) => {
  const lowMedOtherAs = path(B, { med: 1 });
  const highMed = path(A, { med: 50 });
  t.same(comparePaths(lowMedOtherAs, highMed), { winner: highMed, step: 'router-id' }, 'decided further down, by identifier');
});

t.test('every insertion order gives the same best path (RFC 3345 MED case)', async (t) => {
  // AS 65001 paths compare by MED, AS 65002 has none to compare with: pairwise comparison in
  // arrival order can cycle; elimination does not.
  const a = path(peer('192.0.2.1', 65001, 30), { med: 10 });
  const b = path(peer('192.0.2.2', 65002, 20), { med: 5 });
  const c = path(peer('192.0.2.3', 65001, 10), { med: 20 });
  const results = new Set(permutations([a, b, c]).map((order) => selectBest(order)));
  t.equal(results.size, 1, 'one answer for all 6 orders');
  t.equal([...results][0], b, 'c loses MED to a within AS 65001, then b has the lowest identifier');
  const many = [path(A, { localPref: 100 }), path(B, { localPref: 100, med: 3 }), path(A2, { med: 1 }), path(I1, { asPath: asPathFrom([seq(65009)]) })];
  t.equal(new Set(permutations(many).map((o) => selectBest(o))).size, 1, 'and for all 24 orders of four paths');
});

t.test('a total tie is a bug, not insertion order', async (t) => {
  const p1 = path(A, {}, { pathId: 7 });
  const p2 = path(A, {}, { pathId: 7 });
  t.throws(() => comparePaths(p1, p2), /tie/);
  t.throws(() => selectBest([p1, p2]), /tie/);
});

t.test('multipath: maximum-paths and as-path multipath-relax', async (t) => {
  const x = path(peer('10.1.0.1', 65101, 1), { asPath: asPathFrom([seq(65101, 65000)]) });
  const y = path(peer('10.1.0.2', 65102, 2), { asPath: asPathFrom([seq(65102, 65000)]) });
  const z = path(peer('10.1.0.3', 65101, 3), { asPath: asPathFrom([seq(65101, 65000)]) });
  const o = { ...DEFAULT_DECISION, maxPathsEbgp: 4 };
  const best = selectBest([x, y, z], o)!;
  t.equal(best, x);
  t.same(selectMultipath(best, [x, y, z], o), [x, z], 'without relax only identical AS paths');
  t.same(selectMultipath(best, [x, y, z], { ...o, multipathRelax: true }), [x, y, z], 'with multipath-relax, equal length suffices');
  t.same(selectMultipath(best, [x, y, z], { ...o, multipathRelax: true, maxPathsEbgp: 2 }), [x, y], 'at most maximum-paths');
  t.same(selectMultipath(best, [x, y, z], DEFAULT_DECISION), [x], 'maximum-paths 1: no multipath');
  const longer = path(peer('10.1.0.4', 65104, 4), { asPath: asPathFrom([seq(65104, 65000, 1)]) });
  t.same(selectMultipath(best, [x, longer], { ...o, multipathRelax: true }), [x], 'a longer path is never equal');
  const near = tracked(path(peer('10.1.0.5', 65101, 5), { asPath: asPathFrom([seq(65101, 65000)]) }), 0);
  const far = tracked(path(peer('10.1.0.6', 65101, 6), { asPath: asPathFrom([seq(65101, 65000)]) }), 20);
  const gone = tracked(path(peer('10.1.0.7', 65101, 7), { asPath: asPathFrom([seq(65101, 65000)]) }), Infinity);
  const withCosts = { ...o, igpCost: NHT.igpCost };
  t.same(selectMultipath(near, [near, far, gone], withCosts), [near], 'with next-hop tracking: an unequal IGP cost or an unresolved next hop is not multipath');
  t.same(selectMultipath(x, [x, z, far], { ...o, igpCost: (p) => (p === far ? 0 : costs.get(p) ?? 0) }), [x, z, far], 'equal costs are');
});
