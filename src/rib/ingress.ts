// The checks a received route passes before import policy (RFC 4271 5.1.5, 6.3, 9.1.2; RFC 4456
// 8; RFC 7606 7.5; RFC 7911's per-prefix bound; first-come exclusivity between peers of a group):
// what a neighbor's session asks of its routes, and the answers the RIB acts on.
// Must not import fsm, api, daemon, node:net or metrics libraries.

import { AttrType, type NlriBlock, type PathAttributes, type UpdateMessage, countAs, leadingAs, mergeAs4Path, stride } from '../wire/index.js';
import type { LocRib } from './loc-rib.js';
import type { RibPeer } from './path.js';
import { type PrefixList, type RouteMap, evaluatePrefixList } from './policy/index.js';
import { reflectionLoop } from './reflection.js';

export interface PeerIngress {
  /** RFC 4271 9.1.2 loop check: how many times our AS may appear (allowas-in). */
  readonly allowasIn: number;
  /** Our own addresses on the session: a route with one of them as next hop is ignored. */
  readonly localIpv4: number | undefined;
  /** Import route-map; 'deny' accepts nothing (RFC 8212 for eBGP without policy). */
  readonly importMap?: RouteMap | 'deny';
  /** Keep the pre-policy routes (soft-reconfiguration inbound). */
  readonly keepAdjRibIn?: boolean;
  /** RFC 7911: at most this many paths per prefix from the peer; a new path identifier beyond it is refused. */
  readonly maxPathsPerPrefix?: number;
  /** RFC 4271 6.3 for eBGP: the peer's AS must be first in AS_PATH, else treat-as-withdraw (RFC 7606 7.2). */
  readonly enforceFirstAs?: boolean;
  /** Only routes whose next hop is the peer's own address (IPv4, and IPv6 global or link-local). */
  readonly peerNextHop?: { readonly ipv4: number | undefined; readonly ipv6: Buffer | undefined };
  /**
   * Prefixes the list permits are first come, first served within `group`: a route for one held
   * (or covered) by another peer of the group is refused.
   */
  readonly exclusive?: { readonly list: PrefixList; readonly group: string };
}

/** Why the RIB refused a peer's routes after they were decoded (counted per peer). */
export type RefusalReason = 'first-as' | 'next-hop' | 'exclusive' | 'loop' | 'path-limit';

/** A neighbor as its routes' checks see it: who it is, what it asked, and its refusals so far. */
export interface IngressPeer {
  readonly peer: RibPeer;
  readonly ingress: PeerIngress;
  readonly refused: Record<RefusalReason, number>;
}

/** Our identity for the loop checks. */
export interface IngressSelf {
  readonly localAs: number;
  readonly routerId: number;
  readonly clusterId: number;
}

/**
 * The RFC 7606 action for an UPDATE from this kind of peer. RFC 7606 7.5: a malformed LOCAL_PREF
 * from an external peer is discarded (eBGP ignores LOCAL_PREF anyway, RFC 4271 5.1.5), not a reason
 * to withdraw; from an internal peer it is treat-as-withdraw, as the decoder reports it.
 */
export function effectiveAction(msg: UpdateMessage, ibgp: boolean): UpdateMessage['action'] {
  if (ibgp || msg.action !== 'treat-as-withdraw') return msg.action;
  const withdrawing = (msg.errors ?? []).filter((e) => e.action === 'treat-as-withdraw');
  const onlyLocalPref = withdrawing.length > 0 && withdrawing.every((e) => e.attrType === AttrType.LOCAL_PREF);
  return onlyLocalPref ? 'attribute-discard' : 'treat-as-withdraw';
}

/** Why the routes of an UPDATE with these attributes are refused, or undefined when they may go on. */
export function refusal(s: IngressPeer, attrs: PathAttributes, self: IngressSelf): RefusalReason | undefined {
  if (s.peer.ibgp) return reflectionLoop(attrs, self.routerId, self.clusterId) ? 'loop' : undefined;
  const path = mergeAs4Path(attrs) ?? [];
  // RFC 4271 6.3: an external peer's own AS comes first (RFC 7606 7.2: treat-as-withdraw).
  if (s.ingress.enforceFirstAs) {
    if (leadingAs(path) !== s.peer.asn) return 'first-as';
  }
  // RFC 4271 9.1.2: our own AS in the path is a loop (allowas-in permits N occurrences).
  return countAs(path, self.localAs) <= s.ingress.allowasIn ? undefined : 'loop';
}

