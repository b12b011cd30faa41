// The paths of one Loc-RIB as columns of typed arrays: a path is a small integer (0 is none)
// indexing its peer, path id, attribute set, next hop, weight, receive time and flags, and the
// Loc-RIB's own bookkeeping (the trie node holding it, its neighbours in its peer's list and in
// its prefix's list of candidates). No object per path: a million paths cost the garbage collector
// nothing to trace. Readers get a Path, made on demand, a snapshot of the columns.
// Shared things are interned with reference counts: peers (a small table; a restarting peer's
// stale paths keep the session object they came with), next hops given as octets (IPv6, or IPv4
// through MP_REACH_NLRI), held once per distinct address. Attribute sets are the AttrTable's: a
// row holds its set's slot there (a number, not a pointer the collector would trace).
// Ids of removed paths are reused; the columns grow in chunks (capacity doubles) and go back to
// their first size when the store empties.
// Must not import fsm, api, daemon, node:net or metrics libraries.

import type { AttrEntry, AttrTable } from './attr-table.js';
import { type Column, column, emptied, resized, resizedIfMade, retireReplaced, widened } from './columns.js';
import { Path, type RibPeer } from './path.js';

/** A path of the store: an index into the columns; 0 is none. */
export type PathRef = number;

const FIRST_CAPACITY = 1024;

/** Flag bits. */
const STALE = 1;
/** The next-hop column holds an interned octets id, not an IPv4 address. */
const NH_OCTETS = 2;

/** Things shared by many paths, each held once with a count of its users. */
class Interned<T> {
  readonly #ids = new Map<unknown, number>();
  readonly #items: (T | undefined)[] = [undefined];
  readonly #keys: unknown[] = [undefined];
  readonly #refs: number[] = [0];
  readonly #free: number[] = [];

  acquire(key: unknown, item: T): number {
    let id = this.#ids.get(key);
    if (id === undefined) {
      id = this.#free.pop() ?? this.#items.length;
      this.#items[id] = item;
      this.#keys[id] = key;
      this.#refs[id] = 0;
      this.#ids.set(key, id);
    }
    this.#refs[id]++;
    return id;
  }

  release(id: number): void {
    if (--this.#refs[id] > 0) return;
    this.#ids.delete(this.#keys[id]);
    this.#items[id] = this.#keys[id] = undefined;
    this.#free.push(id);
  }

  /** One more user of an id already held. */
  addRef(id: number): void {
    this.#refs[id]++;
  }

  /** The item of an id (undefined once its last user went). */
  get(id: number): T | undefined {
    return this.#items[id];
  }

  get size(): number {
    return this.#ids.size;
  }
}

export class PathStore {
  #capacity = 0;
  #nextRef = 1;
  /** Free rows, a list chained through their #next column (a removed row is in no peer's list). */
  #freeHead: PathRef = 0;
  #count = 0;
  /** Interned peer ids: two octets a row until some id needs more (65,536 peers at once), then four. */
  #peer: Uint16Array | Uint32Array = column(Uint16Array, 0);
  /**
   * Path ids (RFC 7911) and weights: each column is made with its first non-zero value, as most
   * tables have neither (ADD-PATH off, no weight set); empty, every row reads 0.
   */
  #pathId = column(Uint32Array, 0);
  #nextHop = column(Uint32Array, 0);
  #weight = column(Int32Array, 0);
  #at = column(Uint32Array, 0);
  #flags = column(Uint8Array, 0);
  /**
   * The Loc-RIB's: the trie node holding the path, its peer's previous and next path, and the
   * candidates of its prefix before and after it (a ring, while the prefix has a list). Those two
   * are made when a prefix first gets a second path (ensureLinks): a table of one path a prefix
   * (a full table from one upstream) never needs them.
   */
  #node = column(Int32Array, 0);
  #prev = column(Int32Array, 0);
  #next = column(Int32Array, 0);
  #before = column(Int32Array, 0);
  #after = column(Int32Array, 0);
  /** The attribute set of each path: its slot in the AttrTable. */
  #entry = column(Uint32Array, 0);
  readonly #attrs: AttrTable;
  readonly #peers = new Interned<RibPeer>();
  readonly #octets = new Interned<Buffer>();
  /** The peer last interned, and its id. */
  #lastPeer: RibPeer | undefined;
  #lastPeerId = 0;
  /** The octets last interned, and their id: the paths of one UPDATE share one next hop object. */
  #lastOctets: Buffer | undefined;
  #lastOctetsId = 0;

