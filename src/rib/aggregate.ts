// Route aggregation (FRR's aggregate-address): an aggregate prefix is originated while at least one
// more specific route (a contributor) is in the Loc-RIB, with attributes formed from the
// contributors' best paths as RFC 4271 9.2.2.2 says; summary-only keeps the contributors from
// being sent to any peer. The attributes are a pure function; the Rib drives recomputation.
// Choices: communities and large communities are carried (as their union) only with as-set, as FRR
// does; AGGREGATOR is our AS and router ID; no MED; the next hop is ourselves.
// Must not import fsm, api, daemon, node:net or metrics libraries.

import { type AfiCode, type AsPath, type AsPathSegment, AsPathSegmentType, type LargeCommunity, type PathAttributes, asPathFrom, asPathSegments } from '../wire/index.js';
import type { RouteNode } from './loc-rib.js';
import type { PrefixTrie } from './trie.js';
import type { Path } from './path.js';
import { asPathOf } from './attr-table.js';

export interface AggregateSpec {
  readonly afi: AfiCode;
  readonly words: readonly [number, number, number, number];
  readonly len: number;
  readonly summaryOnly: boolean;
  readonly asSet: boolean;
}

/** The attributes of an aggregate formed from its contributors' best paths (at least one). */
export function aggregateAttributes(contributors: readonly Path[], spec: AggregateSpec, localAs: number, routerId: number): PathAttributes {
  // ORIGIN: INCOMPLETE if any contributor is, else EGP if any is, else IGP.
  let origin: 0 | 1 | 2 = 0;
  let atomic = false;
  let anyAsn = false;
  for (const p of contributors) {
    const o = p.entry.attrs.origin ?? 0;
    if (o > origin) origin = o as 0 | 1 | 2;
    if (p.entry.attrs.atomicAggregate) atomic = true;
    if (asPathOf(p.entry).length > 0) anyAsn = true;
  }
  const aggregator = { asn: localAs, address: routerId };
  if (!spec.asSet) {
    // RFC 4271 5.1.6: AS numbers dropped from the path are signalled with ATOMIC_AGGREGATE.
    return { origin, asPath: [], aggregator, ...(atomic || anyAsn ? { atomicAggregate: true as const } : {}) };
  }
  const communities = new Set<number>();
  const large = new Map<string, LargeCommunity>();
  for (const p of contributors) {
    for (const c of p.entry.attrs.communities ?? []) communities.add(c);
    for (const l of p.entry.attrs.largeCommunities ?? []) large.set(l.join(':'), l);
  }
  return {
    origin,
    asPath: aggregateAsPath(contributors.map((p) => asPathOf(p.entry))),
    aggregator,
    ...(atomic ? { atomicAggregate: true as const } : {}),
    ...(communities.size > 0 ? { communities: [...communities].sort((a, b) => a - b) } : {}),
    ...(large.size > 0 ? { largeCommunities: [...large.values()] } : {}),
  };
}

/**
 * RFC 4271 9.2.2.2 with as-set: the leading AS_SEQUENCE all paths share, then one AS_SET of every
 * other AS number they hold (sorted, each once).
 */
export function aggregateAsPath(flat: readonly AsPath[]): AsPath {
  const paths = flat.map(asPathSegments);
  const leads = paths.map((p) => (p[0]?.type === AsPathSegmentType.AS_SEQUENCE ? p[0].asns : []));
  let common = leads[0] ?? [];
  for (const l of leads.slice(1)) {
    let i = 0;
    while (i < common.length && i < l.length && common[i] === l[i]) i++;
    common = common.slice(0, i);
  }
  const rest = new Set<number>();
  for (const p of paths) {
    p.forEach((seg, i) => {
      const asns = i === 0 && seg.type === AsPathSegmentType.AS_SEQUENCE ? seg.asns.slice(common.length) : seg.asns;
      for (const a of asns) rest.add(a);
    });
  }
  for (const a of common) rest.delete(a);
  const out: AsPathSegment[] = [];
  if (common.length > 0) out.push({ type: AsPathSegmentType.AS_SEQUENCE, asns: [...common] });
  if (rest.size > 0) out.push({ type: AsPathSegmentType.AS_SET, asns: [...rest].sort((a, b) => a - b) });
  return asPathFrom(out);
}

/** Whether `node` (of `trie`) lies strictly inside the aggregate (a contributor, not the aggregate itself). */
export function inside(trie: PrefixTrie<unknown>, node: RouteNode, spec: AggregateSpec): boolean {
  if (trie.len(node) <= spec.len) return false;
  let bits = spec.len;
  for (let i = 0; bits > 0; i++, bits -= 32) {
    const mask = bits >= 32 ? 0xffffffff : (0xffffffff << (32 - bits)) >>> 0;
    if (((trie.word(node, i) ^ spec.words[i]) & mask) >>> 0 !== 0) return false;
  }
  return true;
}
