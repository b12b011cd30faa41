// Interned attribute sets with reference counts: every path points at one AttrEntry shared by all
// paths with the same attributes; an entry is dropped when no path uses it. The entry caches what
// the decision process reads, and what each outbound group made of it (attributes and octets).
// Must not import fsm, api, daemon, node:net or metrics libraries.

import type { OutForm } from './export.js';
import { SentForms } from './sent-forms.js';
import { type AsPath, type AttributeCache, type PathAttributes, WellKnownCommunity, asPathLength, mergeAs4Path, neighborAs, OctetChunks } from '../wire/index.js';
import { UpdateMemo } from './update-memo.js';

/**
 * An interned attribute set. Made by an object literal (newAttrEntry), not a class: V8 keeps an
 * allocation site per literal and makes the objects of a site whose objects outlive young
 * collections in the old generation at once (a full table's 200k entries live as long as their
 * paths), where a class's instances are copied there through two scavenges. So what a class
 * would compute in getters is read through the functions below.
 */
export interface AttrEntry {
  readonly attrs: PathAttributes;
  refs: number;
  /** Its index among the table's entries while held (AttrTable.entryAt), so path rows keep a number, not a pointer; 0 for none. */
  slot: number;
  /** RFC 4271 9.1.2.2 inputs, computed once per set. */
  readonly localPref: number;
  readonly asPathLen: number;
  readonly med: number;
  /** The neighbor AS for MED comparison: the first AS of the path (0 when empty). */
  readonly neighborAs: number;
  /**
   * ORIGIN (2 bits), LLGR_STALE (1 bit) and the CLUSTER_LIST length, in one number: every field of
   * an entry is 8 octets (Node's V8 has no pointer compression), and a table holds one entry per
   * attribute set (800k with four upstreams). Read with originOf, llgrStaleOf, clusterListLenOf.
   */
  readonly packed: number;
  /** Outbound forms per export group key (encoded octets), made on first use: the first in place. */
  outKey: number | string | undefined;
  outForm: OutForm | undefined;
  outMore: Map<number | string, OutForm> | undefined;
}

export function newAttrEntry(attrs: PathAttributes): AttrEntry {
  const asPath = mergedAsPath(attrs);
  const communities = attrs.communities;
  // RFC 8326 4: a route carrying GRACEFUL_SHUTDOWN is about to go; prefer anything else.
  const localPref = communities?.includes(WellKnownCommunity.GRACEFUL_SHUTDOWN) ? 0 : (attrs.localPref ?? 100);
  // RFC 9494 4.3: a route kept past its peer's restart time is least preferred.
  const llgrStale = communities?.includes(WellKnownCommunity.LLGR_STALE) ? 1 : 0;
  return {
    attrs,
    refs: 0,
    slot: 0,
    localPref,
    asPathLen: asPathLength(asPath),
    // RFC 4271 9.1.2.2 (c): a missing MED counts as the lowest value (FRR and BIRD do the same).
    med: attrs.med ?? 0,
    neighborAs: neighborAs(asPath),
    packed: ((attrs.origin ?? 2) & 3) | (llgrStale << 2) | ((attrs.clusterList?.length ?? 0) * 8),
    outKey: undefined,
    outForm: undefined,
    outMore: undefined,
  };
}

export function originOf(e: AttrEntry): number {
  return e.packed & 3;
}

/** 1 with the LLGR_STALE community (RFC 9494 4.3: least preferred), else 0. */
export function llgrStaleOf(e: AttrEntry): number {
  return (e.packed >> 2) & 1;
}

export function clusterListLenOf(e: AttrEntry): number {
  return Math.floor(e.packed / 8);
}

/** The AS path after the RFC 6793 merge (what loops and policy look at). */
export function asPathOf(e: AttrEntry): AsPath {
  return mergedAsPath(e.attrs);
}

function mergedAsPath(a: PathAttributes): AsPath {
  if (a.as4Path === undefined) return a.asPath ?? NO_PATH;
  let merged = mergedPaths.get(a);
  if (merged === undefined) mergedPaths.set(a, (merged = mergeAs4Path(a) ?? NO_PATH));
  return merged;
}

const NO_PATH: AsPath = Object.freeze([]);

/** Merged AS paths of sets from 2-octet speakers with AS4_PATH (rare), so each is made once. */
const mergedPaths = new WeakMap<PathAttributes, AsPath>();

/** A form leaves its entry's cache (the entry may hold it in place, or in its map). */
function forget(form: OutForm): void {
  const e = form.entry;
  if (e.outForm === form) {
    e.outForm = e.outKey = undefined;
    return;
  }
  const more = e.outMore;
  if (more === undefined) return;
  for (const [key, f] of more) {
    if (f !== form) continue;
    more.delete(key);
    if (more.size === 0) e.outMore = undefined;
    return;
  }
}

