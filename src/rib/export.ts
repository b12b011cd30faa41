// What a best path becomes when sent to a peer (RFC 4271 5.1, 9.1.3, 9.2; RFC 1997; RFC 4456):
// whether it may go at all, and the attributes it carries. Pure. Outbound forms are cached per
// attribute set and export group, so an attribute set is transformed and encoded once per group.
// Must not import fsm, api, daemon, node:net or metrics libraries.

import {
  Afi, type CodecContext, type PathAttributes, AttrType, WellKnownCommunity, Writer, attributeValueOffset,
  countAs, encodePathAttributesInto, forPropagation, needsAs4, prependAs, withoutConfederation,
} from '../wire/index.js';
import { type AttrEntry, type AttrTable, asPathOf, llgrStaleOf } from './attr-table.js';
import type { Path, RibPeer } from './path.js';
import { reflect, reflects } from './reflection.js';
import type { RouteMap } from './policy/types.js';
import type { Memoized } from './update-memo.js';

/**
 * An outgoing peer as export sees it. Peers with equal `groupKey` get identical attributes but for
 * our own IPv4 next hop, which is patched in per peer (bytesFor), so it is not part of the key.
 */
export interface ExportPeer extends RibPeer {
  readonly localAs: number;
  readonly routerId: number;
  readonly clusterId: number;
  /** Our address on this session, per family: the next hop we announce for ourselves. */
  readonly localIpv4: number | undefined;
  readonly localIpv6: Buffer | undefined;
  /**
   * RFC 8950: IPv4 routes go in MP_REACH_NLRI with an IPv6 next hop (negotiated on an IPv6 session
   * where we have no IPv4 next hop to give: unnumbered); localIpv4 is then undefined.
   */
  readonly ipv4OverIpv6?: boolean;
  readonly nextHopSelf: boolean;
  readonly tx: CodecContext;
  readonly groupKey: string;
  /** Export route-map; 'deny' sends nothing (RFC 8212 for eBGP without policy). */
  readonly exportMap?: RouteMap | 'deny';
  /** RFC 7911: paths sent per prefix when ADD-PATH send is negotiated ('all', or the best N). */
  readonly addPathSend?: 'all' | number;
  /** RFC 8326 draining: every route sent carries GRACEFUL_SHUTDOWN (and LOCAL_PREF 0 on iBGP). */
  readonly gracefulShutdown?: boolean;
  /** The peer sent the long-lived graceful restart capability: LLGR_STALE routes may go to it (RFC 9494 4.5). */
  readonly longLived?: boolean;
}

/**
 * An outbound attribute set as sent: its encoded octets (what the Adj-RIB-Out compares and packs).
 * One form serves every peer of an export group, so a set costs one encoding per group, not per
 * peer (as FRR's update groups adjust the next hop per peer when they send).
 */
export interface OutForm extends Memoized {
  readonly id: number;
  /** The attribute entry caching it: a form no peer holds any more leaves that cache (AttrTable). */
  readonly entry: AttrEntry;
  /** Where the peers holding it as sent find it (sent-forms.ts); 0 before the first. */
  slot: number;
  /**
   * The octets are `length` from `at` in `chunk` (wire/octet-chunks.ts), with the NEXT_HOP of the
   * peer that made the form when `selfNextHopAt` is set. Not a Buffer of their own: a view is 104
   * octets of heap, and a full table has a form per attribute set (bytesFor makes one when sent).
   */
  readonly chunk: Buffer;
  readonly at: number;
  readonly length: number;
  /** Where the 4 octets of NEXT_HOP are in the octets when they are the receiving peer's own address. */
  readonly selfNextHopAt?: number;
  /** An MP_REACH next hop an export route-map set (IPv6): part of what is sent, so part of the form. */
  readonly mpNextHop?: Buffer;
}

/** An outbound form as outForm keeps it: the memo's fields too (update-memo.ts). */
type Form = { -readonly [K in keyof Required<OutForm>]: OutForm[K] };

/**
 * A new form, every field in place from the start so that all forms have one shape (an object
 * literal with optional fields spread into it cost about 450 ns more a form, a full table's 200k
 * of them). A literal, not a class: V8 tracks an allocation site per literal, and a site whose
 * objects outlive young-generation collections (forms live as long as their set is sent) gets
 * them made in the old generation at once, instead of copied there through two collections.
 */
function newForm(id: number, entry: AttrEntry, chunk: Buffer, at: number, length: number, selfNextHopAt: number | undefined, mpNextHop: Buffer | undefined): Form {
  return { id, entry, slot: 0, chunk, at, length, selfNextHopAt, mpNextHop, encoded: undefined, firstReader: undefined };
}

/**
 * Whether two forms send the same thing: the same object, or equal octets (a form no peer held
 * was dropped from its cache, and made again when next asked for).
 */
export function sameForm(a: OutForm, b: OutForm): boolean {
  if (a === b) return true;
  if (a.length !== b.length || a.selfNextHopAt !== b.selfNextHopAt) return false;
  if (a.mpNextHop !== b.mpNextHop && (a.mpNextHop === undefined || b.mpNextHop === undefined || !a.mpNextHop.equals(b.mpNextHop))) return false;
  return a.chunk.compare(b.chunk, b.at, b.at + b.length, a.at, a.at + a.length) === 0;
}

