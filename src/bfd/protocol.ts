// Messages between the daemon's thread (manager.ts) and the BFD worker (worker.ts).
// Must not import rib, api, daemon, pino or prom-client.

import type { BfdTiming } from './machine.js';
import type { BfdSnapshot, BfdStateChange } from './session.js';

export interface BfdPeer {
  readonly peer: string;
  /** Source address of our packets (the BGP session's local address); the kernel picks when absent. */
  readonly local?: string;
  readonly timing: BfdTiming;
  readonly adminDown?: boolean;
}

export type WorkerRequest =
  | { readonly op: 'add'; readonly id: number; readonly session: BfdPeer }
  | { readonly op: 'update'; readonly id: number; readonly timing: BfdTiming }
  | { readonly op: 'admin'; readonly id: number; readonly down: boolean }
  | { readonly op: 'remove'; readonly id: number }
  | { readonly op: 'close' };

export type WorkerEvent =
  | { readonly ev: 'state'; readonly id: number; readonly change: BfdStateChange; readonly snapshot: BfdSnapshot }
  /** Every session's counters, periodically, and packets that matched no session. */
  | { readonly ev: 'snapshots'; readonly list: readonly (readonly [number, BfdSnapshot])[]; readonly unmatched: number }
  | { readonly ev: 'error'; readonly id?: number; readonly message: string }
  | { readonly ev: 'closed' };

export interface WorkerOptions {
  /** UDP port for control packets (3784; tests use their own). */
  readonly port: number;
  readonly snapshotIntervalMs: number;
}