export class AttrTable {
  /**
   * Entries of sets the decode cache did not just hand over (made by policy, originated, or given
   * again later), by object. Those of decoded sets are found through the cache's entry for them,
   * which keeps the entry's slot (holderAt): a full table's 200k sets are 7 MB less in a map.
   */
  readonly #byAttrs = new Map<PathAttributes, AttrEntry>();
  readonly #cache: AttributeCache | undefined;
  #count = 0;
  /** The entries held, by slot (0 unused); slots of released entries are reused. */
  readonly #bySlot: (AttrEntry | undefined)[] = [undefined];
  readonly #freeSlots: number[] = [];
  /**
   * The outbound forms peers hold as sent (their Adj-RIB-Outs keep slots). One no peer holds is
   * dropped from its entry: its set was replaced everywhere it went (four upstreams replacing each
   * other's paths left three forms in four cached for nothing) or its peers went; sending it again
   * encodes it again.
   */
  readonly sent = new SentForms<OutForm>(forget);
  /** Where the forms' octets are kept (outside Node's shared buffer pool). */
  readonly formOctets = new OctetChunks();
  /** The UPDATEs last encoded for forms: peers sent the same prefixes behind one get the same octets. */
  readonly updates = new UpdateMemo();
  #nextId = 1;

  /** `cache`: the decode cache whose sets this table is given, whose entries keep this table's slots. */
  constructor(cache?: AttributeCache) {
    this.#cache = cache;
  }

  get size(): number {
    return this.#count;
  }

  /** Entries found by object (not through the decode cache): diagnostics and tests. */
  get byObject(): number {
    return this.#byAttrs.size;
  }

  /**
   * Whether some path holds this attribute object (the decode cache keeps only those); `holder`,
   * the number the cache keeps for it (a slot here), is tried first.
   */
  holds(attrs: PathAttributes, holder = 0): boolean {
    return (holder !== 0 && this.#bySlot[holder]?.attrs === attrs) || this.#byAttrs.has(attrs);
  }

  /**
   * The entry for an attribute object (decoded sets are already shared objects); one more user.
   * `known`: an entry the caller already has for it (routes kept before policy, imported again).
   */
  acquire(attrs: PathAttributes, known?: AttrEntry): AttrEntry {
    if (known !== undefined && known.attrs === attrs && known.refs > 0) {
      known.refs++;
      return known;
    }
    const cache = this.#cache;
    // The set the decoder just found or stored: its cache entry names our entry (checked, since a
    // slot is reused once its entry goes, and the cache may have changed since).
    const ref = cache === undefined ? -1 : cache.lastRef;
    if (ref !== -1 && cache!.valueAt(ref) === attrs) {
      let e = this.#bySlot[cache!.holderAt(ref)];
      if (e === undefined || e.attrs !== attrs) {
        e = (this.#byAttrs.size !== 0 ? this.#byAttrs.get(attrs) : undefined) ?? this.#add(attrs);
        cache!.setHolder(ref, e.slot);
      }
      e.refs++;
      return e;
    }
    let e = this.#byAttrs.get(attrs);
    if (!e) this.#byAttrs.set(attrs, (e = this.#add(attrs)));
    e.refs++;
    return e;
  }

  #add(attrs: PathAttributes): AttrEntry {
    const e = newAttrEntry(attrs);
    e.slot = this.#freeSlots.pop() ?? this.#bySlot.length;
    this.#bySlot[e.slot] = e;
    this.#count++;
    return e;
  }

  release(e: AttrEntry): void {
    if (--e.refs > 0) return;
    if (this.#byAttrs.size !== 0 && this.#byAttrs.get(e.attrs) === e) this.#byAttrs.delete(e.attrs);
    this.#bySlot[e.slot] = undefined;
    this.#freeSlots.push(e.slot);
    e.slot = 0;
    this.#count--;
  }

  /** The entry held in `slot` (a path row's number for its attribute set). */
  entryAt(slot: number): AttrEntry {
    return this.#bySlot[slot]!;
  }

  readonly #groups = new Map<string, number>();

  #lastGroup: { key: string; id: number } | undefined;

  /** A small number for an export group key (peers with the same outbound treatment). */
  groupId(key: string): number {
    // Asked once per prefix per peer: the same key string as last time costs no lookup.
    const last = this.#lastGroup;
    if (last !== undefined && last.key === key) return last.id;
    let id = this.#groups.get(key);
    if (id === undefined) this.#groups.set(key, (id = this.#groups.size + 1));
    this.#lastGroup = { key, id };
    return id;
  }

  /** A fresh id for an outbound form (what views group UPDATEs by). */
  nextOutId(): number {
    return this.#nextId++;
  }
}
