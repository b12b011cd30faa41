// Validated ROA Payloads from one RPKI cache, and RFC 6811 route origin validation over them.
// VRPs are kept in a prefix trie per address family (a node per ROA prefix, its value the list of
// (max length, AS) pairs as numbers), so a route's covering VRPs are the nodes on its trie path:
// validation costs the prefix's depth, not the table.
// Must not import fsm, api, daemon, node:net or metrics libraries.

import { type AsPath, AsPathSegmentType, type Vrp, lastSegment } from '../wire/index.js';
import { PrefixTrie } from './trie.js';

/** RFC 6811 2: the three validation states (FRR and BIRD say valid / invalid / notfound). */
export type RpkiState = 'valid' | 'invalid' | 'notfound';

/** (max length, AS) as one number: below 2^40, exact in a double. */
function pack(maxLength: number, asn: number): number {
  return maxLength * 0x100000000 + (asn >>> 0);
}

export class VrpTable {
  readonly #v4 = new PrefixTrie<number[]>(32);
  readonly #v6 = new PrefixTrie<number[]>(128);
  #count = [0, 0];

  #trie(afi: 1 | 2): PrefixTrie<number[]> {
    return afi === 1 ? this.#v4 : this.#v6;
  }

  /** VRPs held, per address family. */
  count(afi: 1 | 2): number {
    return this.#count[afi - 1];
  }

  get size(): number {
    return this.#count[0] + this.#count[1];
  }

  empty(): VrpTable {
    return new VrpTable();
  }

  has(v: Vrp): boolean {
    const t = this.#trie(v.afi);
    const n = t.get(v.words[0], v.words[1], v.words[2], v.words[3], v.length);
    return n !== 0 && t.value(n)!.includes(pack(v.maxLength, v.asn));
  }

  /** Adds a VRP; false when it is held already (RFC 8210 5.6: a duplicate announcement). */
  add(v: Vrp): boolean {
    const t = this.#trie(v.afi);
    const n = t.ensure(v.words[0], v.words[1], v.words[2], v.words[3], v.length);
    const list = t.value(n);
    const key = pack(v.maxLength, v.asn);
    if (list === null) t.set(n, [key]);
    else if (list.includes(key)) return false;
    else list.push(key);
    this.#count[v.afi - 1]++;
    return true;
  }

  /** Removes a VRP; false when it is not held (RFC 8210 5.6: withdrawal of an unknown record). */
  remove(v: Vrp): boolean {
    const t = this.#trie(v.afi);
    const n = t.get(v.words[0], v.words[1], v.words[2], v.words[3], v.length);
    if (n === 0) return false;
    const list = t.value(n)!;
    const i = list.indexOf(pack(v.maxLength, v.asn));
    if (i < 0) return false;
    list.splice(i, 1);
    if (list.length === 0) t.clear(n);
    this.#count[v.afi - 1]--;
    return true;
  }

  clear(): void {
    for (const afi of [1, 2] as const) {
      const t = this.#trie(afi);
      const nodes: number[] = [];
      t.forEach((n) => nodes.push(n));
      for (const n of nodes) t.clear(n);
    }
    this.#count = [0, 0];
  }

  /** Every VRP held (IPv4 first, in prefix order). */
  *entries(): Generator<Vrp> {
    for (const afi of [1, 2] as const) {
      const t = this.#trie(afi);
      for (const n of t.entries()) {
        const words = t.key(n);
        const length = t.len(n);
        for (const k of t.value(n)!) yield { afi, words, length, maxLength: Math.floor(k / 0x100000000), asn: k % 0x100000000 };
      }
    }
  }

  /** The VRPs whose prefix covers this one (RFC 6811 2's covering VRPs), least specific first. */
  coveringVrps(afi: 1 | 2, w: readonly number[], len: number): Vrp[] {
    const t = this.#trie(afi);
    const out: Vrp[] = [];
    for (const n of t.covering(w[0], w[1] ?? 0, w[2] ?? 0, w[3] ?? 0, len)) {
      const words = t.key(n);
      for (const k of t.value(n)!) out.push({ afi, words, length: t.len(n), maxLength: Math.floor(k / 0x100000000), asn: k % 0x100000000 });
    }
    return out;
  }

  /**
   * RFC 6811 2 over this table: 'notfound' without a covering VRP; 'valid' when one covers the
   * prefix with the route's origin AS and a max length at least the prefix's; else 'invalid'.
   * `origin` null is NONE (an AS_SET at the end): it matches no VRP. RFC 6483 4: a VRP for AS 0
   * only ever makes routes invalid (AS 0 is never a route's origin, RFC 7607), so it matches none.
   */
  judge(afi: 1 | 2, w: readonly number[], len: number, origin: number | null): RpkiState {
    const t = this.#trie(afi);
    const w0 = w[0];
    const w1 = w[1] ?? 0;
    const w2 = w[2] ?? 0;
    const w3 = w[3] ?? 0;
    let covered = false;
    for (let n = t.nextCovering(0, w0, w1, w2, w3, len); n !== 0; n = t.nextCovering(n, w0, w1, w2, w3, len)) {
      covered = true;
      if (origin === null || origin === 0) continue;
      for (const k of t.value(n)!) {
        if (k % 0x100000000 === origin && Math.floor(k / 0x100000000) >= len) return 'valid';
      }
    }
    return covered ? 'invalid' : 'notfound';
  }
}

/**
 * RFC 6811 2: the origin AS of a route: the last AS of the final segment when it is an
 * AS_SEQUENCE; our own AS when the path is empty or ends in a confederation segment; otherwise
 * (an AS_SET) NONE, null here.
 */
export function routeOriginAs(asPath: AsPath, localAs: number): number | null {
  const last = lastSegment(asPath);
  if (last < 0) return localAs;
  const type = asPath[last];
  if (type === AsPathSegmentType.AS_SEQUENCE) return asPath[last + 1 + asPath[last + 1]];
  if (type === AsPathSegmentType.AS_CONFED_SEQUENCE || type === AsPathSegmentType.AS_CONFED_SET) return localAs;
  return null;
}

/**
 * Validation over several caches' tables (those of the preferred caches with data): a route is
 * valid when any table says valid, invalid when covered in some and valid in none.
 */
export function judgeOrigin(tables: readonly VrpTable[], afi: 1 | 2, w: readonly number[], len: number, origin: number | null): RpkiState {
  let state: RpkiState = 'notfound';
  for (const t of tables) {
    const s = t.judge(afi, w, len, origin);
    if (s === 'valid') return s;
    if (s === 'invalid') state = s;
  }
  return state;
}
