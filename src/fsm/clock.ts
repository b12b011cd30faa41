// The clock a session driver runs on: real timers in the daemon, a virtual clock in tests.

export interface TimerHandle {
  readonly id: number;
}

export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(h: TimerHandle): void;
  random(): number;
}

export class SystemClock implements Clock {
  #next = 1;
  readonly #timers = new Map<number, NodeJS.Timeout>();

  now(): number {
    return performance.now();
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const id = this.#next++;
    const t = setTimeout(() => {
      this.#timers.delete(id);
      fn();
    }, ms);
    this.#timers.set(id, t);
    return { id };
  }

  clearTimeout(h: TimerHandle): void {
    const t = this.#timers.get(h.id);
    if (t) clearTimeout(t);
    this.#timers.delete(h.id);
  }

  random(): number {
    return Math.random();
  }

  /** Timers pending: what a leak check counts. */
  get pending(): number {
    return this.#timers.size;
  }
}

/** A clock tests advance by hand; timers fire in time order. */
/** The longest delay setTimeout holds (a signed 32-bit count of milliseconds). */
export const MAX_TIMEOUT_MS = 2 ** 31 - 1;

export class VirtualClock implements Clock {
  #now = 0;
  #next = 1;
  readonly #timers = new Map<number, { at: number; fn: () => void }>();
  #random: () => number;

  constructor(random: () => number = () => 0.5) {
    this.#random = random;
  }

  now(): number {
    return this.#now;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    // As the system clock's: Node fires a longer timer after 1 ms (TimeoutOverflowWarning), so a
    // caller needing more must chain; here such a timer is a bug that shows.
    if (ms > MAX_TIMEOUT_MS) throw new RangeError(`a timer of ${ms} ms is longer than a timer can be (${MAX_TIMEOUT_MS} ms)`);
    const id = this.#next++;
    this.#timers.set(id, { at: this.#now + ms, fn });
    return { id };
  }

  clearTimeout(h: TimerHandle): void {
    this.#timers.delete(h.id);
  }

  random(): number {
    return this.#random();
  }

  get pending(): number {
    return this.#timers.size;
  }

  /** Moves time forward by `ms`, firing every timer due on the way. */
  advance(ms: number): void {
    const end = this.#now + ms;
    for (;;) {
      let due: [number, { at: number; fn: () => void }] | undefined;
      for (const entry of this.#timers) if (entry[1].at <= end && (!due || entry[1].at < due[1].at)) due = entry;
      if (!due) break;
      this.#timers.delete(due[0]);
      this.#now = due[1].at;
      due[1].fn();
    }
    this.#now = end;
  }
}