/** Whether `afi`'s routes to `peer` carry their next hop in NEXT_HOP (IPv4), not in MP_REACH_NLRI. */
export function inNextHopField(afi: number, peer: ExportPeer): boolean {
  return afi === Afi.IPV4 && !peer.ipv4OverIpv6;
}

/** Whether `best` may be advertised to `to` at all. */
export function mayExport(best: Path, to: ExportPeer): boolean {
  const from = best.peer;
  if (from.index === to.index) return false;
  // RFC 9494 4.5: a route kept past its peer's restart time goes only to peers that know what that means.
  if (llgrStaleOf(best.entry) && !to.longLived) return false;
  const c = best.entry.attrs.communities;
  if (c) {
    // RFC 1997: NO_ADVERTISE to nobody; NO_EXPORT and NO_EXPORT_SUBCONFED not outside the AS.
    if (c.includes(WellKnownCommunity.NO_ADVERTISE)) return false;
    if (!to.ibgp && (c.includes(WellKnownCommunity.NO_EXPORT) || c.includes(WellKnownCommunity.NO_EXPORT_SUBCONFED))) return false;
  }
  if (to.ibgp) {
    // RFC 4271 9.2: iBGP-learned routes go to iBGP peers only when reflecting (RFC 4456), and never
    // back to their originator.
    if (from.ibgp && !from.local) return reflects(from, to) && best.entry.attrs.originatorId !== to.bgpId;
    return true;
  }
  // The eBGP peer would drop a path holding its own AS (RFC 4271 9.1.2): do not send it.
  return countAs(asPathOf(best.entry), to.asn) === 0;
}

/**
 * The attributes `best` carries to `to` (mayExport must hold). `keepNextHop`: an export route-map
 * set the next hop, which replaces ours even toward eBGP.
 */
export function exportAttributes(best: Path, to: ExportPeer, keepNextHop = false): PathAttributes {
  const out = transformed(best, to, keepNextHop);
  if (!to.gracefulShutdown) return out;
  const communities = out.communities?.includes(WellKnownCommunity.GRACEFUL_SHUTDOWN) ? out.communities : [...(out.communities ?? []), WellKnownCommunity.GRACEFUL_SHUTDOWN];
  return to.ibgp ? { ...out, communities, localPref: 0 } : { ...out, communities };
}

/**
 * Where the IPv4 NEXT_HOP sent to `to` comes from: an export route-map that set one; ours (eBGP,
 * iBGP next-hop-self, our own routes; RFC 4271 5.1.3); or the path's own (iBGP otherwise). Which
 * one is the same for every peer of an export group; with 'own' the address is each peer's.
 */
function nextHopSource(best: Path, to: ExportPeer, keepNextHop: boolean): 'policy' | 'own' | 'path' {
  if (keepNextHop && typeof best.nextHop === 'number') return 'policy';
  return !to.ibgp || best.peer.local || to.nextHopSelf || keepNextHop ? 'own' : 'path';
}

const nonTransitive = ([hi]: readonly [number, number]): boolean => ((hi >>> 24) & 0x40) !== 0;

type Outgoing = { -readonly [K in keyof PathAttributes]: PathAttributes[K] };

/** The ASN an eBGP export prepends, in one array reused for every set (prependAs copies it). */
const OUR_AS = [0];

/**
 * Every field of `a` in one object of one shape, absent ones undefined (the encoder skips them),
 * for the export rules to overwrite: a set with some fields left out by rest and spread cost two
 * objects and a slow copy per attribute set. Each field is named, and the type makes a field
 * added to PathAttributes an error here until it is.
 */
function outgoing(a: PathAttributes): Outgoing {
  const all: { [K in keyof Required<PathAttributes>]: PathAttributes[K] | undefined } = {
    origin: a.origin,
    asPath: a.asPath,
    nextHop: a.nextHop,
    med: a.med,
    localPref: a.localPref,
    atomicAggregate: a.atomicAggregate,
    aggregator: a.aggregator,
    communities: a.communities,
    originatorId: a.originatorId,
    clusterList: a.clusterList,
    extendedCommunities: a.extendedCommunities,
    as4Path: a.as4Path,
    as4Aggregator: a.as4Aggregator,
    largeCommunities: a.largeCommunities,
    onlyToCustomer: a.onlyToCustomer,
    unknown: a.unknown,
  };
  return all;
}

