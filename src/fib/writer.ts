// Who sends the request socket's datagrams: the event loop, or a writer thread started for bulk
// work and ended when idle. rtnetlink applies a batch inside its sendmsg, so a full table's
// thousand batches belong on another core; but a thread is about 17 MB resident (its own V8 heap),
// and a node that has converged sends nothing for hours (issue 17's idle target). So a short
// datagram with no thread running goes out from the event loop, synchronously (microseconds of
// kernel work, no thread start in a failover's path); a long one starts the thread; while it runs
// everything goes through it, in order; IDLE_MS after its last datagram it is asked to end, and
// datagrams arriving while it drains wait for its exit. No I/O here: the thread and the direct
// send are given, so the order and the life cycle are tested on virtual time.

/** The timers of the daemon's injected clock (fsm's Clock fits; fib does not import fsm). */
export interface Timers<H> {
  setTimeout(fn: () => void, ms: number): H;
  clearTimeout(h: H): void;
}

/** A running writer thread: sends what is posted, in order; `end` asks it to exit once it has. */
export interface WriterThread {
  post(datagram: Buffer): void;
  end(): void;
}

/** How the writer tells its caller what went wrong (the Fib logs it and carries on). */
export type WriterError = (e: Error) => void;

/** A datagram this long starts the thread: about 200 routes, a millisecond or more of kernel work. */
export const THREAD_FROM_OCTETS = 16 * 1024;
/** The thread ends this long after its last datagram. */
export const IDLE_MS = 30_000;

export class OnDemandWriter<H> {
  readonly #start: (exited: () => void) => WriterThread;
  readonly #direct: (datagram: Buffer) => void;
  readonly #timers: Timers<H>;
  readonly #onError: WriterError;
  #thread: WriterThread | undefined;
  #idle: H | undefined;
  /** Asked to end; `#waiting` holds what arrives until it has. */
  #ending = false;
  #waiting: Buffer[] = [];
  /** A thread ended unasked: everything goes from the event loop from then on. */
  #failed = false;
  #closed: (() => void) | undefined;

  /** `start` makes a thread and calls `exited` when it has ended, asked or not. */
  constructor(start: (exited: () => void) => WriterThread, direct: (datagram: Buffer) => void, timers: Timers<H>, onError: WriterError) {
    this.#start = start;
    this.#direct = direct;
    this.#timers = timers;
    this.#onError = onError;
  }

  /** Whether a thread is running (asked to end or not). */
  get threadRunning(): boolean {
    return this.#thread !== undefined;
  }

  send(datagram: Buffer): void {
    if (this.#ending) {
      this.#waiting.push(datagram);
      return;
    }
    if (!this.#thread) {
      if (this.#failed || datagram.length < THREAD_FROM_OCTETS) return this.#direct(datagram);
      this.#thread = this.#start(() => this.#exited());
    }
    this.#thread.post(datagram);
    if (this.#idle !== undefined) this.#timers.clearTimeout(this.#idle);
    this.#idle = this.#timers.setTimeout(() => this.#end(), IDLE_MS);
  }

  /** Ends the thread after what was posted has gone out; `then` runs once it has (at once without one). */
  close(then: () => void): void {
    if (this.#idle !== undefined) this.#timers.clearTimeout(this.#idle);
    this.#idle = undefined;
    if (!this.#thread) return then();
    this.#closed = then;
    if (!this.#ending) this.#end();
  }

  #end(): void {
    this.#idle = undefined;
    this.#ending = true;
    this.#thread?.end();
  }

  #exited(): void {
    const asked = this.#ending;
    this.#thread = undefined;
    this.#ending = false;
    if (this.#idle !== undefined) this.#timers.clearTimeout(this.#idle);
    this.#idle = undefined;
    if (this.#closed) {
      for (const d of this.#waiting.splice(0)) this.#direct(d);
      return this.#closed();
    }
    if (!asked) {
      this.#failed = true;
      this.#onError(new Error('netlink writer thread ended; sending from the event loop'));
    }
    const waiting = this.#waiting;
    this.#waiting = [];
    for (const d of waiting) this.send(d);
  }
}
