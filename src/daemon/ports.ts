// The two ports the edge (admin API, event stream, metrics, CLI through the API) uses, and nothing
// else of the daemon: what it may ask (DaemonQueries, answers are plain JSON-ready values) and
// what it may tell (DaemonCommands). DaemonProcess implements both over the running Daemon.

import type * as C from './contract/index.js';
import type { AnnounceRequest, DaemonEvents } from './daemon.js';
import type { RouteQuery } from './read-model.js';
import type { DaemonStats } from './stats.js';

export type LogLevel = C.LogLevel;

export interface DaemonQueries {
  /** Configuration loaded and listeners up, and the ports they listen on. */
  ready(): C.Ready;
  summary(): C.Summary;
  neighbors(): C.Neighbors;
  /** Throws CommandError('not-found') for an unknown address. */
  neighbor(address: string): C.Neighbor;
  neighborRoutes(address: string, which: 'received' | 'accepted' | 'advertised', family: C.FamilyName, limit?: number, after?: string): C.NeighborRoutePage;
  bfd(): C.BfdSessions;
  rpki(): C.RpkiStatus;
  nexthops(): C.TrackedNexthops;
  bmp(): C.BmpStatus;
  /** Throws QueryError without caches or for a bad prefix. */
  rpkiValidate(prefix: string, originAs: number): C.RpkiValidation;
  routes(q: RouteQuery): C.RoutePage;
  lastReload(): C.LastReload;
  logLevel(): C.CurrentLogLevel;
  /** One snapshot of everything the metrics show. */
  stats(): DaemonStats;
  /** The daemon's events until the returned function is called. */
  subscribe(events: DaemonEvents): () => void;
  /** Best-path changes until the returned function is called (`best` null: no route any more). */
  watchBest(fn: (family: C.FamilyName, prefix: string, best: C.Path | null) => void): () => void;
}

export interface DaemonCommands {
  announce(r: AnnounceRequest): void;
  /** False when the prefix was not originated here. */
  withdraw(prefix: string): boolean;
  shutdownNeighbor(address: string, message?: string): void;
  enableNeighbor(address: string): void;
  resetNeighbor(address: string, message?: string): void;
  softReset(address: string, direction: 'in' | 'out' | 'both'): C.SoftResetResult;
  /** Re-reads the file; a ConfigError or CommandError refuses it and changes nothing. */
  reload(): Promise<C.ReloadResult>;
  setLogLevel(level: LogLevel): void;
  /** A full garbage collection now; null when the process cannot run one. */
  compactMemory(): C.Compacted | null;
  /** An MRT snapshot of the RIB into mrt.directory; a CommandError when it cannot be written. */
  dumpRib(name?: string): Promise<C.RibDumped>;
}
