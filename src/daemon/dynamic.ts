// Dynamic neighbors (FRR's bgp listen range): which range takes a connection from an unknown
// source, and whether it is admitted now. Bounds what unknown sources can hold: sessions per
// range, sessions not yet Established per range, and a hold-down per source after a failed or
// short session (doubling from 1 s to 60 s), since a dynamic neighbor goes with its session and
// the FSM's own idle-hold backoff would start over every time. Time comes from the injected clock.

import { BlockList, isIPv6 } from 'node:net';
import { networkInterfaces } from 'node:os';
import type { DynamicNeighborsConfig } from '../config/types.js';

export type RefusedReason = 'unknown-source' | 'dynamic-limit' | 'dynamic-pending' | 'dynamic-damped';

/** A session this long counts as stable: its source's hold-down starts over. */
const STABLE_MS = 60_000;
const HOLD_MIN_MS = 1_000;
const HOLD_MAX_MS = 60_000;
/** Sources remembered for damping (the oldest is forgotten first). */
const MAX_SOURCES = 4096;

interface Range {
  readonly cfg: DynamicNeighborsConfig;
  /** A prefix; undefined for 'connected'. */
  readonly list: BlockList | undefined;
}

export class DynamicRanges {
  #ranges: Range[] = [];
  readonly #damped = new Map<string, { failures: number; until: number }>();
  readonly #now: () => number;
  #connected: { at: number; list: BlockList } | undefined;

  constructor(now: () => number) {
    this.#now = now;
  }

  set(ranges: readonly DynamicNeighborsConfig[]): void {
    this.#ranges = ranges.map((cfg) => {
      if (cfg.range === 'connected') return { cfg, list: undefined };
      const list = new BlockList();
      const [addr, len] = cfg.range.split('/');
      list.addSubnet(addr, Number(len), isIPv6(addr) ? 'ipv6' : 'ipv4');
      return { cfg, list };
    });
  }

  /**
   * The range a source may open a session from now, or why not. `inRange(cfg)` tells how many
   * dynamic neighbors the range has, and how many of them are not Established.
   */
  admit(address: string, inRange: (cfg: DynamicNeighborsConfig) => { all: number; pending: number }): DynamicNeighborsConfig | RefusedReason {
    const family = isIPv6(address) ? 'ipv6' : 'ipv4';
    const hit = this.#ranges.find((r) => (r.list ?? this.#connectedList()).check(address, family));
    if (!hit) return 'unknown-source';
    const d = this.#damped.get(address);
    if (d && this.#now() < d.until) return 'dynamic-damped';
    const n = inRange(hit.cfg);
    if (n.all >= (hit.cfg.limit ?? 100)) return 'dynamic-limit';
    if (n.pending >= (hit.cfg.maxPending ?? 10)) return 'dynamic-pending';
    return hit.cfg;
  }

  /** A dynamic neighbor's session ended after `establishedMs` Established (0: it never was). */
  ended(address: string, establishedMs: number): void {
    const d = this.#damped.get(address);
    if (establishedMs >= STABLE_MS) {
      this.#damped.delete(address);
      return;
    }
    const failures = (d?.failures ?? 0) + 1;
    this.#damped.delete(address);
    if (this.#damped.size >= MAX_SOURCES) this.#damped.delete(this.#damped.keys().next().value!);
    this.#damped.set(address, { failures, until: this.#now() + Math.min(HOLD_MAX_MS, HOLD_MIN_MS * 2 ** (failures - 1)) });
  }

  /** The subnets of our interfaces (a source inside one is one hop away), looked at again each second. */
  #connectedList(): BlockList {
    const now = this.#now();
    if (this.#connected && now - this.#connected.at < 1000) return this.#connected.list;
    const list = new BlockList();
    for (const addrs of Object.values(networkInterfaces())) {
      for (const a of addrs ?? []) {
        if (a.internal || !a.cidr) continue;
        const [net, len] = a.cidr.split('/');
        list.addSubnet(net.split('%')[0], Number(len), a.family === 'IPv6' ? 'ipv6' : 'ipv4');
      }
    }
    this.#connected = { at: now, list };
    return list;
  }
}

/** The sessions of a dynamic range's peer group: all of them, and those not yet Established. */
export function dynamicCounts(peers: Iterable<{ readonly dynamic: boolean; readonly config: { readonly peerGroup?: string }; readonly up: boolean }>, peerGroup: string): { all: number; pending: number } {
  let all = 0;
  let pending = 0;
  for (const p of peers) {
    if (!p.dynamic || p.config.peerGroup !== peerGroup) continue;
    all++;
    if (!p.up) pending++;
  }
  return { all, pending };
}
