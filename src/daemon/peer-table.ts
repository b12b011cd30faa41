// The neighbors: by address or, unnumbered, interface name (a Map, as the read model and metrics
// walk it) and by RIB peer index; indexes handed out once (never reused while the RIB may still
// hold a departed peer's stale paths).

import { canonicalAddress } from '../wire/index.js';
import { CommandError } from './commands.js';
import type { Peer } from './peer.js';

export class PeerTable extends Map<string, Peer> {
  readonly #byIndex = new Map<number, Peer>();
  #nextIndex = 1;

  /** The RIB peer index for the next neighbor. */
  nextIndex(): number {
    return this.#nextIndex++;
  }

  add(p: Peer): void {
    this.set(p.address, p);
    this.#byIndex.set(p.index, p);
  }

  remove(p: Peer): void {
    this.delete(p.address);
    this.#byIndex.delete(p.index);
  }

  byIndex(index: number): Peer | undefined {
    return this.#byIndex.get(index);
  }

  /** The neighbor at `address` in any spelling; CommandError('not-found') listing the configured ones. */
  find(address: string): Peer {
    const p = this.get(canonicalAddress(address));
    if (!p) throw new CommandError('not-found', `no neighbor ${address} (configured: ${[...this.keys()].join(', ') || 'none'})`);
    return p;
  }
}