function transformed(best: Path, to: ExportPeer, keepNextHop: boolean): PathAttributes {
  const from = best.peer;
  const out = outgoing(forPropagation(best.entry.attrs));
  const source = nextHopSource(best, to, keepNextHop);
  const ipv4NextHop = source === 'policy' ? (best.nextHop as number) : source === 'own' ? to.localIpv4 : undefined;
  // RFC 6793: AS4_PATH and AS4_AGGREGATOR are made again for a 2-octet peer, from the merged path.
  out.as4Path = undefined;
  out.as4Aggregator = undefined;
  if (!to.ibgp) {
    // eBGP: prepend our AS, next hop self; LOCAL_PREF, ORIGINATOR_ID, CLUSTER_LIST are iBGP-only,
    // and MED learned from another AS is not passed on (RFC 4271 5.1.4).
    out.localPref = undefined;
    out.originatorId = undefined;
    out.clusterList = undefined;
    if (!(from.local || from.ibgp)) out.med = undefined;
    OUR_AS[0] = to.localAs;
    const asPath = prependAs(asPathOf(best.entry), OUR_AS);
    out.asPath = asPath;
    // RFC 4360 6: non-transitive extended communities (type bit 0x40) stay inside the AS.
    if (out.extendedCommunities?.some(nonTransitive)) {
      const kept = out.extendedCommunities.filter((c) => !nonTransitive(c));
      out.extendedCommunities = kept.length > 0 ? kept : undefined;
    }
    out.nextHop = ipv4NextHop;
    if (!to.tx.as4 && needsAs4(asPath)) out.as4Path = withoutConfederation(asPath);
    return out;
  }
  out.localPref = out.localPref ?? 100;
  out.asPath = asPathOf(best.entry);
  // iBGP keeps the next hop (an eBGP-learned one too) unless next-hop-self (or policy) sets it.
  if (ipv4NextHop !== undefined) out.nextHop = ipv4NextHop;
  const sent = from.ibgp && !from.local ? reflect(out, from, to.clusterId) : out;
  if (!to.tx.as4 && needsAs4(sent.asPath!)) return { ...sent, as4Path: sent.asPath };
  return sent;
}

/** The octets of a form as `to` gets them: its own address as NEXT_HOP where the form has ours. */
export function bytesFor(form: OutForm, to: ExportPeer): Buffer {
  const bytes = form.chunk.subarray(form.at, form.at + form.length);
  if (form.selfNextHopAt === undefined) return bytes;
  const own = to.localIpv4! >>> 0;
  if (bytes.readUInt32BE(form.selfNextHopAt) === own) return bytes;
  const b = Buffer.from(bytes);
  b.writeUInt32BE(own, form.selfNextHopAt);
  return b;
}

const FORM_WRITER = new Writer(4096);

/**
 * The cached outbound form of `best` for `to`'s export group: attributes and their octets. IPv6
 * next hops travel in MP_REACH_NLRI, so they are not part of the form.
 */
export function outForm(best: Path, to: ExportPeer, table: AttrTable, keepNextHop = false): OutForm {
  const entry = best.entry;
  const from = best.peer;
  // The form depends on the target's export group and on what kind of peer the route came from;
  // reflected routes also on the originator; a next hop set by policy on that next hop. A numeric
  // key avoids building a string per prefix in the common case.
  const kind = (from.local ? 1 : 0) | (from.ibgp ? 2 : 0) | (from.rrClient ? 4 : 0) | (keepNextHop ? 8 : 0);
  let key: number | string = table.groupId(to.groupKey) * 16 + kind;
  // Reflected: the originator's id in the low 32 bits (exact while the key stays below 2^53).
  if (to.ibgp && from.ibgp && !from.local) key = key < 2 ** 21 ? key * 2 ** 32 + (from.bgpId >>> 0) : `${key}|${from.bgpId}`;
  // An MP_REACH next hop that is not ours is part of what is sent: one set a route-map chose, or
  // a learned one kept toward iBGP (ipv6NextHopFor). Paths with the same attributes but different
  // next hops (two reflector clients' routes) must not share a form: they would share one UPDATE,
  // and a next hop change alone would not be sent again.
  const learned = to.ibgp && !to.nextHopSelf && !from.local && best.nextHop instanceof Buffer;
  const mpNextHop = (keepNextHop || learned) && typeof best.nextHop !== 'number' ? best.nextHop : undefined;
  if (keepNextHop || mpNextHop) key = `${key}|${typeof best.nextHop === 'number' ? best.nextHop : best.nextHop.toString('hex')}`;
  // Most sets go to one export group: the first form sits in the entry, others in a map.
  if (entry.outKey === key) return entry.outForm!;
  let f = entry.outMore?.get(key);
  if (!f) {
    // Encoded into one writer for every form, then copied where forms keep their octets.
    const bytes = encodePathAttributesInto(FORM_WRITER, exportAttributes(best, to, keepNextHop), to.tx);
    const own = to.localIpv4 !== undefined && nextHopSource(best, to, keepNextHop) === 'own';
    const selfNextHopAt = own ? attributeValueOffset(bytes, AttrType.NEXT_HOP) : undefined;
    const octets = table.formOctets;
    const chunk = octets.keep(bytes);
    f = newForm(table.nextOutId(), entry, chunk, octets.keptAt, bytes.length, selfNextHopAt, mpNextHop);
    if (entry.outForm === undefined) {
      entry.outKey = key;
      entry.outForm = f;
    } else {
      (entry.outMore ??= new Map()).set(key, f);
    }
  }
  return f;
}
