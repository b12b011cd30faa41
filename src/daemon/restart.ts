// RFC 4724, the restarting speaker: a wait for the neighbors' End-of-RIB for all their families,
// or the restart time. The daemon keeps two after a restart with kernel routes kept (fib.retain):
// the selection deferral (RFC 4724 4.1: nothing sent, the kernel left as it is; neighbors without
// the capability or restarting themselves are `exempt`, as they wait for our End-of-RIB), and the
// restart itself (Restart State in our OPENs; at its end the kept kernel routes that were not
// learned again are removed), which waits for every neighbor.

import type { Clock, TimerHandle } from '../fsm/index.js';

export type RestartEnd = 'end-of-rib' | 'timer';

export class RestartWait {
  readonly #waiting: Set<string>;
  readonly #timer: TimerHandle;
  #over = false;

  /** Waits for `neighbors` (addresses); `end` is called once, at once if there are none. */
  constructor(readonly clock: Clock, neighbors: Iterable<string>, seconds: number, readonly end: (reason: RestartEnd) => void) {
    this.#waiting = new Set(neighbors);
    this.#timer = clock.setTimeout(() => this.#finish('timer'), seconds * 1000);
    if (this.#waiting.size === 0) queueMicrotask(() => this.#finish('end-of-rib'));
  }

  get waiting(): readonly string[] {
    return [...this.#waiting];
  }

  /** A neighbor's End-of-RIB markers so far, against the families it negotiated. */
  endOfRib(address: string, negotiated: readonly number[], received: ReadonlySet<number>): void {
    if (!negotiated.every((k) => received.has(k))) return;
    this.#waiting.delete(address);
    if (this.#waiting.size === 0) this.#finish('end-of-rib');
  }

  /** RFC 4724 4.1: a neighbor without the capability, or restarting itself, is not waited for. */
  exempt(address: string): void {
    if (!this.#waiting.delete(address)) return;
    if (this.#waiting.size === 0) this.#finish('end-of-rib');
  }

  /** The daemon stops: no end. */
  cancel(): void {
    this.#over = true;
    this.clock.clearTimeout(this.#timer);
  }

  #finish(reason: RestartEnd): void {
    if (this.#over) return;
    this.cancel();
    this.end(reason);
  }
}
