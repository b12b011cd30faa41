// The BGP decision process. RFC 4271 9.1.2.2 by elimination, in this order, with the tie-breakers
// operators expect (before them all, RFC 4271 9.1.2.1: a path whose next hop does not resolve is
// excluded, and RFC 9494 4.3: a path with LLGR_STALE is least preferred):
//   1. highest weight (local to this router; FRR's weight)      7. eBGP over iBGP (9.1.2.2 d)
//   2. highest LOCAL_PREF (9.1.2.1)                             8. lowest IGP cost to the next hop
//   3. locally originated                                          (9.1.2.2 e; next-hop tracking's)
//   4. shortest AS_PATH (AS_SET counts one, confederation        9. lowest BGP identifier, or
//      segments none)                                              ORIGINATOR_ID when present (RFC 4456 9)
//   5. lowest ORIGIN (9.1.2.2 b)                               10. shortest CLUSTER_LIST (RFC 4456 9)
//   6. lowest MED among paths from the same neighbor AS         11. lowest peer address (9.1.2.2 g)
//      (9.1.2.2 c; all paths with always-compare-med;          12. lowest ADD-PATH path id (two
//      a missing MED counts as 0)                                  paths from one peer)
// Elimination is order-independent: the result never depends on insertion order, so FRR's
// deterministic-med is in effect always on (the option is accepted and changes nothing). A total
// tie between two different paths is a bug and throws.
// Must not import fsm, api, daemon, node:net or metrics libraries.

import { asPathsEqual } from '../wire/index.js';
import type { Path } from './path.js';
import { asPathOf, clusterListLenOf, llgrStaleOf, originOf } from './attr-table.js';

export const DECISION_STEPS = [
  'nexthop-unresolvable', 'llgr-stale', 'weight', 'local-pref', 'locally-originated', 'as-path-length', 'origin', 'med', 'ebgp-over-ibgp',
  'igp-cost', 'router-id', 'cluster-list-length', 'peer-address', 'path-id',
] as const;
export type DecisionStep = (typeof DECISION_STEPS)[number];

export interface DecisionOptions {
  readonly alwaysCompareMed: boolean;
  /** Accepted for FRR compatibility; elimination is always deterministic. */
  readonly deterministicMed?: boolean;
  /** maximum-paths for eBGP and iBGP (1 disables multipath). */
  readonly maxPathsEbgp: number;
  readonly maxPathsIbgp: number;
  /** FRR's `bgp bestpath as-path multipath-relax`: equal AS_PATH length suffices, not equal paths. */
  readonly multipathRelax: boolean;
  /**
   * The IGP cost to a path's next hop (next-hop tracking), Infinity when it does not resolve:
   * such a path sorts last, and a best path that does not resolve is no best (see LocRib.best).
   * Absent: every next hop counts as resolved at cost 0.
   */
  readonly igpCost?: (p: Path) => number;
}

export const DEFAULT_DECISION: DecisionOptions = { alwaysCompareMed: false, maxPathsEbgp: 1, maxPathsIbgp: 1, multipathRelax: false };

const routerId = (p: Path) => (p.entry.attrs.originatorId ?? p.peer.bgpId) >>> 0;
const local = (p: Path) => (p.peer.local ? 1 : 0);
const ebgp = (p: Path) => (!p.peer.ibgp && !p.peer.local ? 1 : 0);

const unresolvable = (p: Path, o: DecisionOptions) => (o.igpCost !== undefined && o.igpCost(p) === Infinity ? 1 : 0);
const igpCost = (p: Path, o: DecisionOptions) => {
  const c = o.igpCost?.(p) ?? 0;
  return c === Infinity ? 0 : c;
};

/** Numeric key of step `i` for a path: lower is better. MED and peer address are handled apart. */
function key(p: Path, step: DecisionStep, o: DecisionOptions): number {
  switch (step) {
    case 'nexthop-unresolvable': return unresolvable(p, o);
    case 'igp-cost': return igpCost(p, o);
    case 'llgr-stale': return llgrStaleOf(p.entry);
    case 'weight': return -p.weight;
    case 'local-pref': return -p.entry.localPref;
    case 'locally-originated': return -local(p);
    case 'as-path-length': return p.entry.asPathLen;
    case 'origin': return originOf(p.entry);
    case 'med': return p.entry.med;
    case 'ebgp-over-ibgp': return -ebgp(p);
    case 'router-id': return routerId(p);
    case 'cluster-list-length': return clusterListLenOf(p.entry);
    case 'path-id': return p.pathId >>> 0;
    case 'peer-address': return 0;
  }
}

function keepMin(paths: Path[], step: DecisionStep, o: DecisionOptions): Path[] {
  if (paths.length < 2) return paths;
  if (step === 'peer-address') {
    let best = paths[0].peer.addressOctets;
    for (const p of paths) if (p.peer.addressOctets.compare(best) < 0) best = p.peer.addressOctets;
    return paths.filter((p) => p.peer.addressOctets.equals(best));
  }
  let min = Infinity;
  for (const p of paths) min = Math.min(min, key(p, step, o));
  return paths.filter((p) => key(p, step, o) === min);
}

