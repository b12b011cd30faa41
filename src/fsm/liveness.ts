// Liveness tracking per peer: when keepalives arrive, how regularly, how many were missed, and
// how long until the hold timer expires. Pure state over times the driver passes in (ms).

export interface LivenessSnapshot {
  readonly lastKeepaliveReceivedMs: number | null;
  readonly lastMessageReceivedMs: number | null;
  readonly keepalivesReceived: number;
  /** Inter-arrival of keepalives in ms: mean, minimum, maximum, standard deviation. */
  readonly interArrivalMs: { readonly mean: number; readonly min: number; readonly max: number; readonly stddev: number } | null;
  /** Keepalive intervals (a third of the hold time) elapsed since the last message, rounded down. */
  readonly missedKeepalives: number;
  /** Time left before the hold timer expires, or null with a hold time of 0 or no session. */
  readonly holdExpiresInMs: number | null;
}

export class Liveness {
  #lastKeepalive: number | null = null;
  #lastMessage: number | null = null;
  #count = 0;
  #intervals = 0;
  #mean = 0;
  #m2 = 0;
  #min = Infinity;
  #max = 0;

  reset(): void {
    this.#lastKeepalive = null;
    this.#lastMessage = null;
    this.#count = 0;
    this.#intervals = 0;
    this.#mean = 0;
    this.#m2 = 0;
    this.#min = Infinity;
    this.#max = 0;
  }

  message(now: number): void {
    this.#lastMessage = now;
  }

  keepalive(now: number): void {
    this.#lastMessage = now;
    if (this.#lastKeepalive !== null) {
      // Welford's running mean and variance.
      const x = now - this.#lastKeepalive;
      this.#intervals++;
      const d = x - this.#mean;
      this.#mean += d / this.#intervals;
      this.#m2 += d * (x - this.#mean);
      this.#min = Math.min(this.#min, x);
      this.#max = Math.max(this.#max, x);
    }
    this.#lastKeepalive = now;
    this.#count++;
  }

  snapshot(now: number, holdTimeS: number): LivenessSnapshot {
    const since = this.#lastMessage === null ? null : now - this.#lastMessage;
    const keepaliveMs = (holdTimeS * 1000) / 3;
    return {
      lastKeepaliveReceivedMs: this.#lastKeepalive,
      lastMessageReceivedMs: this.#lastMessage,
      keepalivesReceived: this.#count,
      interArrivalMs: this.#intervals === 0 ? null : { mean: this.#mean, min: this.#min, max: this.#max, stddev: Math.sqrt(this.#m2 / this.#intervals) },
      missedKeepalives: since === null || keepaliveMs === 0 ? 0 : Math.floor(since / keepaliveMs),
      holdExpiresInMs: since === null || holdTimeS === 0 ? null : Math.max(0, holdTimeS * 1000 - since),
    };
  }
}
