// Several RPKI caches with preferences (RFC 8210 10: a router may use several caches and should
// prefer some): every cache has its own session and table; routes are judged against the tables of
// the most preferred caches (lowest preference number) that hold unexpired data, so a preferred
// cache going away hands over to the next without a gap, and coming back takes over again.
// Must not import rib, fsm, api, daemon or metrics libraries.

import { type RtrIntervals, RtrMachine, type RtrStatus, type VrpChange, type VrpStore } from './machine.js';
import { type Connect, type RtrClock, type RtrEndpoint, RtrSession } from './session.js';

export interface RpkiCacheConfig extends RtrEndpoint {
  /** Lower is preferred (FRR's `rpki cache ... preference N`). */
  readonly preference: number;
}

export interface RpkiCachesEvents {
  /** The VRPs routes are judged against changed: these ROA prefixes, or possibly all. */
  changed(changes: readonly VrpChange[] | 'all'): void;
  connection(cache: RpkiCacheConfig, up: boolean, reason?: string): void;
}

export interface RpkiCacheStatus<T> {
  readonly config: RpkiCacheConfig;
  readonly connected: boolean;
  /** Whether routes are judged against this cache's data now. */
  readonly inUse: boolean;
  readonly session: RtrStatus;
  readonly table: T;
}

/** Beyond this many changed ROA prefixes in one serial, every route is judged again instead. */
const MAX_TARGETED_CHANGES = 10_000;

export class RpkiCaches<T extends VrpStore> {
  readonly #sessions: RtrSession[];
  readonly #tables: T[];
  readonly #configs: readonly RpkiCacheConfig[];
  readonly #events: RpkiCachesEvents;
  #active: number[] = [];

  constructor(configs: readonly RpkiCacheConfig[], intervals: RtrIntervals, makeTable: () => T, clock: RtrClock, events: RpkiCachesEvents, connect?: Connect) {
    this.#configs = configs;
    this.#events = events;
    this.#tables = configs.map(() => makeTable());
    this.#sessions = configs.map((c, i) => new RtrSession(c, new RtrMachine(this.#tables[i], intervals), clock, {
      changed: (changes) => this.#changed(i, changes),
      connection: (up, reason) => events.connection(c, up, reason),
    }, connect));
  }

  start(): void {
    for (const s of this.#sessions) s.start();
  }

  stop(): void {
    for (const s of this.#sessions) s.stop();
  }

  /** The tables routes are judged against now. */
  get active(): readonly T[] {
    return this.#active.map((i) => this.#tables[i]);
  }

  status(): RpkiCacheStatus<T>[] {
    return this.#sessions.map((s, i) => ({
      config: this.#configs[i], connected: s.connected, inUse: this.#active.includes(i), session: s.machine.status, table: this.#tables[i],
    }));
  }

  #select(): number[] {
    const usable = this.#sessions.map((s, i) => i).filter((i) => this.#sessions[i].machine.status.hasData);
    if (usable.length === 0) return [];
    const best = Math.min(...usable.map((i) => this.#configs[i].preference));
    return usable.filter((i) => this.#configs[i].preference === best);
  }

  #changed(i: number, changes: readonly VrpChange[] | 'all'): void {
    const before = this.#active;
    this.#active = this.#select();
    const same = before.length === this.#active.length && before.every((x, k) => x === this.#active[k]);
    if (!same) this.#events.changed('all');
    else if (this.#active.includes(i)) this.#events.changed(changes !== 'all' && changes.length > MAX_TARGETED_CHANGES ? 'all' : changes);
  }
}
