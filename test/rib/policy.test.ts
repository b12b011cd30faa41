// The policy engine, clause by clause, and the seeds' ToR configuration one-to-one:
//   ip prefix-list K8S-PODS seq 5 deny 0.0.0.0/0
//   ip prefix-list K8S-PODS seq 10 permit 10.244.0.0/16 le 26
//   ip prefix-list K8S-PODS seq 20 permit 10.96.0.0/12 le 32
//   route-map ACCEPT-K8S permit 10 / match ip address prefix-list K8S-PODS
import t from 'tap';
import { parseCommunity, parsePrefix } from '../../src/config/prefix.js';
import {
  type AsPathList, type CommunityList, type PolicySet, type PrefixList, type PrefixListEntry, type RouteMap, type RouteMapEntry,
  type RouteView, PolicyCache, asPathRegex, evaluateAsPathList, evaluateCommunityList, evaluatePrefixList, evaluateRouteMap,
} from '../../src/rib/index.js';
import { type PathAttributes, linkBandwidthCommunity, linkBandwidthOf, asPathFrom } from '../../src/wire/index.js';

function entry(seq: number, action: 'permit' | 'deny', prefix: string, opts: { ge?: number; le?: number } = {}): PrefixListEntry {
  const p = parsePrefix(prefix);
  return { seq, action, afi: p.afi, words: p.words, length: p.length, ...opts };
}
const K8S_PODS: PrefixList = {
  name: 'K8S-PODS',
  entries: [entry(5, 'deny', '0.0.0.0/0'), entry(10, 'permit', '10.244.0.0/16', { le: 26 }), entry(20, 'permit', '10.96.0.0/12', { le: 32 })],
};
const NO_DEFAULT: PrefixList = { name: 'NO-DEFAULT', entries: [entry(5, 'deny', '0.0.0.0/0'), entry(6, 'deny', '::/0'), entry(10, 'permit', '0.0.0.0/0', { le: 32 }), entry(11, 'permit', '::/0', { le: 128 })] };
const POOL_A: CommunityList = { name: 'POOL-A', entries: [{ action: 'permit', kind: 'standard', values: [parseCommunity('64512:100')] }] };
const CORE: CommunityList = { name: 'CORE', entries: [{ action: 'permit', kind: 'expanded', regex: /^64512:2\d\d$/ }] };
const FROM_65001: AsPathList = { name: 'FROM-65001', entries: [{ action: 'permit', regex: asPathRegex('^65001_') }] };

function lists(maps: RouteMap[] = []): PolicySet {
  return {
    prefixLists: new Map([K8S_PODS, NO_DEFAULT].map((l) => [l.name, l])),
    communityLists: new Map([POOL_A, CORE].map((l) => [l.name, l])),
    largeCommunityLists: new Map([['BIG', { name: 'BIG', entries: [{ action: 'permit' as const, kind: 'standard' as const, values: [[64512, 1, 2] as const] }] }]]),
    asPathLists: new Map([[FROM_65001.name, FROM_65001]]),
    routeMaps: new Map(maps.map((m) => [m.name, m])),
  };
}

function route(prefix: string, attrs: PathAttributes = {}, over: Partial<RouteView> = {}): RouteView {
  const p = parsePrefix(prefix);
  const a: PathAttributes = { origin: 0, asPath: asPathFrom([{ type: 2, asns: [65001, 65010] }]), nextHop: 0xc0000201, ...attrs };
  return { afi: p.afi, words: p.words, length: p.length, attrs: a, asPath: a.asPath!, nextHop: a.nextHop ?? 0, peerAddress: '192.0.2.1', weight: 0, ...over };
}

const rm = (name: string, ...entries: RouteMapEntry[]): RouteMap => ({ name, entries });
const e = (seq: number, action: 'permit' | 'deny', match: RouteMapEntry['match'] = {}, set: RouteMapEntry['set'] = {}, onMatch?: RouteMapEntry['onMatch']): RouteMapEntry => ({ seq, action, match, set, ...(onMatch ? { onMatch } : {}) });

