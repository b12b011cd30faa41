// A cache of decoded attribute sets keyed by their wire octets, so that the UPDATEs sharing one
// attribute set decode it once and share one immutable object (interning).
// Open addressing over typed arrays with the keys packed in one arena: no object or Buffer per
// entry, so a full table costs the garbage collector almost nothing.
// Hostile input: the keys come from peers, so the hash is keyed with a per-process random key
// (HalfSipHash-1-3) and probe sequences are bounded: nobody can choose colliding sets without the
// key, and should a sequence grow long anyway the table takes a new key. Memory: sets no path
// uses any more are dropped by sweep(), which the RIB's owner calls when most entries are dead.
// Must not import anything outside src/wire.

import type { AttributeError, PathAttributes } from './types.js';

export interface CachedAttributes {
  readonly attrs: PathAttributes | null;
  readonly errors: readonly AttributeError[];
}

const INITIAL_ENTRIES = 1024;
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

export class AttributeCache {
  readonly #max: number;
  #k0: number;
  #k1: number;
  #slots = new Int32Array(INITIAL_ENTRIES * 2); // entry index + 1; 0 is empty
  #hash = new Uint32Array(INITIAL_ENTRIES);
  #keyOffset = new Uint32Array(INITIAL_ENTRIES);
  #keyLength = new Uint32Array(INITIAL_ENTRIES);
  #values: CachedAttributes[] = [];
  #arena = Buffer.allocUnsafe(64 * 1024);
  #arenaUsed = 0;
  #count = 0;
  hits = 0;
  misses = 0;
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

  get size(): number {
    return this.#count;
  }

  /** Octets of keys held (the arena in use). */
  get keyBytes(): number {
    return this.#arenaUsed;
  }