/**
 * The set without LOCAL_PREF, per decoded set: made once, so that the UPDATEs sharing a set still
 * share one attribute entry (a copy per UPDATE was an entry and an outbound form per UPDATE).
 */
const withoutLocalPref = new WeakMap<PathAttributes, PathAttributes>();

/** RFC 4271 5.1.5: LOCAL_PREF from an external peer is ignored. */
export function ingressAttrs(peer: RibPeer, attrs: PathAttributes): PathAttributes {
  if (peer.ibgp || attrs.localPref === undefined) return attrs;
  let rest = withoutLocalPref.get(attrs);
  if (rest === undefined) {
    const { localPref: _ignored, ...copy } = attrs;
    withoutLocalPref.set(attrs, (rest = copy));
  }
  return rest;
}

/** A next hop of none, or our own address on the session: the route is not usable. */
export function ownNextHop(ingress: PeerIngress, nh: number | Buffer): boolean {
  if (typeof nh === 'number') return nh === 0 || (ingress.localIpv4 !== undefined && nh === ingress.localIpv4);
  return false;
}

/** Whether a received next hop is the peer's own address (an IPv6 one as global or link-local). */
export function isPeerNextHop(nh: number | Buffer, peer: { readonly ipv4: number | undefined; readonly ipv6: Buffer | undefined }): boolean {
  if (typeof nh === 'number') return peer.ipv4 !== undefined && nh >>> 0 === peer.ipv4 >>> 0;
  if (nh.length === 4) return peer.ipv4 !== undefined && nh.readUInt32BE(0) === peer.ipv4 >>> 0;
  if (!peer.ipv6) return false;
  return nh.subarray(0, 16).equals(peer.ipv6) || (nh.length >= 32 && nh.subarray(16, 32).equals(peer.ipv6));
}

/**
 * The prefixes of `block` no other peer of the exclusivity group holds (nor a prefix covering
 * them; `claimedByOther` answers that): first come, first served. The others are refused
 * (withdrawn, should this peer have held them) and counted.
 */
export function unclaimed(s: IngressPeer, block: NlriBlock, rib: LocRib, claimedByOther: (words: readonly number[], len: number) => boolean): NlriBlock {
  const ex = s.ingress.exclusive!;
  const st = stride(block.afi);
  const w = block.words;
  const keep: number[] = [];
  for (let b = 0; b < w.length; b += st) {
    const words = st === 3 ? [w[b + 2], 0, 0, 0] : [w[b + 2], w[b + 3], w[b + 4], w[b + 5]];
    const len = w[b + 1];
    if (evaluatePrefixList(ex.list, block.afi, words, len) === 'permit' && claimedByOther(words, len)) {
      s.refused.exclusive++;
      rib.withdraw(words[0], words[1], words[2], words[3], len, s.peer, w[b]);
      continue;
    }
    for (let k = 0; k < st; k++) keep.push(w[b + k]);
  }
  return keep.length === w.length ? block : { ...block, words: Uint32Array.from(keep) };
}

/**
 * RFC 7911: the peer's paths for a prefix beyond `limit` are refused (a path identifier it
 * already has may change); without a bound, one peer could make a prefix's decision as long
 * as it likes.
 */
export function withinPathLimit(s: IngressPeer, block: NlriBlock, rib: LocRib, limit: number): NlriBlock {
  const st = stride(block.afi);
  const w = block.words;
  const keep: number[] = [];
  // Paths this block adds per prefix, on top of those held (one UPDATE may carry many).
  const adding = new Map<string, number>();
  for (let b = 0; b < w.length; b += st) {
    const [w0, w1, w2, w3] = st === 3 ? [w[b + 2], 0, 0, 0] : [w[b + 2], w[b + 3], w[b + 4], w[b + 5]];
    const len = w[b + 1];
    if (!rib.has(w0, w1, w2, w3, len, s.peer.index, w[b])) {
      const key = `${w0}|${w1}|${w2}|${w3}|${len}`;
      const held = adding.get(key) ?? rib.pathsOfPeerAt(w0, w1, w2, w3, len, s.peer.index);
      if (held >= limit) {
        s.refused['path-limit']++;
        continue;
      }
      adding.set(key, held + 1);
    }
    for (let k = 0; k < st; k++) keep.push(w[b + k]);
  }
  return keep.length === w.length ? block : { ...block, words: Uint32Array.from(keep) };
}
