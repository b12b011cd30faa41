// Giving memory back when routes go: the decode cache is swept of attribute sets no path holds,
// and after most of the table went away a full garbage collection runs once (when the process can
// ask for one). Both on the injected clock or a slice per turn of the event loop.

import type { Clock, TimerHandle } from '../fsm/index.js';
import type { Rib } from '../rib/index.js';
import type { AttributeCache } from '../wire/index.js';

/** Decode-cache entries a sweep visits per turn of the event loop (about 20 ms). */
const SWEEP_SLICE = 32_768;

export class MemoryKeeper {
  /** Paths held at the most since memory was last given back, and the collection scheduled. */
  #pathsPeak = 0;
  #compaction: TimerHandle | undefined;

  constructor(
    readonly clock: Clock,
    readonly rib: Rib,
    readonly cache: AttributeCache,
    /** A full garbage collection (nodebgpd exposes V8's to itself); undefined: none. */
    readonly collectGarbage: (() => void) | undefined,
  ) {}

  /** Once running: what loading and starting left behind goes back to the system. */
  started(): void {
    if (this.collectGarbage) this.#compaction = this.clock.setTimeout(() => this.#compact(), 2000);
  }

  stop(): void {
    if (this.#compaction) this.clock.clearTimeout(this.#compaction);
    this.#compaction = undefined;
  }

  /**
   * Routes were released. Attribute sets no path holds any more leave the decode cache once they
   * are three quarters of it, so that memory returns when routes go (one sweep per that many dead
   * sets: amortized O(1)). The sweep runs SWEEP_SLICE entries per turn of the event loop: a million
   * dead sets would otherwise be one pause of about a second.
   */
  released(): void {
    if (!this.cache.sweeping && this.cache.size > 4 * this.rib.attrs.size + 1024) {
      this.cache.beginSweep((a, holder) => a !== null && this.rib.attrs.holds(a, holder));
      const step = () => {
        if (!this.cache.sweepStep(SWEEP_SLICE)) setImmediate(step);
      };
      setImmediate(step);
    }
    this.#compactWhenShrunk();
  }

  /**
   * When the table has lost seven eighths of its paths (at least 50,000) since memory was last
   * given back, a full collection runs a second later (once, however many withdrawals follow).
   * Not earlier: a full collection costs in proportion to what is still live, and this one runs
   * all at once (V8's own run alongside, a little at a time).
   */
  #compactWhenShrunk(): void {
    if (!this.collectGarbage) return;
    const paths = this.rib.v4.paths + this.rib.v6.paths;
    if (paths > this.#pathsPeak) this.#pathsPeak = paths;
    if (this.#compaction || this.#pathsPeak - paths < 50_000 || paths > this.#pathsPeak / 8) return;
    this.#compaction = this.clock.setTimeout(() => this.#compact(), 1000);
  }

  #compact(): void {
    this.#compaction = undefined;
    this.#pathsPeak = this.rib.v4.paths + this.rib.v6.paths;
    this.collectGarbage?.();
  }
}
