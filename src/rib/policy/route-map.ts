// Route-map evaluation with FRR's semantics, as a pure function:
//   evaluateRouteMap(map, route, ctx) -> { verdict, attrs, weight, nextHop }
// Entries in sequence order; the first whose matches all hold decides: deny ends with deny;
// permit applies its sets and ends with permit, unless `on-match next` / `goto N` (FRR `continue`)
// carries on. No entry matching: implicit deny. A match on an undefined list does not match.
// Outputs are memoized per input attribute set and applied entries (PolicyCache), so routes that
// share attributes keep sharing them after policy.
// Must not import fsm, api, daemon, node:net or metrics libraries.

import { type AsPath, AsPathSegmentType, type PathAttributes, asPathSegments, isLinkBandwidth, linkBandwidthCommunity, prependAs } from '../../wire/index.js';
import { evaluateAsPathList, evaluateCommunityList, evaluateLargeCommunityList, evaluatePrefixList } from './lists.js';
import type { PolicySet, RouteMap, RouteMapEntry, RouteMapMatch, RouteMapSet } from './types.js';

export interface RouteView {
  readonly afi: 1 | 2;
  readonly words: readonly number[];
  readonly length: number;
  readonly attrs: PathAttributes;
  /** The AS path policy sees (after the RFC 6793 merge). */
  readonly asPath: AsPath;
  readonly nextHop: number | Buffer;
  readonly peerAddress: string;
  readonly weight: number;
}

export interface PolicyContext {
  readonly policies: PolicySet;
  /** `set ip next-hop self` and `peer-address`: the addresses to use on this session. */
  readonly selfNextHop?: { readonly ipv4?: number; readonly ipv6?: Buffer };
  readonly peerNextHop?: { readonly ipv4?: number; readonly ipv6?: Buffer };
  readonly cache?: PolicyCache;
  /** Our AS, which a link bandwidth community we set names (draft-ietf-idr-link-bandwidth 2). */
  readonly localAs?: number;
  /** RFC 6811 validation of the route's origin, for `match rpki` (absent: every route is notfound). */
  readonly rpki?: (afi: 1 | 2, words: readonly number[], length: number, asPath: AsPath) => 'valid' | 'invalid' | 'notfound';
}

export interface PolicyResult {
  readonly verdict: 'permit' | 'deny';
  readonly attrs: PathAttributes;
  readonly weight: number;
  readonly nextHop: number | Buffer;
  /** The entries whose sets were applied, in order (for "why" in the API). */
  readonly applied: readonly number[];
}

/** Memo of policy outputs: the same input set through the same entries gives the same object. */
export class PolicyCache {
  readonly #byInput = new WeakMap<PathAttributes, Map<string, PathAttributes>>();

  get(input: PathAttributes, key: string): PathAttributes | undefined {
    return this.#byInput.get(input)?.get(key);
  }

  set(input: PathAttributes, key: string, output: PathAttributes): void {
    let m = this.#byInput.get(input);
    if (!m) this.#byInput.set(input, (m = new Map()));
    m.set(key, output);
  }
}

const ORIGIN_CODE = { igp: 0, egp: 1, incomplete: 2 } as const;

function hostWords(nh: number | Buffer): { afi: 1 | 2; words: number[]; length: number } {
  if (typeof nh === 'number') return { afi: 1, words: [nh >>> 0, 0, 0, 0], length: 32 };
  const b = nh.length >= 16 ? nh : Buffer.concat([nh, Buffer.alloc(16 - nh.length)]);
  return { afi: 2, words: [b.readUInt32BE(0), b.readUInt32BE(4), b.readUInt32BE(8), b.readUInt32BE(12)], length: 128 };
}

function matches(m: RouteMapMatch, r: RouteView, ctx: PolicyContext): boolean {
  const p = ctx.policies;
  if (m.prefixList !== undefined) {
    const l = p.prefixLists.get(m.prefixList);
    if (!l || evaluatePrefixList(l, r.afi, r.words, r.length) !== 'permit') return false;
  }
  if (m.community !== undefined) {
    const l = p.communityLists.get(m.community);
    if (!l || evaluateCommunityList(l, r.attrs.communities) !== 'permit') return false;
  }
  if (m.largeCommunity !== undefined) {
    const l = p.largeCommunityLists.get(m.largeCommunity);
    if (!l || evaluateLargeCommunityList(l, r.attrs.largeCommunities) !== 'permit') return false;
  }
  if (m.asPath !== undefined) {
    const l = p.asPathLists.get(m.asPath);
    if (!l || evaluateAsPathList(l, r.asPath) !== 'permit') return false;
  }
  if (m.nextHopPrefixList !== undefined) {
    const l = p.prefixLists.get(m.nextHopPrefixList);
    const h = hostWords(r.nextHop);
    if (!l || evaluatePrefixList(l, h.afi, h.words, h.length) !== 'permit') return false;
  }
  if (m.sourcePeer !== undefined && m.sourcePeer !== r.peerAddress) return false;
  if (m.origin !== undefined && (r.attrs.origin ?? 2) !== ORIGIN_CODE[m.origin]) return false;
  if (m.rpki !== undefined && (ctx.rpki?.(r.afi, r.words, r.length, r.asPath) ?? 'notfound') !== m.rpki) return false;
  return true;
}

type Mutable = { -readonly [K in keyof PathAttributes]: PathAttributes[K] };

