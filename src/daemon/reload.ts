// A reload in the terms an operator reads: what the configuration diff (src/config/diff.ts, the
// plan) changed, with long lists cut to RELOAD_LISTED names; and the pacing of large changes.

import { type ConfigDiff, isEmptyDiff } from '../config/diff.js';
import { RELOAD_LISTED, type ReloadResult } from './commands.js';

/** What a reload applying `d` did. */
export function reloadResult(d: ConfigDiff): ReloadResult {
  const listed = <T>(xs: readonly T[], f: (x: T) => string) => xs.slice(0, RELOAD_LISTED).map(f);
  return {
    changed: !isEmptyDiff(d),
    added: listed(d.added, (n) => n.address),
    removed: listed(d.removed, (a) => a),
    reset: listed(d.reset, (n) => n.address),
    soft: listed(d.soft, (n) => n.address),
    policyChanged: d.policyChanged,
    originated: listed(d.originateAdded, (o) => o.prefix),
    withdrawn: listed(d.originateRemoved, (a) => a),
    counts: { added: d.added.length, removed: d.removed.length, reset: d.reset.length, soft: d.soft.length, originated: d.originateAdded.length, withdrawn: d.originateRemoved.length },
    also: [
      ...(d.dynamicChanged ? ['dynamicNeighbors' as const] : []), ...(d.aggregatesChanged ? ['aggregates' as const] : []),
      ...(d.fibFilterChanged ? ['fib.filter' as const] : []), ...(d.mrtChanged ? ['mrt' as const] : []),
      ...(d.rpkiChanged ? ['rpki' as const] : []), ...(d.bmpChanged ? ['bmp' as const] : []),
    ],
  };
}

/** Items per turn of the event loop when a reload applies many of them. */
const RELOAD_SLICE = 2000;

/** Applies `items` RELOAD_SLICE per turn of the event loop, so that sessions keep their timers meanwhile. */
export async function inSlices<T>(items: readonly T[], apply: (item: T) => void): Promise<void> {
  for (let i = 0; i < items.length; i += RELOAD_SLICE) {
    if (i > 0) await new Promise((r) => setImmediate(r));
    for (const item of items.slice(i, i + RELOAD_SLICE)) apply(item);
  }
}
