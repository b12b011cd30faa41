// What a reload changes: the difference between the running and the new configuration, as the
// daemon applies it. Neighbors are matched by address. Changes to policy (route-maps, lists,
// max-prefix, graceful shutdown, description, enabled, BFD timers) are applied without resetting sessions;
// a change to what the session negotiates (AS, timers, families, transport) resets that neighbor
// only. Global identity (AS, router ID, cluster ID, listen addresses, decision options) needs a
// restart: a reload that changes them is refused.
// Pure: no I/O.

import { isDeepStrictEqual } from 'node:util';
import type { DaemonConfig, NeighborConfig, OriginateConfig } from './types.js';

export interface ConfigDiff {
  /** Keys whose change needs a restart (the reload is refused when this is not empty). */
  readonly restartNeeded: readonly string[];
  readonly removed: readonly string[];
  readonly added: readonly NeighborConfig[];
  /** Neighbors whose session parameters changed: reset with the new config. */
  readonly reset: readonly NeighborConfig[];
  /** Neighbors whose policy-level settings changed: applied in place (soft). */
  readonly soft: readonly NeighborConfig[];
  /** The policy set (lists, route-maps, RFC 8212 default) changed: every neighbor's policy is re-applied. */
  readonly policyChanged: boolean;
  readonly dynamicChanged: boolean;
  /** The aggregates changed: they are formed again and every peer reconsiders what it is sent. */
  readonly aggregatesChanged: boolean;
  /** The FIB filter route-map changed: every prefix's kernel route is looked at again. */
  readonly fibFilterChanged: boolean;
  /** MRT dumps' directory or schedule changed (read when a dump runs; the schedule is re-armed). */
  readonly mrtChanged: boolean;
  /** The RPKI caches or their intervals changed: the caches are connected again (VRPs are fetched anew). */
  readonly rpkiChanged: boolean;
  /** The BMP collectors changed: they are connected again (each gets a whole dump). */
  readonly bmpChanged: boolean;
  readonly originateAdded: readonly OriginateConfig[];
  readonly originateRemoved: readonly string[];
}

const RESTART_KEYS = ['asn', 'routerId', 'clusterId', 'listen', 'bestpath', 'maximumPaths'] as const;
/** The kernel side: only its filter changes without a restart. */
const fibFixed = (c: DaemonConfig) => ({ ...c.fib, filter: undefined });
/** Neighbor settings applied in place. */
const SOFT_KEYS = new Set(['importPolicy', 'exportPolicy', 'description', 'maxPrefix', 'gracefulShutdown', 'enabled', 'peerGroup', 'bfd']);

/**
 * The session-level settings of a neighbor, with the global timers it inherits. BFD intervals
 * change in place (a BFD Poll Sequence); strict mode is part of the session's FSM, so it resets.
 */
function sessionPart(n: NeighborConfig, c: DaemonConfig): Record<string, unknown> {
  const out: Record<string, unknown> = { holdTime: c.holdTime, keepaliveTime: c.keepaliveTime, bfdStrict: typeof n.bfd === 'object' && n.bfd.enabled !== false && (n.bfd.strict ?? false) };
  for (const [k, v] of Object.entries(n)) if (!SOFT_KEYS.has(k)) out[k] = v;
  return out;
}

function softPart(n: NeighborConfig): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(n)) if (SOFT_KEYS.has(k)) out[k] = v;
  return out;
}

export function diffConfig(from: DaemonConfig, to: DaemonConfig): ConfigDiff {
  const restartNeeded: string[] = RESTART_KEYS.filter((k) => !isDeepStrictEqual(from[k], to[k]));
  if (!isDeepStrictEqual(fibFixed(from), fibFixed(to))) restartNeeded.push('fib');
  const before = new Map(from.neighbors.map((n) => [n.address, n]));
  const after = new Map(to.neighbors.map((n) => [n.address, n]));
  const removed = [...before.keys()].filter((a) => !after.has(a));
  const added: NeighborConfig[] = [];
  const reset: NeighborConfig[] = [];
  const soft: NeighborConfig[] = [];
  for (const [a, n] of after) {
    const old = before.get(a);
    if (!old) added.push(n);
    else if (!isDeepStrictEqual(sessionPart(old, from), sessionPart(n, to))) reset.push(n);
    else if (!isDeepStrictEqual(softPart(old), softPart(n))) soft.push(n);
  }
  const key = (o: OriginateConfig) => o.prefix;
  const oldOrig = new Map((from.originate ?? []).map((o) => [key(o), o]));
  const newOrig = new Map((to.originate ?? []).map((o) => [key(o), o]));
  return {
    restartNeeded,
    removed,
    added,
    reset,
    soft,
    policyChanged: !isDeepStrictEqual(from.policy, to.policy) || (from.ebgpRequiresPolicy ?? true) !== (to.ebgpRequiresPolicy ?? true),
    dynamicChanged: !isDeepStrictEqual(from.dynamicNeighbors, to.dynamicNeighbors),
    aggregatesChanged: !isDeepStrictEqual(from.aggregates ?? [], to.aggregates ?? []),
    fibFilterChanged: from.fib?.filter !== to.fib?.filter,
    mrtChanged: !isDeepStrictEqual(from.mrt ?? {}, to.mrt ?? {}),
    rpkiChanged: !isDeepStrictEqual(from.rpki ?? {}, to.rpki ?? {}),
    bmpChanged: !isDeepStrictEqual(from.bmp ?? {}, to.bmp ?? {}),
    originateAdded: [...newOrig.values()].filter((o) => !isDeepStrictEqual(oldOrig.get(key(o)), o)),
    originateRemoved: [...oldOrig.keys()].filter((p) => !newOrig.has(p)),
  };
}

/** True when the reload changes nothing. */
export function isEmptyDiff(d: ConfigDiff): boolean {
  return d.restartNeeded.length + d.removed.length + d.added.length + d.reset.length + d.soft.length + d.originateAdded.length + d.originateRemoved.length === 0 && !d.policyChanged && !d.dynamicChanged && !d.aggregatesChanged && !d.fibFilterChanged && !d.mrtChanged && !d.rpkiChanged && !d.bmpChanged;
}
