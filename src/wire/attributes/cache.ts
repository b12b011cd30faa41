// A bounded cache of decoded attribute sets keyed by their wire bytes, so that the many UPDATEs
// sharing one attribute set decode it once and share one immutable object (interning).
// The decoder's cache is bounded and simply cleared when full; freeing sets no path uses is the
// RIB's reference counting. Must not import anything outside src/wire.

import type { AttributeError, PathAttributes } from './types.js';

export interface CachedAttributes {
  readonly attrs: PathAttributes | null;
  readonly errors: readonly AttributeError[];
}

interface Entry extends CachedAttributes {
  readonly hash: number;
  readonly key: Buffer;
  next: Entry | undefined;
}

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** FNV-1a over [start, end), continuing from `h`. */
export function fnv1a(buf: Uint8Array, start: number, end: number, h = FNV_OFFSET): number {
  for (let i = start; i < end; i++) h = Math.imul(h ^ buf[i], FNV_PRIME);
  return h >>> 0;
}

export { FNV_OFFSET };

export class AttributeCache {
  readonly #max: number;
  readonly #table = new Map<number, Entry>();
  #size = 0;
  hits = 0;
  misses = 0;

  constructor(maxEntries = 1 << 20) {
    this.#max = maxEntries;
  }

  get size(): number {
    return this.#size;
  }

  /** Finds the entry whose key equals the concatenation of `ranges` ([start, end) pairs) of `buf`. */
  lookup(hash: number, buf: Buffer, ranges: Int32Array, count: number, keyLength: number): CachedAttributes | undefined {
    for (let e = this.#table.get(hash); e; e = e.next) {
      if (e.hash !== hash || e.key.length !== keyLength) continue;
      let off = 0;
      let same = true;
      for (let i = 0; i < count && same; i++) {
        const s = ranges[2 * i];
        const t = ranges[2 * i + 1];
        same = e.key.compare(buf, s, t, off, off + (t - s)) === 0;
        off += t - s;
      }
      if (same) {
        this.hits++;
        return e;
      }
    }
    this.misses++;
    return undefined;
  }

  store(hash: number, buf: Buffer, ranges: Int32Array, count: number, keyLength: number, value: CachedAttributes): void {
    if (this.#size >= this.#max) this.clear();
    const key = Buffer.allocUnsafe(keyLength);
    let off = 0;
    for (let i = 0; i < count; i++) {
      off += buf.copy(key, off, ranges[2 * i], ranges[2 * i + 1]);
    }
    this.#table.set(hash, { hash, key, attrs: value.attrs, errors: value.errors, next: this.#table.get(hash) });
    this.#size++;
  }

  clear(): void {
    this.#table.clear();
    this.#size = 0;
  }
}