t.test('the seeds\' ToR prefix-list K8S-PODS, with FRR semantics', async (t) => {
  const v = (prefix: string) => {
    const p = parsePrefix(prefix);
    return evaluatePrefixList(K8S_PODS, p.afi, p.words, p.length);
  };
  t.equal(v('10.244.1.0/26'), 'permit', 'a node\'s /26 pod CIDR');
  t.equal(v('10.244.3.0/24'), 'permit', 'a /24 pod CIDR');
  t.equal(v('10.244.0.0/16'), 'permit', 'the pool itself (le includes the length)');
  t.equal(v('10.244.1.0/27'), 'deny', 'longer than le 26: implicit deny');
  t.equal(v('0.0.0.0/0'), 'deny', 'a default route a misconfigured node sends');
  t.equal(v('10.96.0.10/32'), 'permit', 'a service IP');
  t.equal(v('192.168.1.0/24'), 'deny', 'anything else: implicit deny at the end');
  t.equal(v('2001:db8::/48'), 'deny', 'IPv4 entries never match IPv6');
  const ge = { name: 'GE', entries: [entry(5, 'permit', '10.0.0.0/8', { ge: 24 })] };
  const g = (prefix: string) => evaluatePrefixList(ge, 1, parsePrefix(prefix).words, parsePrefix(prefix).length);
  t.same([g('10.1.0.0/16'), g('10.1.1.0/24'), g('10.1.1.1/32')], ['deny', 'permit', 'permit'], 'ge 24: lengths 24..32');
  const exact = { name: 'EXACT', entries: [entry(5, 'permit', '10.0.0.0/8')] };
  t.same([evaluatePrefixList(exact, 1, parsePrefix('10.0.0.0/8').words, 8), evaluatePrefixList(exact, 1, parsePrefix('10.0.0.0/9').words, 9)], ['permit', 'deny'], 'without ge/le only the exact length');
});

t.test('route-map ACCEPT-K8S: pod CIDRs in, the default route out', async (t) => {
  const acceptK8s = rm('ACCEPT-K8S', e(10, 'permit', { prefixList: 'K8S-PODS' }));
  const ctx = { policies: lists([acceptK8s]) };
  t.equal(evaluateRouteMap(acceptK8s, route('10.244.1.0/26'), ctx).verdict, 'permit');
  t.equal(evaluateRouteMap(acceptK8s, route('0.0.0.0/0'), ctx).verdict, 'deny');
  t.equal(evaluateRouteMap(acceptK8s, route('172.16.0.0/16'), ctx).verdict, 'deny', 'implicit deny when no entry matches');
  const noDefault = rm('NO-DEFAULT-IN', e(10, 'permit', { prefixList: 'NO-DEFAULT' }));
  t.equal(evaluateRouteMap(noDefault, route('::/0'), { policies: lists() }).verdict, 'deny', 'the deny-default list covers ::/0 too');
  t.equal(evaluateRouteMap(noDefault, route('2001:db8::/32'), { policies: lists() }).verdict, 'permit');
});

t.test('communities set on export, matched on import, local preference per pool', async (t) => {
  const exportMap = rm('EXPORT-POOLS', e(10, 'permit', { prefixList: 'K8S-PODS' }, { community: { additive: [parseCommunity('64512:100')] } }));
  const out = evaluateRouteMap(exportMap, route('10.244.1.0/26', { communities: [parseCommunity('64512:7')] }), { policies: lists() });
  t.same(out.attrs.communities, [parseCommunity('64512:7'), parseCommunity('64512:100')], 'additive keeps what was there');
  const importMap = rm('POOL-PREF', e(10, 'permit', { community: 'POOL-A' }, { localPref: 200 }), e(20, 'permit', {}, { localPref: 50 }));
  const ctx = { policies: lists() };
  t.equal(evaluateRouteMap(importMap, route('10.244.1.0/26', out.attrs), ctx).attrs.localPref, 200, 'pool A preferred');
  t.equal(evaluateRouteMap(importMap, route('10.244.2.0/26'), ctx).attrs.localPref, 50, 'everything else');
});

