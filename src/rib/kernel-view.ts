// The RIB's face toward the kernel: per prefix id, the best path and its multipath set, and pins
// that keep an id (and its prefix) alive while a kernel route exists for it. Ids are the Loc-RIB's
// trie nodes, which the store reuses only after every pin is gone (an id freed and reused before
// the FIB looks at it again was not installed, and is reported changed for its new prefix). Nothing outside src/rib sees trie nodes.
// Must not import fsm, api, daemon, node:net or metrics libraries.

import { Afi, type AfiCode, type AsPath, type PathAttributes } from '../wire/index.js';
import type { LocRib, RouteNode } from './loc-rib.js';
import type { Gateway, NexthopTracker } from './nexthop-tracker.js';
import type { Path } from './path.js';
import type { Position } from './query.js';
import type { Rib } from './rib.js';
import { asPathOf } from './attr-table.js';

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
  /** With next-hop tracking, a next hop not on a connected subnet: the gateways it resolves to. */
  readonly gateways?: readonly Gateway[];
}

export interface KernelChoice {
  readonly prefix: Position;
  /** The best path first, then the rest of the multipath set. */
  readonly paths: readonly KernelPath[];
}

function kernelPath(p: Path, nexthops: NexthopTracker | undefined): KernelPath {
  const r = nexthops?.resolutionOf(p);
  return {
    local: p.peer.local, peerIndex: p.peer.index, peerAddress: p.peer.address, nextHop: p.nextHop, attrs: p.entry.attrs, asPath: asPathOf(p.entry), weight: p.weight,
    ...(r && !r.connected ? { gateways: r.gateways } : {}),
  };
}

export class KernelView {
  readonly #rib: Rib;
  readonly #pinned: Record<AfiCode, Uint8Array> = { [Afi.IPV4]: new Uint8Array(1024), [Afi.IPV6]: new Uint8Array(1024) };

  /** `changed` hears of every id whose selection changed. */
  constructor(rib: Rib, changed: (afi: AfiCode, id: number) => void) {
    this.#rib = rib;
    rib.addListener({ changed: (afi, node) => changed(afi, node) });
  }

  /** The best path and multipath set of an id, or null when it has no best path now. */
  route(afi: AfiCode, id: number): KernelChoice | null {
    const table = this.#rib.table(afi);
    const best = table.best(id);
    if (!best) return null;
    const nexthops = this.#rib.nexthops;
    return { prefix: positionOf(table, id), paths: (table.multipath(id) ?? [best]).map((p) => kernelPath(p, nexthops)) };
  }

  /** The prefix of an id that is pinned (or still has paths). */
  prefix(afi: AfiCode, id: number): Position {
    const table = this.#rib.table(afi);
    if (!table.present(id)) throw new Error(`kernel view: no prefix for ${afi === Afi.IPV4 ? 'IPv4' : 'IPv6'} id ${id}`);
    return positionOf(table, id);
  }

  /** The id of a prefix held in the Loc-RIB (with paths, or pinned). */
  idOf(afi: AfiCode, p: Position): number | undefined {
    const node = this.#rib.table(afi).trie.get(p.words[0], p.words[1], p.words[2], p.words[3], p.len);
    return node === 0 ? undefined : node;
  }

  /** Keeps the id and its prefix alive (a kernel route exists for it). One pin per id at most. */
  pin(afi: AfiCode, id: number): void {
    const table = this.#rib.table(afi);
    if (!table.present(id)) throw new Error(`kernel view: pin of ${id}, which has no route`);
    const pins = (this.#pinned[afi] = grow(this.#pinned[afi], id));
    if (pins[id]) throw new Error(`kernel view: ${id} is pinned already`);
    pins[id] = 1;
    table.hold(id);
  }

  /** The kernel route of the id is gone: it may be freed once nothing else holds it. */
  unpin(afi: AfiCode, id: number): void {
    const table = this.#rib.table(afi);
    const pins = this.#pinned[afi];
    if (!table.present(id) || !pins[id]) throw new Error(`kernel view: unpin of ${id}, which is not pinned`);
    pins[id] = 0;
    table.unhold(id);
  }

  /** Every id with a route now (everything is looked at again: a new filter, new addresses). */
  forEach(afi: AfiCode, fn: (id: number) => void): void {
    this.#rib.table(afi).trie.forEach(fn);
  }
}

function positionOf(table: LocRib, n: RouteNode): Position {
  return { words: table.trie.key(n), len: table.trie.len(n) };
}

function grow(a: Uint8Array, id: number): Uint8Array {
  if (id < a.length) return a;
  const b = new Uint8Array(Math.max(a.length * 2, id + 1024));
  b.set(a);
  return b;
}
