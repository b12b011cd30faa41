// A token bucket on whatever clock the caller reads (pure: the time is passed in). Bounds what a
// peer or a source can make us do per unit of time: route refreshes, log lines.

export class TokenBucket {
  readonly capacity: number;
  readonly refillMs: number;
  #tokens: number;
  #at: number;

  /** `capacity` tokens at most, one more every `refillMs`; full at `now`. */
  constructor(capacity: number, refillMs: number, now: number) {
    this.capacity = capacity;
    this.refillMs = refillMs;
    this.#tokens = capacity;
    this.#at = now;
  }

  #refill(now: number): void {
    if (now <= this.#at) return;
    const earned = Math.floor((now - this.#at) / this.refillMs);
    if (earned === 0) return;
    this.#tokens = Math.min(this.capacity, this.#tokens + earned);
    this.#at = this.#tokens === this.capacity ? now : this.#at + earned * this.refillMs;
  }

  /** Takes a token if there is one. */
  take(now: number): boolean {
    this.#refill(now);
    if (this.#tokens === 0) return false;
    this.#tokens--;
    return true;
  }

  /** Milliseconds until a token is available (0: now). */
  wait(now: number): number {
    this.#refill(now);
    return this.#tokens > 0 ? 0 : this.#at + this.refillMs - now;
  }
}
