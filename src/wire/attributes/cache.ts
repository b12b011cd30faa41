// A bounded cache of decoded attribute sets keyed by their wire octets, so that the UPDATEs
// sharing one attribute set decode it once and share one immutable object (interning).
// Open addressing over typed arrays with the keys packed in one arena: no object or Buffer per
// entry, so a full table costs the garbage collector almost nothing. Bounded: it is cleared when
// full; freeing sets no path uses is the RIB's reference counting.
// Must not import anything outside src/wire.

import type { AttributeError, PathAttributes } from './types.js';

export interface CachedAttributes {
  readonly attrs: PathAttributes | null;
  readonly errors: readonly AttributeError[];
}

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** FNV-1a over [start, end), continuing from `h`. */
export function fnv1a(buf: Uint8Array, start: number, end: number, h = FNV_OFFSET): number {
  for (let i = start; i < end; i++) h = Math.imul(h ^ buf[i], FNV_PRIME);
  return h >>> 0;
}

export { FNV_OFFSET };

const INITIAL_ENTRIES = 1024;

export class AttributeCache {
  readonly #max: number;
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

  constructor(maxEntries = 1 << 20) {
    this.#max = maxEntries;
  }

  get size(): number {
    return this.#count;
  }

  /** The entry whose key equals the concatenation of `ranges` ([start, end) pairs) of `buf`. */
  lookup(hash: number, buf: Buffer, ranges: Int32Array, count: number, keyLength: number): CachedAttributes | undefined {
    const mask = this.#slots.length - 1;
    for (let i = hash & mask; ; i = (i + 1) & mask) {
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

  store(hash: number, buf: Buffer, ranges: Int32Array, count: number, keyLength: number, value: CachedAttributes): void {
    if (this.#count >= this.#max) this.clear();
    if ((this.#count + 1) * 2 > this.#slots.length) this.#grow();
    if (this.#arenaUsed + keyLength > this.#arena.length) {
      const next = Buffer.allocUnsafe(Math.max(this.#arena.length * 2, this.#arenaUsed + keyLength));
      this.#arena.copy(next, 0, 0, this.#arenaUsed);
      this.#arena = next;
    }
    const e = this.#count++;
    this.#hash[e] = hash;
    this.#keyOffset[e] = this.#arenaUsed;
    this.#keyLength[e] = keyLength;
    this.#values[e] = value;
    const arena = this.#arena;
    let off = this.#arenaUsed;
    for (let r = 0; r < count; r++) {
      for (let k = ranges[2 * r], t = ranges[2 * r + 1]; k < t; k++) arena[off++] = buf[k];
    }
    this.#arenaUsed = off;
    this.#insert(e);
  }

  #insert(e: number): void {
    const mask = this.#slots.length - 1;
    let i = this.#hash[e] & mask;
    while (this.#slots[i] !== 0) i = (i + 1) & mask;
    this.#slots[i] = e + 1;
  }

  #grow(): void {
    const entries = this.#hash.length * 2;
    const widen = (a: Uint32Array) => {
      const b = new Uint32Array(entries);
      b.set(a);
      return b;
    };
    this.#hash = widen(this.#hash);
    this.#keyOffset = widen(this.#keyOffset);
    this.#keyLength = widen(this.#keyLength);
    this.#slots = new Int32Array(entries * 2);
    for (let e = 0; e < this.#count; e++) this.#insert(e);
  }

  clear(): void {
    this.#slots.fill(0);
    this.#values = [];
    this.#arenaUsed = 0;
    this.#count = 0;
  }
}