function medStep(paths: Path[], o: DecisionOptions): Path[] {
  if (paths.length < 2) return paths;
  if (o.alwaysCompareMed) return keepMin(paths, 'med', o);
  const minByAs = new Map<number, number>();
  for (const p of paths) minByAs.set(p.entry.neighborAs, Math.min(minByAs.get(p.entry.neighborAs) ?? Infinity, p.entry.med));
  return paths.filter((p) => p.entry.med === minByAs.get(p.entry.neighborAs));
}

/** The best path among candidates (RFC 4271 9.1.2.2 by elimination), or null when there are none. */
export function selectBest(candidates: readonly Path[], o: DecisionOptions = DEFAULT_DECISION): Path | null {
  if (candidates.length === 0) return null;
  if (candidates.length === 1) return candidates[0];
  let left = candidates as Path[];
  for (const step of DECISION_STEPS) {
    left = step === 'med' ? medStep(left, o) : keepMin(left, step, o);
    if (left.length === 1) return left[0];
  }
  throw new Error(`decision process tie between ${left.length} paths from ${left.map((p) => `${p.peer.address}#${p.pathId}`).join(', ')}`);
}

/** Which of two paths wins, and the step that decided it (the "why is this not best" answer). */
export function comparePaths(a: Path, b: Path, o: DecisionOptions = DEFAULT_DECISION): { winner: Path; step: DecisionStep } {
  for (const step of DECISION_STEPS) {
    if (step === 'med' && !o.alwaysCompareMed && a.entry.neighborAs !== b.entry.neighborAs) continue;
    if (step === 'peer-address') {
      const c = a.peer.addressOctets.compare(b.peer.addressOctets);
      if (c !== 0) return { winner: c < 0 ? a : b, step };
      continue;
    }
    const ka = key(a, step, o);
    const kb = key(b, step, o);
    if (ka !== kb) return { winner: ka < kb ? a : b, step };
  }
  if (a === b) return { winner: a, step: 'path-id' };
  throw new Error(`decision process tie between ${a.peer.address}#${a.pathId} and ${b.peer.address}#${b.pathId}`);
}

/**
 * Compares two paths on the steps before MED (next hop resolvable, weight, LOCAL_PREF, locally
 * originated, AS_PATH length, ORIGIN): negative when `a` is better, positive when `b` is, 0 on a
 * tie. These steps are lexicographic, so against the best path a decisive answer settles a new or
 * removed path in O(1): one worse on them never reaches the MED step, one better is the only survivor.
 */
export function compareEarly(a: Path, b: Path, o: DecisionOptions = DEFAULT_DECISION): number {
  return (o.igpCost !== undefined ? unresolvable(a, o) - unresolvable(b, o) : 0) || llgrStaleOf(a.entry) - llgrStaleOf(b.entry) || b.weight - a.weight || b.entry.localPref - a.entry.localPref || local(b) - local(a) || a.entry.asPathLen - b.entry.asPathLen || originOf(a.entry) - originOf(b.entry);
}

function sameAsPath(a: Path, b: Path): boolean {
  if (a.entry === b.entry) return true;
  return asPathsEqual(asPathOf(a.entry), asPathOf(b.entry));
}

/**
 * The multipath set (best first): paths equal to the best down to the IGP-cost step (that included), from the same
 * kind of peer (eBGP or iBGP), with an identical AS_PATH, or with multipath-relax only an equally
 * long one; at most maximum-paths, ordered by router id, peer address and path id.
 */
export function selectMultipath(best: Path | null, candidates: readonly Path[], o: DecisionOptions = DEFAULT_DECISION): Path[] {
  if (!best) return [];
  const max = ebgp(best) ? o.maxPathsEbgp : o.maxPathsIbgp;
  if (max <= 1 || candidates.length < 2) return [best];
  const equal = candidates.filter((p) => {
    if (p === best) return false;
    if (llgrStaleOf(p.entry) !== llgrStaleOf(best.entry) || p.weight !== best.weight || p.entry.localPref !== best.entry.localPref || local(p) !== local(best)) return false;
    if (p.entry.asPathLen !== best.entry.asPathLen || originOf(p.entry) !== originOf(best.entry)) return false;
    if (p.entry.med !== best.entry.med || ebgp(p) !== ebgp(best)) return false;
    if (o.igpCost !== undefined && (unresolvable(p, o) !== unresolvable(best, o) || igpCost(p, o) !== igpCost(best, o))) return false;
    return o.multipathRelax || sameAsPath(p, best);
  });
  equal.sort((a, b) => routerId(a) - routerId(b) || a.peer.addressOctets.compare(b.peer.addressOctets) || a.pathId - b.pathId);
  return [best, ...equal.slice(0, max - 1)];
}