  constructor(attrs: AttrTable) {
    this.#attrs = attrs;
    this.#allocate(FIRST_CAPACITY);
  }

  /** Paths held. */
  get size(): number {
    return this.#count;
  }

  /** Octets the columns take (the attribute sets and interned next hops not counted). */
  get bytes(): number {
    return this.#capacity * (4 * 6 + 1) + this.#peer.byteLength + this.#pathId.byteLength + this.#weight.byteLength + this.#before.byteLength + this.#after.byteLength;
  }

  /** Stores a path; the store takes over the caller's reference of path.entry. */
  add(path: Path): PathRef {
    if (path.pathId !== 0 && this.#pathId.length === 0) this.#pathId = resized(this.#pathId, this.#capacity);
    if (path.weight !== 0 && this.#weight.length === 0) this.#weight = resized(this.#weight, this.#capacity);
    // Grown first: an allocation that fails leaves the store as it was.
    if (this.#freeHead === 0 && this.#nextRef >= this.#capacity) this.#allocate(this.#capacity * 2);
    const peerId = this.#peerId(path.peer);
    let ref = this.#freeHead;
    if (ref !== 0) this.#freeHead = this.#next[ref];
    else ref = this.#nextRef++;
    this.#count++;
    this.#peer[ref] = peerId;
    if (this.#pathId.length !== 0) this.#pathId[ref] = path.pathId;
    const nh = path.nextHop;
    let flags = path.stale ? STALE : 0;
    if (typeof nh === 'number') this.#nextHop[ref] = nh;
    else {
      if (nh === this.#lastOctets && this.#octets.get(this.#lastOctetsId)?.equals(nh)) this.#octets.addRef(this.#lastOctetsId);
      else {
        this.#lastOctetsId = this.#octets.acquire(nh.toString('latin1'), nh);
        this.#lastOctets = nh;
      }
      this.#nextHop[ref] = this.#lastOctetsId;
      flags |= NH_OCTETS;
    }
    this.#flags[ref] = flags;
    if (this.#weight.length !== 0) this.#weight[ref] = path.weight;
    this.#at[ref] = path.at;
    this.#entry[ref] = path.entry.slot;
    this.#node[ref] = this.#prev[ref] = this.#next[ref] = 0;
    if (this.#before.length !== 0) this.#before[ref] = this.#after[ref] = 0;
    return ref;
  }

  /** A path's peer as its interned id, one more reference taken (the column widened first if the id needs it). */
  #peerId(peer: RibPeer): number {
    // The paths of one UPDATE come from one peer: its id is at hand without the map's lookup.
    if (peer === this.#lastPeer && this.#peers.get(this.#lastPeerId) === peer) {
      this.#peers.addRef(this.#lastPeerId);
      return this.#lastPeerId;
    }
    const id = this.#peers.acquire(peer, peer);
    if (id > 0xffff && this.#peer instanceof Uint16Array) {
      try {
        this.#peer = widened(this.#peer);
      } catch (e) {
        this.#peers.release(id);
        throw e;
      }
    }
    this.#lastPeer = peer;
    this.#lastPeerId = id;
    return id;
  }

  /** Forgets a path and releases its attribute set (the reference add() took over). */
  remove(ref: PathRef): void {
    this.#attrs.release(this.#attrs.entryAt(this.#entry[ref]));
    this.#peers.release(this.#peer[ref]);
    if (this.#flags[ref] & NH_OCTETS) this.#octets.release(this.#nextHop[ref]);
    this.#entry[ref] = 0;
    this.#count--;
    this.#next[ref] = this.#freeHead;
    this.#freeHead = ref;
    if (this.#count === 0) {
      // Empty again: refs start over and the columns return to their first size.
      this.#freeHead = 0;
      this.#nextRef = 1;
      this.#allocate(FIRST_CAPACITY, emptied, (c) => emptied(c, 0));
    }
  }

  /** The columns linking a prefix's candidates, made if not yet (before a prefix gets a second path). */
  ensureLinks(): void {
    if (this.#before.length !== 0) return;
    const before = resized(this.#before, this.#capacity);
    this.#after = resized(this.#after, this.#capacity);
    this.#before = before;
  }

  /** The path as an object (a snapshot: later changes of the store do not show in it). */
  view(ref: PathRef): Path {
    const f = this.#flags[ref];
    const nh = f & NH_OCTETS ? this.#octets.get(this.#nextHop[ref])! : this.#nextHop[ref];
    return new Path(this.#peers.get(this.#peer[ref])!, this.pathId(ref), this.#attrs.entryAt(this.#entry[ref]), nh, this.#weight.length === 0 ? 0 : this.#weight[ref], (f & STALE) !== 0, this.#at[ref]);
  }

  /**
   * Whether two rows came the same way: same peer (session), attribute set and next hop. What a
   * peer is sent of a path depends on nothing else (without export policy), so a reader of many
   * prefixes can reuse what it made of the last one.
   */
  sameSource(a: PathRef, b: PathRef): boolean {
    return this.#entry[a] === this.#entry[b] && this.#peer[a] === this.#peer[b] && this.#nextHop[a] === this.#nextHop[b] && (this.#flags[a] & NH_OCTETS) === (this.#flags[b] & NH_OCTETS);
  }

  peer(ref: PathRef): RibPeer {
    return this.#peers.get(this.#peer[ref])!;
  }

  peerIndex(ref: PathRef): number {
    return this.#peers.get(this.#peer[ref])!.index;
  }

  pathId(ref: PathRef): number {
    return this.#pathId.length === 0 ? 0 : this.#pathId[ref];
  }

  entry(ref: PathRef): AttrEntry {
    return this.#attrs.entryAt(this.#entry[ref]);
  }

  stale(ref: PathRef): boolean {
    return (this.#flags[ref] & STALE) !== 0;
  }

  setStale(ref: PathRef): void {
    this.#flags[ref] |= STALE;
  }

  node(ref: PathRef): number {
    return this.#node[ref];
  }

  setNode(ref: PathRef, node: number): void {
    this.#node[ref] = node;
  }

  prevOfPeer(ref: PathRef): PathRef {
    return this.#prev[ref];
  }

  nextOfPeer(ref: PathRef): PathRef {
    return this.#next[ref];
  }

  setPrevOfPeer(ref: PathRef, to: PathRef): void {
    this.#prev[ref] = to;
  }

  setNextOfPeer(ref: PathRef, to: PathRef): void {
    this.#next[ref] = to;
  }

  /** The candidate before this one in its prefix's ring. */
  beforeInPrefix(ref: PathRef): PathRef {
    return this.#before[ref];
  }

  /** The candidate after this one in its prefix's ring. */
  afterInPrefix(ref: PathRef): PathRef {
    return this.#after[ref];
  }

  /** Links `ref` between two candidates of its prefix (itself twice: alone in the ring; 0: none). */
  setInPrefix(ref: PathRef, before: PathRef, after: PathRef): void {
    this.#before[ref] = before;
    this.#after[ref] = after;
  }

  setAfterInPrefix(ref: PathRef, after: PathRef): void {
    this.#after[ref] = after;
  }

  setBeforeInPrefix(ref: PathRef, before: PathRef): void {
    this.#before[ref] = before;
  }

  /** Distinct next-hop octets held (interned). */
  get nextHopOctets(): number {
    return this.#octets.size;
  }

  /**
   * The columns at a new capacity, each made by `how` (grown, or emptied when the store empties),
   * those made on demand by `optional`. Each column is taken as it is made (a grown memory's old
   * view is detached, columns.ts): an allocation that fails part way leaves some columns longer
   * than the capacity, which is harmless.
   */
  #allocate(capacity: number, how: <T extends Column>(c: T, capacity: number) => T = resized, optional: <T extends Column>(c: T, capacity: number) => T = resizedIfMade): void {
    const old = this.#columns();
    this.#peer = how(this.#peer, capacity);
    this.#pathId = optional(this.#pathId, capacity);
    this.#nextHop = how(this.#nextHop, capacity);
    this.#weight = optional(this.#weight, capacity);
    this.#at = how(this.#at, capacity);
    this.#flags = how(this.#flags, capacity);
    this.#node = how(this.#node, capacity);
    this.#prev = how(this.#prev, capacity);
    this.#next = how(this.#next, capacity);
    this.#before = optional(this.#before, capacity);
    this.#after = optional(this.#after, capacity);
    this.#entry = how(this.#entry, capacity);
    this.#capacity = capacity;
    retireReplaced(old, this.#columns());
  }

  #columns(): Column[] {
    return [this.#peer, this.#pathId, this.#nextHop, this.#weight, this.#at, this.#flags, this.#node, this.#prev, this.#next, this.#before, this.#after, this.#entry];
  }
}
