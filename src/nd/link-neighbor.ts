// Which link-local address an unnumbered neighbor has: one per interface, learned from the
// router advertisements heard there or from the neighbor's own connection. Pure: time is passed in.
//
// Rules (a link is point to point; anything else on it is a mistake or an attacker):
// - the first address heard is learned;
// - while a session is Established on the learned address ("pinned"), others are ignored;
// - otherwise another source replaces it once the learned one has been silent for three of its
//   own advertisement intervals (it changed its address, or went away); an advertisement flood
//   from made-up sources moves nothing while the neighbor keeps advertising;
// - a connection from another source on the link, while nothing is pinned, is the neighbor itself
//   (a BGP speaker dialing us): it is learned at once.
// State per interface is one address and a few counters, whatever arrives.

/** Expected gap between one source's advertisements until two were heard (FRR's unnumbered default). */
const DEFAULT_INTERVAL_MS = 10_000;
const MIN_INTERVAL_MS = 1_000;
const MAX_INTERVAL_MS = 600_000;
/** Silent intervals after which a learned address may be replaced by another source. */
const SILENT_INTERVALS = 3;

export type Heard = 'learned' | 'refreshed' | 'replaced' | 'ignored';

export interface LinkNeighborCounts {
  /** Valid advertisements heard on the link. */
  advertisements: number;
  /** Advertisements from a source other than the learned one (kept out while it is alive or pinned). */
  others: number;
  /** Times the learned address changed. */
  changes: number;
}

export class LinkNeighbor {
  #address: string | undefined;
  #heardAt = 0;
  #intervalMs = DEFAULT_INTERVAL_MS;
  #lastOther: string | undefined;
  readonly counts: LinkNeighborCounts = { advertisements: 0, others: 0, changes: 0 };

  /** The learned link-local address (without zone), if any. */
  get address(): string | undefined {
    return this.#address;
  }

  /** The last source other than the learned one (for the log line that names both). */
  get lastOther(): string | undefined {
    return this.#lastOther;
  }

  /** A valid advertisement from `source` at `now` (ms); `pinned`: a session is Established on the learned address. */
  heard(source: string, now: number, pinned: boolean): Heard {
    this.counts.advertisements++;
    if (this.#address === undefined) return this.#learn(source, now);
    if (source === this.#address) {
      const gap = now - this.#heardAt;
      if (gap > 0) this.#intervalMs = Math.min(MAX_INTERVAL_MS, Math.max(MIN_INTERVAL_MS, gap));
      this.#heardAt = now;
      return 'refreshed';
    }
    this.counts.others++;
    this.#lastOther = source;
    if (pinned || now - this.#heardAt <= SILENT_INTERVALS * this.#intervalMs) return 'ignored';
    this.counts.changes++;
    this.#learn(source, now);
    return 'replaced';
  }

  /** A connection from `source` on the link: whether it is taken as the neighbor's. */
  connected(source: string, now: number, pinned: boolean): boolean {
    if (source === this.#address) return true;
    if (pinned) return false;
    if (this.#address !== undefined) this.counts.changes++;
    this.#learn(source, now);
    return true;
  }

  /** The link went down or away: the address is forgotten (it may come back as another). */
  forget(): void {
    this.#address = undefined;
    this.#intervalMs = DEFAULT_INTERVAL_MS;
  }

  #learn(source: string, now: number): 'learned' {
    this.#address = source;
    this.#heardAt = now;
    this.#intervalMs = DEFAULT_INTERVAL_MS;
    return 'learned';
  }
}
