// The two ports the edge (admin API, event stream, metrics, CLI through the API) uses, and nothing
// else of the daemon: what it may ask (DaemonQueries, answers are plain JSON-ready values) and
// what it may tell (DaemonCommands). DaemonProcess implements both over the running Daemon.

import type { SoftResetResult } from './commands.js';
import type { AnnounceRequest, DaemonEvents, ReloadResult } from './daemon.js';
import type { FamilyName, RouteQuery, bfdSessions, neighborDetail, neighborRoutes, pathJson, routes, summary } from './read-model.js';
import type { DaemonStats } from './stats.js';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';

export interface DaemonQueries {
  /** Configuration loaded and listeners up, and the ports they listen on. */
  ready(): { ok: boolean; listening: readonly number[] };
  summary(): ReturnType<typeof summary>;
  neighbors(): { neighbors: ReturnType<typeof neighborDetail>[] };
  /** Throws CommandError('not-found') for an unknown address. */
  neighbor(address: string): ReturnType<typeof neighborDetail>;
  neighborRoutes(address: string, which: 'received' | 'accepted' | 'advertised', family: FamilyName, limit?: number, after?: string): ReturnType<typeof neighborRoutes>;
  bfd(): ReturnType<typeof bfdSessions>;
  routes(q: RouteQuery): ReturnType<typeof routes>;
  lastReload(): { at: string; ok: boolean; result?: ReloadResult; error?: string } | null;
  logLevel(): string;
  /** One snapshot of everything the metrics show. */
  stats(): DaemonStats;
  /** The daemon's events until the returned function is called. */
  subscribe(events: DaemonEvents): () => void;
  /** Best-path changes until the returned function is called (`best` null: no route any more). */
  watchBest(fn: (family: FamilyName, prefix: string, best: ReturnType<typeof pathJson> | null) => void): () => void;
}

export interface DaemonCommands {
  announce(r: AnnounceRequest): void;
  /** False when the prefix was not originated here. */
  withdraw(prefix: string): boolean;
  shutdownNeighbor(address: string, message?: string): void;
  enableNeighbor(address: string): void;
  resetNeighbor(address: string, message?: string): void;
  softReset(address: string, direction: 'in' | 'out' | 'both'): SoftResetResult;
  /** Re-reads the file; a ConfigError or CommandError refuses it and changes nothing. */
  reload(): Promise<ReloadResult>;
  setLogLevel(level: LogLevel): void;
  /** A full garbage collection now; null when the process cannot run one. */
  compactMemory(): { heapBefore: number; heapAfter: number; rssAfter: number } | null;
}
