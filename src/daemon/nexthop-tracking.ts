// Next-hop tracking's driver: the kernel's other routes (from the FIB's dump and notifications)
// and the Loc-RIB's changes of routes covering a tracked next hop make it resolve every tracked
// next hop again, shortly after (a burst of changes costs one pass); prefixes whose next hops
// resolve differently are selected again, sent to peers and installed with their new gateways.
// The rules are the pure tracker's (src/rib/nexthop-tracker.ts).

import type { NeighborConfig } from '../config/types.js';
import type { Clock, TimerHandle } from '../fsm/index.js';
import type { KernelRoute } from '../fib/index.js';
import { NexthopTracker, type Rib, type RibPeer } from '../rib/index.js';
import { Afi, type AfiCode } from '../wire/index.js';
import type { DaemonEvents } from './events.js';
import { KernelRouteTable } from './kernel-routes.js';

/**
 * Whether a peer's next hops must be on a connected subnet: an eBGP neighbor one hop away (no
 * ebgpMultihop, GTSM of one hop at most), as FRR's connected check. Read once per session (its
 * RibPeer).
 */
export function connectedOnlyOf(configOf: (index: number) => NeighborConfig | undefined): (peer: RibPeer) => boolean {
  const known = new WeakMap<RibPeer, boolean>();
  return (peer) => {
    let v = known.get(peer);
    if (v === undefined) {
      const n = configOf(peer.index);
      v = !peer.ibgp && !peer.local && (n?.ebgpMultihop ?? 1) <= 1 && (n?.ttlSecurityHops ?? 1) <= 1;
      known.set(peer, v);
    }
    return v;
  };
}

/**
 * How long after a change the next hops are resolved again: a burst of changes is one pass. Never
 * less than 4 times the last pass took, so that routes changing without pause (another daemon
 * loading a table beside us) cost at most a fifth of the CPU however many next hops are tracked.
 */
const SETTLE_MS = 20;

export interface NexthopTrackingOptions {
  readonly rib: Rib;
  readonly clock: Clock;
  readonly table: number;
  readonly resolveViaDefault: boolean;
  /** Whether a peer's next hops must be on a connected subnet (eBGP one hop away). */
  readonly connectedOnly: (peer: RibPeer) => boolean;
  readonly events?: DaemonEvents;
  /** Changes are ready to go to peers. */
  readonly flush: () => void;
}

export class NexthopTracking {
  readonly tracker: NexthopTracker;
  readonly kernel: KernelRouteTable;
  readonly #o: NexthopTrackingOptions;
  #timer: TimerHandle | undefined;
  readonly #listener = { changed: (afi: AfiCode, node: number) => this.#ribChanged(afi, node) };

  constructor(o: NexthopTrackingOptions) {
    this.#o = o;
    this.kernel = new KernelRouteTable(o.table);
    this.tracker = new NexthopTracker((afi) => o.rib.table(afi), this.kernel, { resolveViaDefault: o.resolveViaDefault, connectedOnly: o.connectedOnly });
    o.rib.trackNexthops(this.tracker);
    o.rib.addListener(this.#listener);
  }

  /** Whether a next hop resolves through routes, not only connected subnets. */
  get wantsReread(): boolean {
    return this.tracker.recursive > 0;
  }

  /** A kernel route not ours came, changed or went. */
  kernelRoute(r: KernelRoute, removed: boolean): void {
    if (this.kernel.update(r, removed)) this.schedule();
  }

  /** Every kernel route again (after a dump). */
  kernelRoutes(routes: readonly KernelRoute[]): void {
    this.kernel.clear();
    for (const r of routes) this.kernel.update(r, false);
    this.schedule();
  }

  schedule(): void {
    this.#timer ??= this.#o.clock.setTimeout(() => this.#apply(), Math.max(SETTLE_MS, 4 * this.#lastPassMs));
  }

  #lastPassMs = 0;

  stop(): void {
    if (this.#timer) this.#o.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#o.rib.removeListener(this.#listener);
    this.#o.rib.trackNexthops(undefined);
  }

  #ribChanged(afi: AfiCode, node: number): void {
    if (this.#timer || this.tracker.recursive === 0) return;
    const trie = this.#o.rib.table(afi).trie;
    const words = afi === Afi.IPV4 ? [trie.word(node, 0)] : [0, 1, 2, 3].map((i) => trie.word(node, i));
    if (this.tracker.covers(afi, words, trie.len(node))) this.schedule();
  }

  #apply(): void {
    this.#timer = undefined;
    const started = this.#o.clock.now();
    const { changed, affects } = this.tracker.refresh();
    const routes = changed.length === 0 ? 0 : this.#o.rib.renexthop(affects);
    this.#lastPassMs = this.#o.clock.now() - started;
    if (changed.length === 0) return;
    for (const c of changed) this.#o.events?.nexthopChanged?.(c.nexthop, c.after.reachable, c.after.via, c.after.metric, routes);
    this.#o.flush();
  }
}
