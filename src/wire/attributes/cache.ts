// A cache of decoded attribute sets keyed by their wire octets, so that the UPDATEs sharing one
// attribute set decode it once and share one immutable object (interning).
// Open addressing over typed arrays with the keys packed in chunks: no object or Buffer per
// entry, so a full table costs the garbage collector almost nothing.
// Hostile input: the keys come from peers, so the hash is keyed with a per-process random key
// (HalfSipHash-1-3) and probe sequences are bounded: nobody can choose colliding sets without the
// key, and should a sequence grow long anyway the table takes a new key. Memory: sets no path
// uses any more are dropped by a sweep, which the RIB's owner starts when most entries are dead
// and runs a slice at a time (sweepStep), so that a million dead sets never stop the event loop:
// the table being swept stays readable while its live entries move to a fresh one.
// Holders: each entry keeps a number for whoever holds its set (the RIB: the slot of its entry),
// moved with the entry, so that the holder finds its own record of a set it was just given from
// the entry the decoder found, not through a map keyed by the object (37 octets a set).
// Must not import anything outside src/wire.

import type { AttributeError, PathAttributes } from './types.js';

/** The errors of a set that has none (shared: never changed). */
export const NO_ERRORS: readonly AttributeError[] = Object.freeze([]);

/** A stored set that decoded with errors (or to none): the only kind kept with a wrapper. */
class Flawed {
  constructor(
    readonly attrs: PathAttributes | null,
    readonly errors: readonly AttributeError[],
  ) {}
}

/**
 * What an entry holds: the decoded set itself when it decoded cleanly (nearly always; a wrapper
 * per set would be 40 octets each, 8 MB for a full table's 200k sets), else a Flawed.
 */
type Stored = PathAttributes | Flawed;

function stored(attrs: PathAttributes | null, errors: readonly AttributeError[]): Stored {
  return attrs !== null && errors.length === 0 ? attrs : new Flawed(attrs, errors);
}

function attrsOf(v: Stored): PathAttributes | null {
  return v instanceof Flawed ? v.attrs : v;
}

const INITIAL_ENTRIES = 1024;

/**
 * Keys are packed in chunks of CHUNK octets (the first starts small and grows to one by doubling):
 * no key spans two, so a key's offset names its chunk and its place in it. A full table's keys
 * are not copied as they grow, and not held in a doubled arena (16 MB for about 9 MB of keys at
 * 1M prefixes); a chunk wastes at most one key's length at its end.
 */
const CHUNK_BITS = 20;
const CHUNK = 1 << CHUNK_BITS;
const IN_CHUNK = CHUNK - 1;
/** The longest key stored: an attribute list of the longest message (RFC 8654: 65,535 octets) fits. */
const MAX_KEY = CHUNK;
/**
 * Longest probe sequence allowed; a longer one means a bad key (or an attack): take a new one.
 * At the load factor kept (at most 1/2) a random key's longest cluster in a table of millions is
 * a few dozen slots; 128 leaves room for that (a re-key rebuilds everything), and bounds what a
 * lookup can cost.
 */
const MAX_PROBE = 128;

const rotl = (x: number, b: number) => (x << b) | (x >>> (32 - b));

/**
 * HalfSipHash-1-3 (the 32-bit SipHash variant, one compression and three finalization rounds)
 * over the concatenation of byte ranges [ranges[2i], ranges[2i+1]) of `buf`, with `tweak` mixed in
 * last. Keyed: without the key, colliding inputs cannot be chosen.
 */
