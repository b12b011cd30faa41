// The Loc-RIB as MRT TABLE_DUMP_V2 records (RFC 6396 4.3, RFC 8050): a peer index of this router
// and every peer seen, then one record per prefix with all its paths, in pages that resume after
// the last prefix written, so that the table may change between pages (the daemon writes a page,
// lets the event loop run, then asks for the next).
// Must not import fsm, api, daemon, node:net or metrics libraries.

import {
  Afi, type AfiCode, type MrtPeer, type MrtRibEntry, addressToOctets, encodePeerIndexTable, encodeRibRecord,
} from '../wire/index.js';
import type { Position } from './query.js';
import type { Rib } from './rib.js';
import { asPathOf } from './attr-table.js';

export interface MrtPage {
  readonly records: Buffer[];
  readonly prefixes: number;
  readonly paths: number;
  /** Where the next page starts (after this prefix); undefined when the family is done. */
  readonly next: Position | undefined;
}

export class MrtSnapshot {
  readonly #rib: Rib;
  readonly #timestamp: number;
  readonly #epoch: (at: number) => number;
  /** RIB peer index -> position in the peer index table. */
  readonly #index = new Map<number, number>();
  readonly #peers: MrtPeer[] = [];
  #sequence = 0;
  /** Paths of peers that came up after the peer index was written (not in it): left out, counted. */
  skipped = 0;

  /**
   * `timestamp`: the dump's time (seconds since the epoch); `epoch`: a path's receive time (Path.at,
   * seconds on the daemon's clock) as seconds since the epoch.
   */
  constructor(rib: Rib, timestamp: number, epoch: (at: number) => number) {
    this.#rib = rib;
    this.#timestamp = timestamp;
    this.#epoch = epoch;
    for (const p of rib.knownPeers()) {
      this.#index.set(p.index, this.#peers.length);
      // Our own routes appear as from 0.0.0.0 with our AS and router ID, as FRR's dumps show them.
      this.#peers.push({ bgpId: p.bgpId, address: addressToOctets(p.address), asn: p.asn });
    }
  }

  /** The PEER_INDEX_TABLE record, first in the file. */
  peerIndex(viewName: string): Buffer {
    return encodePeerIndexTable(this.#timestamp, this.#rib.options.routerId, viewName, this.#peers);
  }

  /** Up to `limit` prefixes of a family after `after` (from the first when undefined). */
  page(afi: AfiCode, after: Position | undefined, limit: number): MrtPage {
    const table = this.#rib.table(afi);
    const trie = table.trie;
    const nodes = after ? trie.after(after.words[0], after.words[1], after.words[2], after.words[3], after.len) : trie.entries();
    const records: Buffer[] = [];
    let prefixes = 0;
    let paths = 0;
    let last: Position | undefined;
    for (const node of nodes) {
      const candidates = table.candidates(node);
      if (candidates.length === 0) continue;
      const entries: MrtRibEntry[] = [];
      let addPath = false;
      for (const p of candidates) {
        const peerIndex = this.#index.get(p.peer.index);
        if (peerIndex === undefined) {
          this.skipped++;
          continue;
        }
        if (p.pathId !== 0 && !p.peer.local) addPath = true;
        entries.push({ peerIndex, originated: this.#epoch(p.at), pathId: p.pathId, attrs: { ...p.entry.attrs, asPath: asPathOf(p.entry) }, nextHop: p.nextHop });
      }
      last = { words: trie.key(node), len: trie.len(node) };
      if (entries.length === 0) continue;
      records.push(encodeRibRecord(this.#timestamp, afi, this.#sequence++, last.words, last.len, entries, addPath));
      prefixes++;
      paths += entries.length;
      if (prefixes >= limit) return { records, prefixes, paths, next: last };
    }
    return { records, prefixes, paths, next: undefined };
  }

  /** Both families, page by page: what a writer loops over. */
  *pages(limit: number): Generator<MrtPage> {
    for (const afi of [Afi.IPV4, Afi.IPV6] as const) {
      let after: Position | undefined;
      do {
        const page = this.page(afi, after, limit);
        after = page.next;
        yield page;
      } while (after);
    }
  }
}