  /** The hash of a key made of `count` ranges of `buf`; `tweak` tells apart keys decoded differently. */
  hash(buf: Uint8Array, ranges: Int32Array, count: number, tweak: number): number {
    return keyedHash(this.#k0, this.#k1, buf, ranges, count, tweak);
  }

  /** The entry whose key equals the concatenation of `ranges` ([start, end) pairs) of `buf`. */
  lookup(hash: number, buf: Buffer, ranges: Int32Array, count: number, keyLength: number): CachedAttributes | undefined {
    const mask = this.#slots.length - 1;
    for (let i = hash & mask, probes = 0; probes < MAX_PROBE; i = (i + 1) & mask, probes++) {
      const slot = this.#slots[i];
      if (slot === 0) break;
      const e = slot - 1;
      if (this.#hash[e] !== hash || this.#keyLength[e] !== keyLength) continue;
      // A plain loop: keys are tens of octets, where Buffer#compare's call overhead dominates.
      const arena = this.#arena;
      let off = this.#keyOffset[e];
      let same = true;
      for (let r = 0; r < count && same; r++) {
        for (let k = ranges[2 * r], t = ranges[2 * r + 1]; k < t; k++, off++) {
          if (arena[off] !== buf[k]) {
            same = false;
            break;
          }
        }
      }
      if (same) {
        this.hits++;
        return this.#values[e];
      }
    }
    this.misses++;
    return undefined;
  }

  /** Stores a decoded set under its key (after a lookup missed with the same hash). */
  store(hash: number, buf: Buffer, ranges: Int32Array, count: number, keyLength: number, value: CachedAttributes, tweak: number): void {
    if (this.#count >= this.#max) this.clear();
    if ((this.#count + 1) * 2 > this.#slots.length) this.#grow();
    if (this.#arenaUsed + keyLength > this.#arena.length) {
      const next = Buffer.allocUnsafe(Math.max(this.#arena.length * 2, this.#arenaUsed + keyLength));
      this.#arena.copy(next, 0, 0, this.#arenaUsed);
      this.#arena = next;
    }
    const e = this.#count++;
    this.#keyOffset[e] = this.#arenaUsed;
    this.#keyLength[e] = keyLength;
    this.#values[e] = value;
    const arena = this.#arena;
    let off = this.#arenaUsed;
    for (let r = 0; r < count; r++) {
      for (let k = ranges[2 * r], t = ranges[2 * r + 1]; k < t; k++) arena[off++] = buf[k];
    }
    this.#arenaUsed = off;
    this.#hash[e] = hash;
    this.#tweak[e] = tweak;
    if (!this.#insert(e)) this.#rekey();
  }

  /** What each entry's hash was tweaked with (kept so that a new key can rehash it). */
  #tweak = new Uint32Array(INITIAL_ENTRIES);

  /** Places entry `e` in the slots; false when its probe sequence is too long. */
  #insert(e: number): boolean {
    const mask = this.#slots.length - 1;
    let i = this.#hash[e] & mask;
    let probes = 0;
    for (; this.#slots[i] !== 0; i = (i + 1) & mask) {
      if (++probes >= MAX_PROBE) return false;
    }
    if (probes > this.longestProbe) this.longestProbe = probes;
    this.#slots[i] = e + 1;
    return true;
  }

  /** A new random key, every entry rehashed (a probe sequence grew past the bound). */
  #rekey(): void {
    this.rekeys++;
    const key = randomKey();
    this.#k0 = key[0];
    this.#k1 = key[1];
    this.#rebuild(() => true, true);
  }

  #grow(): void {
    const entries = this.#hash.length * 2;
    const widen = (a: Uint32Array) => {
      const b = new Uint32Array(entries);
      b.set(a);
      return b;
    };
    this.#hash = widen(this.#hash);
    this.#tweak = widen(this.#tweak);
    this.#keyOffset = widen(this.#keyOffset);
    this.#keyLength = widen(this.#keyLength);
    this.#slots = new Int32Array(entries * 2);
    for (let e = 0; e < this.#count; e++) this.#insert(e);
  }

  /**
   * Drops every entry whose attributes `keep` does not want (no path refers to them any more) and
   * compacts what is left, so that memory returns once routes are gone. O(entries).
   */
  sweep(keep: (attrs: PathAttributes | null) => boolean): number {
    const before = this.#count;
    this.#rebuild(keep);
    return before - this.#count;
  }

  /** Rebuilds the table from the kept entries; sizes shrink to fit. `rehash`: the key changed. */
  #rebuild(keep: (attrs: PathAttributes | null) => boolean, rehash = false): void {
    const kept: number[] = [];
    let bytes = 0;
    for (let e = 0; e < this.#count; e++) {
      if (!keep(this.#values[e].attrs)) continue;
      kept.push(e);
      bytes += this.#keyLength[e];
    }
    let entries = INITIAL_ENTRIES;
    while (entries < kept.length * 2) entries *= 2;
    const hash = new Uint32Array(entries);
    const tweak = new Uint32Array(entries);
    const keyOffset = new Uint32Array(entries);
    const keyLength = new Uint32Array(entries);
    const values: CachedAttributes[] = [];
    const arena = Buffer.allocUnsafe(Math.max(64 * 1024, bytes * 2));
    let used = 0;
    const ranges = new Int32Array(2);
    const old = this.#arena;
    for (let n = 0; n < kept.length; n++) {
      const e = kept[n];
      const off = this.#keyOffset[e];
      const len = this.#keyLength[e];
      // Keys are tens of octets: a loop beats Buffer#copy's call overhead.
      for (let k = 0; k < len; k++) arena[used + k] = old[off + k];
      if (rehash) {
        ranges[0] = used;
        ranges[1] = used + len;
        hash[n] = keyedHash(this.#k0, this.#k1, arena, ranges, 1, this.#tweak[e]);
      } else {
        hash[n] = this.#hash[e];
      }
      tweak[n] = this.#tweak[e];
      keyOffset[n] = used;
      keyLength[n] = len;
      values.push(this.#values[e]);
      used += len;
    }
    this.#hash = hash;
    this.#tweak = tweak;
    this.#keyOffset = keyOffset;
    this.#keyLength = keyLength;
    this.#values = values;
    this.#arena = arena;
    this.#arenaUsed = used;
    this.#count = kept.length;
    this.#slots = new Int32Array(entries * 2);
    for (let e = 0; e < this.#count; e++) {
      // With a fresh key a sequence this long is practically impossible; if it happens, key again.
      if (!this.#insert(e)) return this.#rekey();
    }
  }

  clear(): void {
    this.#rebuild(() => false);
  }
}