export function keyedHash(k0: number, k1: number, buf: Uint8Array, ranges: Int32Array, count: number, tweak: number): number {
  let v0 = k0 | 0;
  let v1 = k1 | 0;
  let v2 = (0x6c796765 ^ k0) | 0;
  let v3 = (0x74656462 ^ k1) | 0;
  let m = 0;
  let filled = 0;
  let length = 0;
  for (let r = 0; r < count; r++) {
    const end = ranges[2 * r + 1];
    for (let i = ranges[2 * r]; i < end; i++) {
      m |= buf[i] << (8 * filled);
      if (++filled < 4) continue;
      v3 ^= m;
      v0 = (v0 + v1) | 0; v1 = rotl(v1, 5) ^ v0; v0 = rotl(v0, 16);
      v2 = (v2 + v3) | 0; v3 = rotl(v3, 8) ^ v2;
      v0 = (v0 + v3) | 0; v3 = rotl(v3, 7) ^ v0;
      v2 = (v2 + v1) | 0; v1 = rotl(v1, 13) ^ v2; v2 = rotl(v2, 16);
      v0 ^= m;
      m = 0;
      filled = 0;
      length += 4;
    }
  }
  length += filled;
  const last = ((length & 0xff) << 24) | (m & 0xffffff);
  for (const word of [last, tweak | 0]) {
    v3 ^= word;
    v0 = (v0 + v1) | 0; v1 = rotl(v1, 5) ^ v0; v0 = rotl(v0, 16);
    v2 = (v2 + v3) | 0; v3 = rotl(v3, 8) ^ v2;
    v0 = (v0 + v3) | 0; v3 = rotl(v3, 7) ^ v0;
    v2 = (v2 + v1) | 0; v1 = rotl(v1, 13) ^ v2; v2 = rotl(v2, 16);
    v0 ^= word;
  }
  v2 ^= 0xff;
  for (let i = 0; i < 3; i++) {
    v0 = (v0 + v1) | 0; v1 = rotl(v1, 5) ^ v0; v0 = rotl(v0, 16);
    v2 = (v2 + v3) | 0; v3 = rotl(v3, 8) ^ v2;
    v0 = (v0 + v3) | 0; v3 = rotl(v3, 7) ^ v0;
    v2 = (v2 + v1) | 0; v1 = rotl(v1, 13) ^ v2; v2 = rotl(v2, 16);
  }
  return (v1 ^ v3) >>> 0;
}

function randomKey(): Uint32Array {
  // Web Crypto is a global in Node: no import, and the wire layer stays pure.
  return globalThis.crypto.getRandomValues(new Uint32Array(2));
}

export interface AttributeCacheOptions {
  /** Entries at which the cache starts over (a bound on its size whatever the RIB does). */
  readonly maxEntries?: number;
  /** The hash key (two 32-bit words); random per cache unless a test fixes it. */
  readonly key?: readonly [number, number];
}

/** One open-addressing table: entries in typed arrays, keys packed in chunks. */
class Table {
  slots: Int32Array; // entry index + 1; 0 is empty
  hash: Uint32Array;
  /** What each entry's hash was tweaked with (kept so that a new key can rehash it). */
  tweak: Uint32Array;
  keyOffset: Uint32Array;
  keyLength: Uint32Array;
  /** A number per entry for its set's holder (0: none); see AttributeCache.holderAt. */
  holders: Int32Array;
  values: Stored[] = [];
  readonly chunks: Buffer[];
  /** Octets used in the last chunk. */
  #tail = 0;
  /** Octets of all keys. */
  keyOctets = 0;
  count = 0;

  constructor(entries = INITIAL_ENTRIES, firstChunk = 64 * 1024) {
    this.slots = new Int32Array(entries * 2);
    this.hash = new Uint32Array(entries);
    this.tweak = new Uint32Array(entries);
    this.keyOffset = new Uint32Array(entries);
    this.keyLength = new Uint32Array(entries);
    this.holders = new Int32Array(entries);
    this.chunks = [Buffer.allocUnsafe(firstChunk)];
  }

  /** The chunk holding entry e's key, which starts at keyStart(e) in it. */
  keyChunk(e: number): Buffer {
    return this.chunks[this.keyOffset[e] >>> CHUNK_BITS];
  }

  keyStart(e: number): number {
    return this.keyOffset[e] & IN_CHUNK;
  }