/** Applies the attribute sets of one entry (next hop and weight are handled by the caller). */
function applySets(a: Mutable, s: RouteMapSet, p: PolicySet, localAs: number): void {
  if (s.localPref !== undefined) a.localPref = s.localPref >>> 0;
  if (s.metric) {
    const cur = a.med ?? 0;
    const v = s.metric.op === 'set' ? s.metric.value : s.metric.op === 'add' ? cur + s.metric.value : cur - s.metric.value;
    a.med = Math.min(0xffffffff, Math.max(0, v));
  }
  if (s.origin) a.origin = ORIGIN_CODE[s.origin];
  const c = s.community;
  if (c) {
    let list = c.none ? [] : c.replace ? [...c.replace] : [...(a.communities ?? [])];
    for (const v of c.additive ?? []) if (!list.includes(v)) list.push(v);
    if (c.deleteList) {
      const dl = p.communityLists.get(c.deleteList);
      if (dl) list = list.filter((v) => evaluateCommunityList(dl, [v]) !== 'permit');
    }
    if (list.length > 0) a.communities = list;
    else delete a.communities;
  }
  const lc = s.largeCommunity;
  if (lc) {
    const list = lc.none ? [] : lc.replace ? [...lc.replace] : [...(a.largeCommunities ?? [])];
    for (const v of lc.additive ?? []) if (!list.some((h) => h[0] === v[0] && h[1] === v[1] && h[2] === v[2])) list.push(v);
    if (list.length > 0) a.largeCommunities = list;
    else delete a.largeCommunities;
  }
  const lb = s.linkBandwidth;
  if (lb) {
    const others = (a.extendedCommunities ?? []).filter((c) => !isLinkBandwidth(c));
    a.extendedCommunities = [...others, linkBandwidthCommunity(localAs, lb.octetsPerSecond, lb.transitive)];
  }
  const pp = s.asPathPrepend;
  if (pp) {
    const path = a.asPath ?? [];
    let add: number[];
    if ('lastAs' in pp) {
      const first = asPathSegments(path).find((seg) => seg.type === AsPathSegmentType.AS_SEQUENCE);
      add = first ? Array(pp.lastAs).fill(first.asns[0]) : [];
    } else {
      add = Array.from({ length: pp.times ?? 1 }, () => pp.asns).flat();
    }
    if (add.length > 0) a.asPath = prependAs(path, add);
  }
}

function nextHopOf(s: RouteMapSet, r: RouteView, ctx: PolicyContext, current: number | Buffer): number | Buffer {
  const nh = s.nextHop;
  if (!nh) return current;
  if (nh === 'self' || nh === 'peer-address') {
    const src = nh === 'self' ? ctx.selfNextHop : ctx.peerNextHop;
    return (r.afi === 1 ? src?.ipv4 : src?.ipv6) ?? current;
  }
  return 'ipv4' in nh ? nh.ipv4 : nh.ipv6;
}

/** Whether a route-map (or any entry of it) matches on the RPKI state: such maps are run again when VRPs change. */
export function matchesRpki(map: RouteMap | 'deny' | undefined): boolean {
  return map !== undefined && map !== 'deny' && map.entries.some((e) => e.match.rpki !== undefined);
}

/** Runs a route-map over one route. */
export function evaluateRouteMap(map: RouteMap, r: RouteView, ctx: PolicyContext): PolicyResult {
  const entries = map.entries;
  const applied: RouteMapEntry[] = [];
  let permitted = false;
  let i = 0;
  while (i < entries.length) {
    const e = entries[i];
    if (!matches(e.match, r, ctx)) {
      i++;
      continue;
    }
    if (e.action === 'deny') return { verdict: 'deny', attrs: r.attrs, weight: r.weight, nextHop: r.nextHop, applied: applied.map((x) => x.seq) };
    permitted = true;
    applied.push(e);
    if (!e.onMatch) break;
    if (e.onMatch === 'next') i++;
    else {
      const target = e.onMatch.goto;
      const j = entries.findIndex((x) => x.seq >= target);
      if (j <= i) break; // FRR only goes forward
      i = j;
    }
  }
  if (!permitted) return { verdict: 'deny', attrs: r.attrs, weight: r.weight, nextHop: r.nextHop, applied: [] };
  let weight = r.weight;
  let nextHop = r.nextHop;
  for (const e of applied) {
    if (e.set.weight !== undefined) weight = e.set.weight;
    nextHop = nextHopOf(e.set, r, ctx, nextHop);
  }
  const changesAttrs = applied.some((e) => {
    const { weight: _w, nextHop: _n, ...rest } = e.set;
    return Object.keys(rest).length > 0;
  });
  let attrs = r.attrs;
  if (changesAttrs) {
    const key = `${map.name}|${applied.map((e) => e.seq).join(',')}`;
    const hit = ctx.cache?.get(r.attrs, key);
    if (hit) attrs = hit;
    else {
      const out: Mutable = { ...r.attrs };
      for (const e of applied) applySets(out, e.set, ctx.policies, ctx.localAs ?? 0);
      attrs = out;
      ctx.cache?.set(r.attrs, key, out);
    }
  }
  // An IPv4 next hop set by policy is carried in NEXT_HOP too (the attribute the peer reads).
  if (typeof nextHop === 'number' && nextHop !== r.nextHop && r.afi === 1) attrs = { ...attrs, nextHop };
  return { verdict: 'permit', attrs, weight, nextHop, applied: applied.map((e) => e.seq) };
}
