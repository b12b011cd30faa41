// V8's heap has a hard limit, and reaching it ends the process: every session and every route. The
// RIB's columns are outside it (an allocation failure there is a RangeError the neighbor's Peer
// turns into a max-prefix stop), but attribute sets, their AS paths and the decode cache are
// objects in it: a neighbor without max-prefix sending endless distinct attribute sets would end
// the daemon by luck (seen: a table of 400k sets against a 96 MB heap, "Reached heap limit"). The
// guard, asked after each of the neighbor's UPDATEs, says when the heap can take no more, so that
// neighbor's routes are refused the same way while there is still room to do it.

import { getHeapSpaceStatistics, getHeapStatistics } from 'node:v8';
import type { Clock } from '../fsm/index.js';

/** V8's old generation, where what outlives a young collection (all the routes' objects) is kept. */
export interface HeapReading {
  /** Octets in use there, garbage not yet collected included. */
  readonly used: number;
  /** What it may hold at most: past it the process ends. */
  readonly limit: number;
}

/** Past this share of the limit in use, the heap is looked at closely: a full collection first. */
export const LOOK_AT = 0.85;
/** Past this share live after a full collection, the neighbor sending routes is refused. */
export const REFUSE_AT = 0.75;
/** Past this share in use with no collection to tell live from garbage, refused all the same. */
export const HARD_AT = 0.95;
/** Full collections for a closer look at most this often: each costs in proportion to the heap. */
export const LOOK_EVERY_MS = 2000;
/** UPDATEs between readings: one costs about 2 us (getHeapSpaceStatistics), and 64 UPDATEs allocate well under 1 MB. */
export const READ_EVERY = 64;

/**
 * The young generation's semi-space maximum (MB) node was given (the binary sets it; its command
 * line wins over NODE_OPTIONS, as in node), else V8's largest default.
 */
function semiSpaceMb(): number {
  const flags = [...(process.env.NODE_OPTIONS ?? '').split(/\s+/), ...process.execArgv];
  const given = flags.map((f) => /^--max-semi-space-size=(\d+)$/.exec(f)?.[1]).filter((v) => v !== undefined).at(-1);
  return given === undefined ? 64 : Number(given);
}

/**
 * What the old generation may hold: `heap_size_limit` less the young generation's maximum (three
 * semi-spaces: 64 + 12 MB with --max-old-space-size=64 and 4 MB semi-spaces), which the old
 * generation cannot use (a process dies with that much still "available"). Fixed when the process
 * starts, so read once.
 */
let oldGenerationLimit: number | undefined;

/** V8's own figures for this process' old generation. */
export function v8Heap(): HeapReading {
  let used = 0;
  for (const s of getHeapSpaceStatistics()) if (!s.space_name.startsWith('new_')) used += s.space_used_size;
  oldGenerationLimit ??= getHeapStatistics().heap_size_limit - 3 * semiSpaceMb() * 2 ** 20;
  return { used, limit: oldGenerationLimit };
}

const mb = (octets: number) => Math.round(octets / 2 ** 20);

export class HeapGuard {
  #updates = 0;
  #lookedAt = -Infinity;

  constructor(
    readonly clock: Clock,
    readonly read: () => HeapReading,
    /** A full garbage collection; undefined: the guard refuses only past HARD_AT. */
    readonly collectGarbage: (() => void) | undefined,
  ) {}

  /** After an UPDATE was applied: why the heap can take no more routes, or undefined. */
  full(): string | undefined {
    if (++this.#updates < READ_EVERY) return undefined;
    this.#updates = 0;
    const r = this.read();
    if (r.used < r.limit * LOOK_AT) return undefined;
    const now = this.clock.now();
    if (this.collectGarbage && now - this.#lookedAt >= LOOK_EVERY_MS) {
      this.#lookedAt = now;
      this.collectGarbage();
      const live = this.read();
      return live.used < live.limit * REFUSE_AT ? undefined : `the JavaScript heap holds ${mb(live.used)} MB live of the ${mb(live.limit)} MB its old generation may hold`;
    }
    return r.used < r.limit * HARD_AT ? undefined : `the JavaScript heap holds ${mb(r.used)} MB of the ${mb(r.limit)} MB its old generation may hold`;
  }
}
