// RPKI origin validation in the daemon: the configured RTR caches (src/rpki) fill VRP tables the
// RIB judges routes against (RFC 6811). When the VRPs change, routes under the changed ROA
// prefixes go through route-maps that match on RPKI state again: the RIB re-imports from kept
// routes, peers without them are asked for their routes (ROUTE-REFRESH), and the kernel routes are
// looked at again when the FIB filter matches on RPKI state. Changes arriving close together are
// applied together, once per REVALIDATE_DELAY_MS, so a cache cannot make us work per PDU.

import type { DaemonConfig } from '../config/types.js';
import type { Clock, TimerHandle } from '../fsm/index.js';
import { type Rib, VrpTable, matchesRpki } from '../rib/index.js';
import type { AfiCode } from '../wire/index.js';
import { DEFAULT_INTERVALS, type RpkiCacheConfig, RpkiCaches, type VrpChange } from '../rpki/index.js';
import type { DaemonEvents } from './events.js';

/** Changes within this time are judged together. */
export const REVALIDATE_DELAY_MS = 1000;

export interface RpkiLinkContext {
  readonly clock: Clock;
  readonly rib: Rib;
  readonly events: DaemonEvents;
  /** Peers to ask for their routes again (ROUTE-REFRESH): import policy matches on RPKI without kept routes. */
  readonly refresh: (peerIndex: number) => void;
  /** Whether the FIB filter matches on RPKI state (kernel routes are looked at again). */
  readonly refreshFib: () => void;
  readonly flush: () => void;
}

export class RpkiLink {
  readonly #ctx: RpkiLinkContext;
  #caches: RpkiCaches<VrpTable> | undefined;
  #pending: VrpChange[] | 'all' | undefined;
  #timer: TimerHandle | undefined;

  constructor(ctx: RpkiLinkContext) {
    this.#ctx = ctx;
  }

  get caches(): RpkiCaches<VrpTable> | undefined {
    return this.#caches;
  }

  /** (Re)starts the caches of a configuration; without caches, routes have no RPKI state. */
  configure(config: DaemonConfig, start: boolean): void {
    // Routes were judged against caches until now: they are judged again against what follows.
    const hadRpki = this.#caches !== undefined;
    this.#caches?.stop();
    this.#caches = undefined;
    const r = config.rpki;
    const caches: RpkiCacheConfig[] = (r?.caches ?? []).map((c) => ({ address: c.address, port: c.port ?? 323, preference: c.preference ?? 1, ...(c.localAddress ? { localAddress: c.localAddress } : {}) }));
    if (caches.length === 0) {
      this.#ctx.rib.setRpki(undefined);
      if (hadRpki) this.#changed('all');
      return;
    }
    const intervals = { refresh: r?.refreshInterval ?? DEFAULT_INTERVALS.refresh, retry: r?.retryInterval ?? DEFAULT_INTERVALS.retry, expire: r?.expireInterval ?? DEFAULT_INTERVALS.expire };
    const set = new RpkiCaches(caches, intervals, () => new VrpTable(), this.#ctx.clock, {
      changed: (changes) => this.#changed(changes),
      connection: (c, up, reason) => this.#ctx.events.rpkiConnection?.(`${c.address} port ${c.port}`, up, reason),
    });
    this.#caches = set;
    this.#ctx.rib.setRpki(() => set.active);
    if (hadRpki) this.#changed('all');
    if (start) set.start();
  }

  start(): void {
    this.#caches?.start();
  }

  stop(): void {
    this.#caches?.stop();
    if (this.#timer) this.#ctx.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #changed(changes: readonly VrpChange[] | 'all'): void {
    if (changes === 'all' || this.#pending === 'all') this.#pending = 'all';
    else this.#pending = [...(this.#pending ?? []), ...changes];
    this.#timer ??= this.#ctx.clock.setTimeout(() => this.#apply(), REVALIDATE_DELAY_MS);
  }

  #apply(): void {
    this.#timer = undefined;
    const pending = this.#pending;
    this.#pending = undefined;
    if (pending === undefined) return;
    const areas = pending === 'all' ? 'all' : pending.map((c) => ({ afi: c.afi as AfiCode, words: c.words, length: c.length }));
    const refresh = this.#ctx.rib.revalidate(areas);
    for (const index of refresh) this.#ctx.refresh(index);
    this.#ctx.refreshFib();
    this.#ctx.flush();
    this.#ctx.events.rpkiRevalidated?.(pending === 'all' ? 'all' : pending.length, refresh.length);
  }
}

/** Whether the FIB filter route-map matches on RPKI state. */
export function fibFilterMatchesRpki(rib: Rib, config: DaemonConfig): boolean {
  const name = config.fib?.filter;
  return name !== undefined && matchesRpki(rib.policy.policies.routeMaps.get(name));
}