t.test('every match clause', async (t) => {
  const p = lists();
  const one = (match: RouteMapEntry['match'], r: RouteView) => evaluateRouteMap(rm('M', e(10, 'permit', match)), r, { policies: p }).verdict;
  t.equal(one({ community: 'CORE' }, route('10.0.0.0/8', { communities: [parseCommunity('64512:250')] })), 'permit', 'expanded community list (regex)');
  t.equal(one({ community: 'CORE' }, route('10.0.0.0/8', { communities: [parseCommunity('64512:300')] })), 'deny');
  t.equal(one({ largeCommunity: 'BIG' }, route('10.0.0.0/8', { largeCommunities: [[64512, 1, 2]] })), 'permit', 'large community list');
  t.equal(one({ asPath: 'FROM-65001' }, route('10.0.0.0/8')), 'permit', 'AS-path list ^65001_');
  t.equal(one({ asPath: 'FROM-65001' }, route('10.0.0.0/8', { asPath: asPathFrom([{ type: 2, asns: [650011] }]) })), 'deny', '_ is a boundary: 650011 is not 65001');
  t.equal(one({ nextHopPrefixList: 'K8S-PODS' }, route('1.0.0.0/8', {}, { nextHop: parsePrefix('10.96.0.1/32').words[0] })), 'permit', 'next hop in a prefix-list');
  t.equal(one({ sourcePeer: '192.0.2.1' }, route('1.0.0.0/8')), 'permit', 'source peer');
  t.equal(one({ sourcePeer: '192.0.2.9' }, route('1.0.0.0/8')), 'deny');
  t.equal(one({ origin: 'igp' }, route('1.0.0.0/8')), 'permit', 'origin');
  t.equal(one({ origin: 'incomplete' }, route('1.0.0.0/8')), 'deny');
  t.equal(one({ prefixList: 'NO-SUCH-LIST' }, route('1.0.0.0/8')), 'deny', 'an undefined list does not match');
  t.equal(evaluateAsPathList(FROM_65001, asPathFrom([{ type: 2, asns: [65001] }])), 'permit');
  t.equal(evaluateCommunityList(POOL_A, undefined), 'deny');
});

t.test('every set clause', async (t) => {
  const p = lists();
  const ctx = { policies: p, selfNextHop: { ipv4: 0x0a000001 }, peerNextHop: { ipv4: 0x0a000002 } };
  const set = (s: RouteMapEntry['set'], attrs: PathAttributes = {}) => evaluateRouteMap(rm('S', e(10, 'permit', {}, s)), route('10.244.1.0/26', attrs), ctx);
  t.equal(set({ localPref: 300 }).attrs.localPref, 300, 'local-preference');
  t.equal(set({ metric: { op: 'set', value: 40 } }).attrs.med, 40, 'metric absolute');
  t.equal(set({ metric: { op: 'add', value: 10 } }, { med: 5 }).attrs.med, 15, 'metric +N');
  t.equal(set({ metric: { op: 'subtract', value: 10 } }, { med: 5 }).attrs.med, 0, 'metric -N stops at 0');
  t.same(set({ community: { replace: [1, 2] } }, { communities: [9] }).attrs.communities, [1, 2], 'community replace');
  t.equal(set({ community: { none: true } }, { communities: [9] }).attrs.communities, undefined, 'community none');
  t.same(set({ community: { deleteList: 'CORE' } }, { communities: [parseCommunity('64512:201'), parseCommunity('64512:5')] }).attrs.communities, [parseCommunity('64512:5')], 'comm-list delete');
  t.same(set({ largeCommunity: { additive: [[64512, 9, 9]] } }, { largeCommunities: [[64512, 1, 1]] }).attrs.largeCommunities, [[64512, 1, 1], [64512, 9, 9]], 'large-community additive');
  t.same(set({ asPathPrepend: { asns: [64512], times: 3 } }).attrs.asPath, asPathFrom([{ type: 2, asns: [64512, 64512, 64512, 65001, 65010] }]), 'as-path prepend N times');
  t.same(set({ asPathPrepend: { lastAs: 2 } }).attrs.asPath, asPathFrom([{ type: 2, asns: [65001, 65001, 65001, 65010] }]), 'as-path prepend last-as');
  t.equal(set({ asPathPrepend: { lastAs: 2 } }, { asPath: undefined }).attrs.asPath, undefined, 'last-as with no AS_PATH: none added');
  t.same(set({ asPathPrepend: { asns: [64512] } }, { asPath: asPathFrom([{ type: 1, asns: [65003, 65004] }]) }).attrs.asPath, asPathFrom([{ type: 2, asns: [64512] }, { type: 1, asns: [65003, 65004] }]), 'before an AS_SET: a sequence of its own');
  t.equal(set({ nextHop: 'self' }).nextHop, 0x0a000001, 'next-hop self');
  t.equal(set({ nextHop: 'self' }).attrs.nextHop, 0x0a000001, 'and NEXT_HOP with it');
  t.equal(set({ nextHop: 'peer-address' }).nextHop, 0x0a000002, 'next-hop peer-address');
  t.equal(set({ nextHop: { ipv4: 0x01020304 } }).nextHop, 0x01020304, 'next-hop an address');
  t.equal(set({ weight: 500 }).weight, 500, 'weight');
  t.equal(set({ origin: 'incomplete' }).attrs.origin, 2, 'origin');
});