  /** The entry whose key is the concatenation of `ranges` of `buf`, or -1. */
  find(hash: number, buf: Buffer, ranges: Int32Array, count: number, keyLength: number): number {
    const mask = this.slots.length - 1;
    for (let i = hash & mask, probes = 0; probes < MAX_PROBE; i = (i + 1) & mask, probes++) {
      const slot = this.slots[i];
      if (slot === 0) break;
      const e = slot - 1;
      if (this.hash[e] !== hash || this.keyLength[e] !== keyLength) continue;
      // A plain loop: keys are tens of octets, where Buffer#compare's call overhead dominates.
      const arena = this.keyChunk(e);
      let off = this.keyStart(e);
      let same = true;
      for (let r = 0; r < count && same; r++) {
        for (let k = ranges[2 * r], t = ranges[2 * r + 1]; k < t; k++, off++) {
          if (arena[off] !== buf[k]) {
            same = false;
            break;
          }
        }
      }
      if (same) return e;
    }
    return -1;
  }

  /** Appends an entry; the key is the concatenation of `ranges` of `buf`. Its slot is placed by place(). */
  append(hash: number, tweak: number, buf: Uint8Array, ranges: Int32Array, count: number, keyLength: number, value: Stored, holder = 0): number {
    if ((this.count + 1) * 2 > this.slots.length) this.#grow();
    let last = this.chunks.length - 1;
    let arena = this.chunks[last];
    if (this.#tail + keyLength > arena.length) {
      if (arena.length < CHUNK) {
        // Only the first chunk is short: it doubles until it is a whole chunk.
        const next = Buffer.allocUnsafe(Math.min(CHUNK, Math.max(arena.length * 2, this.#tail + keyLength)));
        arena.copy(next, 0, 0, this.#tail);
        this.chunks[last] = arena = next;
      }
      if (this.#tail + keyLength > arena.length) {
        this.chunks.push((arena = Buffer.allocUnsafe(CHUNK)));
        last++;
        this.#tail = 0;
      }
    }
    const e = this.count++;
    this.keyOffset[e] = last * CHUNK + this.#tail;
    this.keyLength[e] = keyLength;
    this.values[e] = value;
    this.holders[e] = holder;
    let off = this.#tail;
    for (let r = 0; r < count; r++) {
      for (let k = ranges[2 * r], t = ranges[2 * r + 1]; k < t; k++) arena[off++] = buf[k];
    }
    this.#tail = off;
    this.keyOctets += keyLength;
    this.hash[e] = hash;
    this.tweak[e] = tweak;
    return e;
  }

  /** Places entry `e` in the slots; the probe length, or -1 when it would pass the bound. */
  place(e: number): number {
    const mask = this.slots.length - 1;
    let i = this.hash[e] & mask;
    let probes = 0;
    for (; this.slots[i] !== 0; i = (i + 1) & mask) {
      if (++probes >= MAX_PROBE) return -1;
    }
    this.slots[i] = e + 1;
    return probes;
  }

  /** Every slot placed again (after a growth or a new key); false when a sequence passed the bound. */
  replaceAll(): boolean {
    this.slots = new Int32Array(this.slots.length);
    for (let e = 0; e < this.count; e++) if (this.place(e) < 0) return false;
    return true;
  }

  #grow(): void {
    const entries = this.hash.length * 2;
    const widen = <T extends Uint32Array | Int32Array>(a: T): T => {
      const b = new (a.constructor as new (n: number) => T)(entries);
      b.set(a);
      return b;
    };
    this.hash = widen(this.hash);
    this.tweak = widen(this.tweak);
    this.keyOffset = widen(this.keyOffset);
    this.keyLength = widen(this.keyLength);
    this.holders = widen(this.holders);
    this.slots = new Int32Array(entries * 2);
    // Half as full as before with the same key, so no sequence should pass the bound; an entry
    // that did would only be a future miss (this is a cache).
    for (let e = 0; e < this.count; e++) this.place(e);
  }
}

/** The index in its table of the entry a reference names (see AttributeCache.lastRef). */
const refIndex = (ref: number): number => (ref >= 0 ? ref : -ref - 2);

/** Whether a sweep keeps an entry: its set (null: it decoded to none) and its holder's number. */
export type SweepKeep = (attrs: PathAttributes | null, holder: number) => boolean;

export class AttributeCache {
  readonly #max: number;
  #k0: number;
  #k1: number;
  #table = new Table();
  /** The table being swept: read until every entry in it is moved or dropped. */
  #sweeping: Table | null = null;
  #sweepNext = 0;
  #keep: SweepKeep = () => true;
  readonly #range = new Int32Array(2);
  hits = 0;
  misses = 0;
  /** The errors of the set the last lookup found (none for nearly every set). */
  foundErrors: readonly AttributeError[] = NO_ERRORS;
  /**
   * The entry the last lookup found or the last store made, for holderAt and setHolder: an index
   * of the current table (>= 0), -(index + 2) of the table being swept, or -1 for none. Good until
   * the cache next changes (a store, a sweep step, a clear); whoever uses it checks first that
   * valueAt(lastRef) is the set it was given.
   */
  lastRef = -1;
  /** Times the table took a new key after a probe sequence grew past the bound. */
  rekeys = 0;
  /** The longest probe sequence an insertion needed (diagnostics). */
  longestProbe = 0;

  constructor(options: AttributeCacheOptions | number = {}) {
    const o = typeof options === 'number' ? { maxEntries: options } : options;
    this.#max = o.maxEntries ?? 1 << 20;
    const key = o.key ?? randomKey();
    this.#k0 = key[0] >>> 0;
    this.#k1 = key[1] >>> 0;
  }

  /** Entries held (during a sweep, those not yet visited count as held). */
  get size(): number {
    return this.#table.count + (this.#sweeping ? this.#sweeping.count - this.#sweepNext : 0);
  }

  /** Octets of keys held (in the tables in use). */
  get keyBytes(): number {
    return this.#table.keyOctets + (this.#sweeping?.keyOctets ?? 0);
  }

  /** Whether a sweep is under way (sweepStep has more to do). */
  get sweeping(): boolean {
    return this.#sweeping !== null;
  }

  /** The hash of a key made of `count` ranges of `buf`; `tweak` tells apart keys decoded differently. */
  hash(buf: Uint8Array, ranges: Int32Array, count: number, tweak: number): number {
    return keyedHash(this.#k0, this.#k1, buf, ranges, count, tweak);
  }

  /**
   * The set whose key equals the concatenation of `ranges` ([start, end) pairs) of `buf` (null: it
   * decoded to none), or undefined when none is stored; its errors are then `foundErrors`. During a
   * sweep the old table answers too: a value found there is right even if the sweep dropped it.
   */
  lookup(hash: number, buf: Buffer, ranges: Int32Array, count: number, keyLength: number): PathAttributes | null | undefined {
    let e = this.#table.find(hash, buf, ranges, count, keyLength);
    let found: Stored | undefined;
    if (e >= 0) {
      this.lastRef = e;
      found = this.#table.values[e];
    } else if (this.#sweeping && (e = this.#sweeping.find(hash, buf, ranges, count, keyLength)) >= 0) {
      this.lastRef = -(e + 2);
      found = this.#sweeping.values[e];
    } else {
      this.lastRef = -1;
      this.misses++;
      return undefined;
    }
    this.hits++;
    if (found instanceof Flawed) {
      this.foundErrors = found.errors;
      return found.attrs;
    }
    this.foundErrors = NO_ERRORS;
    return found;
  }

  /** The table a reference names (see lastRef), or null when it names no entry now; the entry is at refIndex(ref). */
  #tableOf(ref: number): Table | null {
    if (ref >= 0) return ref < this.#table.count ? this.#table : null;
    const old = this.#sweeping;
    return old !== null && ref <= -2 && refIndex(ref) < old.count ? old : null;
  }

  /** The set of a referenced entry (null: it decoded to none), or undefined when the reference names none. */
  valueAt(ref: number): PathAttributes | null | undefined {
    const t = this.#tableOf(ref);
    return t === null ? undefined : attrsOf(t.values[refIndex(ref)]);
  }

  /** The holder's number of a referenced entry (0: none, or no such entry). */
  holderAt(ref: number): number {
    const t = this.#tableOf(ref);
    return t === null ? 0 : t.holders[refIndex(ref)];
  }

  /** Gives a referenced entry its holder's number (kept as the entry moves in sweeps and new keys). */
  setHolder(ref: number, holder: number): void {
    const t = this.#tableOf(ref);
    if (t !== null) t.holders[refIndex(ref)] = holder;
  }

  /** Stores a decoded set and its errors under its key (after a lookup missed with the same hash). */
  store(hash: number, buf: Buffer, ranges: Int32Array, count: number, keyLength: number, attrs: PathAttributes | null, errors: readonly AttributeError[], tweak: number): void {
    this.lastRef = -1;
    if (keyLength > MAX_KEY) return;
    if (this.size >= this.#max) this.clear();
    const e = this.#table.append(hash, tweak, buf, ranges, count, keyLength, stored(attrs, errors));
    this.#place(e);
    this.lastRef = e;
  }

  #place(e: number): void {
    const probes = this.#table.place(e);
    if (probes < 0) this.#rekey();
    else if (probes > this.longestProbe) this.longestProbe = probes;
  }

  /** Entry `e` of `from` appended to the current table (not yet placed); its index there. */
  #moveFrom(from: Table, e: number): number {
    const range = this.#range;
    range[0] = from.keyStart(e);
    range[1] = range[0] + from.keyLength[e];
    return this.#table.append(from.hash[e], from.tweak[e], from.keyChunk(e), range, 1, from.keyLength[e], from.values[e], from.holders[e]);
  }

  /** A new random key, every entry rehashed (a probe sequence grew past the bound). */
  #rekey(): void {
    this.rekeys++;
    // The table being swept was hashed with the old key: what it still holds moves over first.
    const old = this.#sweeping;
    if (old) {
      this.#sweeping = null;
      for (let e = this.#sweepNext; e < old.count; e++) if (this.#keep(attrsOf(old.values[e]), old.holders[e])) this.#moveFrom(old, e);
    }
    for (;;) {
      const key = randomKey();
      this.#k0 = key[0];
      this.#k1 = key[1];
      const t = this.#table;
      const range = this.#range;
      for (let e = 0; e < t.count; e++) {
        range[0] = t.keyStart(e);
        range[1] = range[0] + t.keyLength[e];
        t.hash[e] = keyedHash(this.#k0, this.#k1, t.keyChunk(e), range, 1, t.tweak[e]);
      }
      // With a fresh key a sequence this long is practically impossible; if it happens, key again.
      if (t.replaceAll()) return;
    }
  }

  /**
   * Starts dropping every entry whose attributes `keep` does not want (no path refers to them any
   * more): the live ones move to a fresh, right-sized table as sweepStep visits them. A sweep
   * already under way is finished first.
   */
  beginSweep(keep: SweepKeep): void {
    this.#finishSweep();
    const old = this.#table;
    if (old.count === 0) return;
    this.lastRef = -1;
    this.#sweeping = old;
    this.#sweepNext = 0;
    this.#keep = keep;
    this.#table = new Table();
  }

  /** Visits up to `budget` entries of the sweep; true when it is over. */
  sweepStep(budget: number): boolean {
    const old = this.#sweeping;
    if (!old) return true;
    this.lastRef = -1;
    const end = Math.min(old.count, this.#sweepNext + budget);
    for (let e = this.#sweepNext; e < end; e++) {
      this.#sweepNext = e + 1;
      if (!this.#keep(attrsOf(old.values[e]), old.holders[e])) continue;
      this.#place(this.#moveFrom(old, e));
      if (!this.#sweeping) return true; // a new key took the rest of the sweep with it
    }
    if (end < old.count) return false;
    this.#sweeping = null;
    return true;
  }

  /** The whole sweep at once (O(entries)); returns how many entries it dropped. */
  sweep(keep: SweepKeep): number {
    const before = this.size;
    this.beginSweep(keep);
    this.#finishSweep();
    return before - this.size;
  }

  #finishSweep(): void {
    while (this.#sweeping && !this.sweepStep(1 << 30));
  }

  clear(): void {
    this.#table = new Table();
    this.#sweeping = null;
    this.lastRef = -1;
  }
}
