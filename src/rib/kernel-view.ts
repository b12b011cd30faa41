// The RIB's face toward the kernel: per prefix id, the best path and its multipath set, and pins
// that keep an id (and its prefix) alive while a kernel route exists for it. Ids are small numbers
// the store reuses only after every pin is gone. Nothing outside src/rib sees trie nodes.
// Must not import fsm, api, daemon, node:net or metrics libraries.

import { Afi, type AfiCode, type AsPath, type PathAttributes } from '../wire/index.js';
import type { RouteNode } from './loc-rib.js';
import type { Path } from './path.js';
import type { Position } from './query.js';
import type { Rib } from './rib.js';

/** A path as the kernel needs it: its next hop, and what the FIB filter route-map may match. */
export interface KernelPath {
  /** Our own origination or aggregate (never installed). */
  readonly local: boolean;
  readonly peerIndex: number;
  readonly peerAddress: string;
  readonly nextHop: number | Buffer;
  readonly attrs: PathAttributes;
  readonly asPath: AsPath;
  readonly weight: number;
}

export interface KernelChoice {
  readonly prefix: Position;
  /** The best path first, then the rest of the multipath set. */
  readonly paths: readonly KernelPath[];
}

const kernelPath = (p: Path): KernelPath => ({
  local: p.peer.local, peerIndex: p.peer.index, peerAddress: p.peer.address, nextHop: p.nextHop, attrs: p.entry.attrs, asPath: p.entry.asPath, weight: p.weight,
});

export class KernelView {
  readonly #rib: Rib;
  /** Nodes by id per family, as last reported changed (an id is valid while its node lives). */
  readonly #nodes: Record<AfiCode, (RouteNode | undefined)[]> = { [Afi.IPV4]: [], [Afi.IPV6]: [] };
  readonly #pinned: Record<AfiCode, Uint8Array> = { [Afi.IPV4]: new Uint8Array(1024), [Afi.IPV6]: new Uint8Array(1024) };

  /** `changed` hears of every id whose selection changed. */
  constructor(rib: Rib, changed: (afi: AfiCode, id: number) => void) {
    this.#rib = rib;
    rib.addListener({
      changed: (afi, node) => {
        this.#nodes[afi][node.id] = node;
        changed(afi, node.id);
      },
    });
  }

  /** The best path and multipath set of an id, or null when it has no best path now. */
  route(afi: AfiCode, id: number): KernelChoice | null {
    const node = this.#nodes[afi][id];
    const e = node?.value;
    if (!node || !e?.best) return null;
    return { prefix: positionOf(node), paths: (e.multipath ?? [e.best]).map(kernelPath) };
  }

  /** The prefix of an id that is pinned (or still has paths). */
  prefix(afi: AfiCode, id: number): Position {
    const node = this.#nodes[afi][id];
    if (!node) throw new Error(`kernel view: no prefix for ${afi === Afi.IPV4 ? 'IPv4' : 'IPv6'} id ${id}`);
    return positionOf(node);
  }

  /** The id of a prefix held in the Loc-RIB (with paths, or pinned). */
  idOf(afi: AfiCode, p: Position): number | undefined {
    const node = this.#rib.table(afi).trie.get(p.words[0], p.words[1], p.words[2], p.words[3], p.len);
    if (!node || this.#nodes[afi][node.id] !== node) return undefined;
    return node.id;
  }

  /** Keeps the id and its prefix alive (a kernel route exists for it). One pin per id at most. */
  pin(afi: AfiCode, id: number): void {
    const node = this.#nodes[afi][id];
    if (!node?.value) throw new Error(`kernel view: pin of ${id}, which has no route`);
    const pins = (this.#pinned[afi] = grow(this.#pinned[afi], id));
    if (pins[id]) throw new Error(`kernel view: ${id} is pinned already`);
    pins[id] = 1;
    node.value.holds++;
  }

  /** The kernel route of the id is gone: it may be freed once nothing else holds it. */
  unpin(afi: AfiCode, id: number): void {
    const node = this.#nodes[afi][id];
    const pins = this.#pinned[afi];
    if (!node?.value || !pins[id]) throw new Error(`kernel view: unpin of ${id}, which is not pinned`);
    pins[id] = 0;
    node.value.holds--;
    this.#rib.table(afi).release(node);
  }

  /** Every id with a route now (everything is looked at again: a new filter, new addresses). */
  forEach(afi: AfiCode, fn: (id: number) => void): void {
    this.#rib.table(afi).trie.forEach((n) => {
      this.#nodes[afi][n.id] = n;
      fn(n.id);
    });
  }
}

function positionOf(n: RouteNode): Position {
  return { words: [n.w0, n.word(1), n.word(2), n.word(3)], len: n.len };
}

function grow(a: Uint8Array, id: number): Uint8Array {
  if (id < a.length) return a;
  const b = new Uint8Array(Math.max(a.length * 2, id + 1024));
  b.set(a);
  return b;
}