t.test('deny entries, on-match next and goto, and shared outputs', async (t) => {
  const p = lists();
  const cache = new PolicyCache();
  const map = rm('CHAIN',
    e(5, 'deny', { prefixList: 'NO-DEFAULT-DENY' }),
    e(10, 'permit', { asPath: 'FROM-65001' }, { localPref: 150 }, 'next'),
    e(20, 'permit', { community: 'POOL-A' }, { weight: 10 }, { goto: 40 }),
    e(30, 'permit', {}, { localPref: 999 }),
    e(40, 'permit', {}, { metric: { op: 'set', value: 7 } }),
  );
  const ctx = { policies: p, cache };
  const withPool = route('10.244.1.0/26', { communities: [parseCommunity('64512:100')] });
  const r1 = evaluateRouteMap(map, withPool, ctx);
  t.same([r1.verdict, r1.attrs.localPref, r1.weight, r1.attrs.med, r1.applied], ['permit', 150, 10, 7, [10, 20, 40]], 'next, then goto 40 skips 30');
  const r2 = evaluateRouteMap(map, route('10.244.2.0/26'), ctx);
  t.same([r2.attrs.localPref, r2.applied], [999, [10, 30]], 'without the community, on-match next goes on to 30, whose set wins');
  const denyFirst = rm('D', e(5, 'deny', { prefixList: 'K8S-PODS' }), e(10, 'permit'));
  t.equal(evaluateRouteMap(denyFirst, route('10.244.1.0/26'), ctx).verdict, 'deny', 'a matching deny entry ends with deny');
  t.equal(evaluateRouteMap(denyFirst, route('192.0.2.0/24'), ctx).verdict, 'permit');
  const same = evaluateRouteMap(map, { ...withPool, words: parsePrefix('10.244.9.0/26').words }, ctx);
  t.equal(same.attrs, r1.attrs, 'two routes with the same attributes through the same entries share one output object');
});

t.test('set linkBandwidth: the link bandwidth community of our AS replaces any other, other extended communities stay', async (t) => {
  const map = rm('LB', e(10, 'permit', {}, { linkBandwidth: { octetsPerSecond: 25e6, transitive: true } }));
  const routeTarget: readonly [number, number] = [0x00020000 | 65001, 7];
  const theirs = linkBandwidthCommunity(65001, 1e6);
  const r = evaluateRouteMap(map, route('10.96.0.0/24', { origin: 0, asPath: [], extendedCommunities: [routeTarget, theirs] }), { policies: lists([map]), localAs: 64512 });
  t.same(r.attrs.extendedCommunities, [routeTarget, linkBandwidthCommunity(64512, 25e6)]);
  t.equal(linkBandwidthOf(r.attrs.extendedCommunities), 25e6);
});
