// The daemon thread's side of BFD: starts the worker (worker.ts) on first use, adds, changes and
// removes sessions by key (the neighbor address), keeps the last snapshot of each for the read
// model, and reports state changes. Detection happens in the worker; the daemon only hears of it.
// Must not import rib, api, daemon, pino or prom-client.

import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { BFD_CONTROL_PORT } from './constants.js';
import type { BfdTiming } from './machine.js';
import type { BfdPeer, WorkerEvent, WorkerOptions, WorkerRequest } from './protocol.js';
import type { BfdSnapshot, BfdStateChange } from './session.js';

export interface BfdManagerEvents {
  stateChange?(key: string, change: BfdStateChange): void;
  /** A session could not start (port in use, no source port), or a warning from the worker. */
  error?(key: string | undefined, message: string): void;
}

export interface BfdManagerOptions {
  readonly port?: number;
  readonly snapshotIntervalMs?: number;
}

interface Tracked {
  readonly id: number;
  peer: BfdPeer;
  snapshot?: BfdSnapshot;
  error?: string;
}

/** The worker script beside this module: compiled JavaScript, or the TypeScript source under a loader. */
function workerUrl(): URL {
  const js = new URL('./worker.js', import.meta.url);
  return existsSync(fileURLToPath(js)) ? js : new URL('./worker.ts', import.meta.url);
}

export class BfdManager {
  readonly #events: BfdManagerEvents;
  readonly #options: WorkerOptions;
  readonly #byKey = new Map<string, Tracked>();
  readonly #keyById = new Map<number, string>();
  #worker: Worker | undefined;
  #nextId = 1;
  #unmatched = 0;

  constructor(events: BfdManagerEvents = {}, options: BfdManagerOptions = {}) {
    this.#events = events;
    this.#options = { port: options.port ?? BFD_CONTROL_PORT, snapshotIntervalMs: options.snapshotIntervalMs ?? 1000 };
  }

  #post(m: WorkerRequest): void {
    if (!this.#worker) {
      this.#worker = new Worker(workerUrl(), { workerData: this.#options, name: 'nodebgp-bfd' });
      this.#worker.on('message', (e: WorkerEvent) => this.#onEvent(e));
      this.#worker.on('error', (e) => this.#events.error?.(undefined, `BFD worker failed: ${e.message}`));
      // The daemon's listeners keep the process alive; the worker alone must not.
      this.#worker.unref();
    }
    this.#worker.postMessage(m);
  }

  #onEvent(e: WorkerEvent): void {
    switch (e.ev) {
      case 'state': {
        const key = this.#keyById.get(e.id);
        if (key === undefined) return;
        this.#byKey.get(key)!.snapshot = e.snapshot;
        this.#events.stateChange?.(key, e.change);
        return;
      }
      case 'snapshots':
        this.#unmatched = e.unmatched;
        for (const [id, snap] of e.list) {
          const key = this.#keyById.get(id);
          if (key !== undefined) this.#byKey.get(key)!.snapshot = snap;
        }
        return;
      case 'error': {
        const key = e.id !== undefined ? this.#keyById.get(e.id) : undefined;
        if (key !== undefined) this.#byKey.get(key)!.error = e.message;
        this.#events.error?.(key, e.message);
        return;
      }
      case 'closed':
        return;
    }
  }

  /** Starts a session toward `peer.peer`; replaces one under the same key if its addresses differ. */
  add(key: string, peer: BfdPeer): void {
    const old = this.#byKey.get(key);
    if (old && old.peer.peer === peer.peer && old.peer.local === peer.local) {
      this.update(key, peer.timing);
      this.setAdminDown(key, peer.adminDown ?? false);
      return;
    }
    if (old) this.remove(key);
    const id = this.#nextId++;
    this.#byKey.set(key, { id, peer });
    this.#keyById.set(id, key);
    this.#post({ op: 'add', id, session: peer });
  }

  /** New intervals, multiplier or role, applied by a Poll Sequence without taking the session down. */
  update(key: string, timing: BfdTiming): void {
    const t = this.#byKey.get(key);
    if (!t || sameTiming(t.peer.timing, timing)) return;
    t.peer = { ...t.peer, timing };
    this.#post({ op: 'update', id: t.id, timing });
  }

  setAdminDown(key: string, down: boolean): void {
    const t = this.#byKey.get(key);
    if (!t || (t.peer.adminDown ?? false) === down) return;
    t.peer = { ...t.peer, adminDown: down };
    this.#post({ op: 'admin', id: t.id, down });
  }

  remove(key: string): void {
    const t = this.#byKey.get(key);
    if (!t) return;
    this.#byKey.delete(key);
    this.#keyById.delete(t.id);
    this.#post({ op: 'remove', id: t.id });
  }

  /** The last state the worker reported (state changes at once, counters every second). */
  snapshot(key: string): BfdSnapshot | undefined {
    return this.#byKey.get(key)?.snapshot;
  }

  /** Why a session could not start, if it could not. */
  error(key: string): string | undefined {
    return this.#byKey.get(key)?.error;
  }

  /** Packets that matched no session (unknown discriminator or source). */
  get unmatchedPackets(): number {
    return this.#unmatched;
  }

  async close(): Promise<void> {
    const w = this.#worker;
    if (!w) return;
    this.#worker = undefined;
    const closed = new Promise<void>((resolve) => {
      w.on('message', (e: WorkerEvent) => e.ev === 'closed' && resolve());
      w.on('exit', () => resolve());
    });
    w.postMessage({ op: 'close' } satisfies WorkerRequest);
    await Promise.race([closed, new Promise((r) => setTimeout(r, 1000))]);
    await w.terminate();
  }
}

function sameTiming(a: BfdTiming, b: BfdTiming): boolean {
  return a.desiredMinTxUs === b.desiredMinTxUs && a.requiredMinRxUs === b.requiredMinRxUs && a.detectMult === b.detectMult && a.passive === b.passive;
}
