// Rate limits for log lines whose cause another party controls (a peer's malformed messages, a
// source that keeps connecting): per key, a few lines per window; the next line logged says how
// many were suppressed. Keys are bounded: the oldest is forgotten first. Time is passed in.

export interface LimitDecision {
  /** Log this one. */
  readonly log: boolean;
  /** Lines of this key not logged since the last one that was. */
  readonly suppressed: number;
  /** This is the last line of the key logged in this window: say that more will be counted. */
  readonly last: boolean;
}

interface KeyState {
  windowStart: number;
  logged: number;
  suppressed: number;
}

export class LogLimiter {
  readonly #perWindow: number;
  readonly #windowMs: number;
  readonly #maxKeys: number;
  readonly #keys = new Map<string, KeyState>();

  constructor(perWindow = 5, windowMs = 60_000, maxKeys = 1024) {
    this.#perWindow = perWindow;
    this.#windowMs = windowMs;
    this.#maxKeys = maxKeys;
  }

  take(key: string, now: number): LimitDecision {
    let k = this.#keys.get(key);
    if (!k) {
      if (this.#keys.size >= this.#maxKeys) this.#keys.delete(this.#keys.keys().next().value!);
      k = { windowStart: now, logged: 0, suppressed: 0 };
      this.#keys.set(key, k);
    }
    if (now - k.windowStart >= this.#windowMs) {
      k.windowStart = now;
      k.logged = 0;
    }
    if (k.logged >= this.#perWindow) {
      k.suppressed++;
      return { log: false, suppressed: k.suppressed, last: false };
    }
    k.logged++;
    const suppressed = k.suppressed;
    k.suppressed = 0;
    return { log: true, suppressed, last: k.logged === this.#perWindow };
  }

  /**
   * Keys whose window has ended with lines suppressed, and how many: their "suppressed N" lines
   * are due now (called on a timer, so a flood that stops is still reported). They start over.
   */
  drain(now: number): { key: string; suppressed: number }[] {
    const out: { key: string; suppressed: number }[] = [];
    for (const [key, k] of this.#keys) {
      if (k.suppressed === 0 || now - k.windowStart < this.#windowMs) continue;
      out.push({ key, suppressed: k.suppressed });
      this.#keys.delete(key);
    }
    return out;
  }

  /** Forgets a key (its neighbor is gone). */
  forget(key: string): void {
    this.#keys.delete(key);
  }
}
