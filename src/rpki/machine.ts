// The router side of one RPKI-to-Router session (RFC 8210, falling back to RFC 6810's version 0)
// as a machine without I/O: the driver (session.ts) feeds it connection events, decoded PDUs and
// timer expiries, and performs the actions it returns (send, close, arm or stop a timer). The
// machine owns the cache's VRP table and changes it only at End of Data, so routes are judged
// against whole serials, never half a response.
//
// Choices, each within RFC 8210:
// - Version 1 first. An Error Report "Unsupported Protocol Version" at version 0, or a first reply
//   at version 0, downgrades the session to version 0 (section 7) for this cache until restart.
// - Data outlives the connection: it is kept until the expire interval after the last End of
//   Data passes without a new one (section 6), then dropped (routes judge notfound without it).
// - A Serial Query is answered by the cache with the changes; a Cache Reset, or a Session ID that
//   changed, starts over with a Reset Query, whose answer replaces the table as a whole.
// - Any protocol error (corrupt data, a duplicate announcement, a withdrawal of an unknown
//   record, an unexpected version) is reported with an Error Report, the connection is dropped
//   and the table keeps its last whole serial; the next connection asks for a full reset.
// Must not import rib, fsm, api, daemon, node:net or metrics libraries.

import {
  RtrError, RtrErrorCode, type RtrPdu, type Vrp, encodeErrorReport, encodeResetQuery, encodeSerialQuery, rtrErrorName,
} from '../wire/index.js';

/** RFC 8210 6: the three intervals, seconds. */
export interface RtrIntervals {
  readonly refresh: number;
  readonly retry: number;
  readonly expire: number;
}

/** RFC 8210 6 defaults and ranges. */
export const DEFAULT_INTERVALS: RtrIntervals = { refresh: 3600, retry: 600, expire: 7200 };
const RANGES = { refresh: [1, 86400], retry: [1, 7200], expire: [600, 172800] } as const;

/** How long a query may go without a PDU in reply before the connection is dropped, seconds. */
export const RESPONSE_TIMEOUT = 30;

export type RtrTimer = 'refresh' | 'retry' | 'expire' | 'response';

/** What the table needs to know about a committed change: the ROA prefixes that changed. */
export interface VrpChange {
  readonly afi: 1 | 2;
  readonly words: readonly [number, number, number, number];
  readonly length: number;
}

/** The VRP store the machine fills (the RIB's VrpTable has this shape). */
export interface VrpStore {
  readonly size: number;
  has(v: Vrp): boolean;
  add(v: Vrp): boolean;
  remove(v: Vrp): boolean;
  clear(): void;
  entries(): Iterable<Vrp>;
  /** A new empty store of the same kind (a reset's answer is gathered in one). */
  empty(): VrpStore;
}

/**
 * VRPs one cache may hold: a bound on what a cache can make us keep (the whole RPKI holds about
 * 600,000 today). Beyond it the response is refused as an internal error (RFC 8210 12, code 1).
 */
export const MAX_VRPS = 2_000_000;

export type RtrAction =
  | { readonly kind: 'send'; readonly pdu: Buffer }
  | { readonly kind: 'close'; readonly reason: string }
  /** Open a new connection (the retry interval passed). */
  | { readonly kind: 'connect' }
  | { readonly kind: 'start'; readonly timer: RtrTimer; readonly seconds: number }
  | { readonly kind: 'stop'; readonly timer: RtrTimer }
  /** The table changed: a whole serial was applied (or the data expired). */
  | { readonly kind: 'changed'; readonly changes: readonly VrpChange[] | 'all' };

export type RtrState = 'idle' | 'connecting' | 'querying' | 'receiving' | 'established';

/** A summary for the API: where the session is and what it holds. */
export interface RtrStatus {
  readonly state: RtrState;
  readonly version: number;
  readonly sessionId: number | undefined;
  readonly serial: number | undefined;
  readonly intervals: RtrIntervals;
  /** Whether the table holds data that has not expired (the cache is usable for validation). */
  readonly hasData: boolean;
  readonly lastError: string | undefined;
  readonly updates: number;
  readonly resets: number;
  readonly errors: number;
}

function clampIntervals(i: RtrIntervals): RtrIntervals {
  const c = (v: number, [lo, hi]: readonly [number, number]) => Math.min(hi, Math.max(lo, v));
  return { refresh: c(i.refresh, RANGES.refresh), retry: c(i.retry, RANGES.retry), expire: c(i.expire, RANGES.expire) };
}

export class RtrMachine {
  readonly table: VrpStore;
  #state: RtrState = 'idle';
  #version = 1;
  /** Whether a PDU of this connection fixed the version (section 7). */
  #negotiated = false;
  #sessionId: number | undefined;
  #serial: number | undefined;
  #intervals: RtrIntervals;
  #hasData = false;
  /**
   * The Cache Response being received: a reset's VRPs gathered in a store of their own (duplicates
   * found as they come), a serial's changes in order (applied at End of Data).
   */
  #response: { fresh: VrpStore; records?: undefined } | { fresh?: undefined; records: { announce: boolean; vrp: Vrp }[] } | undefined;
  /** The query sent last on this connection ('reset' or 'serial'). */
  #asked: 'reset' | 'serial' | undefined;
  #lastError: string | undefined;
  /** The wait before the next connection when not the retry interval (0 after a version downgrade). */
  #nextRetry: number | undefined;
  #counts = { updates: 0, resets: 0, errors: 0 };

  constructor(table: VrpStore, intervals: RtrIntervals = DEFAULT_INTERVALS) {
    this.table = table;
    this.#intervals = clampIntervals(intervals);
  }

  get version(): number {
    return this.#version;
  }

  get status(): RtrStatus {
    return {
      state: this.#state, version: this.#version, sessionId: this.#sessionId, serial: this.#serial, intervals: this.#intervals,
      hasData: this.#hasData, lastError: this.#lastError, ...this.#counts,
    };
  }

  /** The driver starts a connection attempt. */
  connecting(): void {
    this.#state = 'connecting';
  }

  /** The TCP connection is up: ask for what changed since our serial, or for everything. */
  connected(): RtrAction[] {
    this.#negotiated = false;
    this.#response = undefined;
    return this.#query();
  }

  /** The connection failed or closed: try again after the retry interval; data stays until expire. */
  closed(why: string): RtrAction[] {
    if (this.#state === 'idle') return [];
    this.#state = 'idle';
    this.#response = undefined;
    this.#lastError ??= why;
    const wait = this.#nextRetry ?? this.#intervals.retry;
    this.#nextRetry = undefined;
    return [{ kind: 'stop', timer: 'response' }, { kind: 'stop', timer: 'refresh' }, { kind: 'start', timer: 'retry', seconds: wait }];
  }

  timer(t: RtrTimer): RtrAction[] {
    switch (t) {
      case 'refresh':
        return this.#state === 'established' ? this.#query() : [];
      case 'retry':
        this.#lastError = undefined;
        return [{ kind: 'connect' }];
      case 'response':
        return this.#fail(`no reply from the cache within ${RESPONSE_TIMEOUT} s`);
      case 'expire':
        return this.#expire();
    }
  }

  /** One decoded PDU from the cache. */
  pdu(p: RtrPdu, raw: Buffer): RtrAction[] {
    if (!this.#negotiated) {
      // Section 7: a version 0 cache answers a version 1 query with a version 0 Error Report
      // (Unsupported Protocol Version); some answer at version 0 outright.
      if (p.type === 'error-report' && p.code === RtrErrorCode.UNSUPPORTED_VERSION && this.#version > p.version) {
        this.#version = p.version;
        this.#nextRetry = 0;
        return [{ kind: 'close', reason: `cache speaks protocol version ${p.version}: reconnecting with it` }];
      }
      if (p.version < this.#version) this.#version = p.version;
      if (p.version === this.#version) this.#negotiated = true;
    }
    if (p.version !== this.#version) {
      return this.#error(new RtrError(RtrErrorCode.UNEXPECTED_VERSION, `PDU of version ${p.version} in a version ${this.#version} session`, raw));
    }
    switch (p.type) {
      case 'serial-notify':
        // Section 5.2: a hint only; a query already outstanding answers it.
        if (this.#state !== 'established') return [];
        if (this.#sessionId !== undefined && p.sessionId !== this.#sessionId) return this.#query(true);
        return p.serial === this.#serial ? [] : this.#query();
      case 'cache-response': {
        if (this.#state !== 'querying') return this.#error(new RtrError(RtrErrorCode.CORRUPT_DATA, 'Cache Response without a query', raw));
        // A different session in reply to a Serial Query: the cache restarted; start over.
        if (this.#asked === 'serial' && p.sessionId !== this.#sessionId) return this.#query(true);
        this.#sessionId = p.sessionId;
        this.#state = 'receiving';
        this.#response = this.#asked === 'reset' ? { fresh: this.table.empty() } : { records: [] };
        return [{ kind: 'start', timer: 'response', seconds: RESPONSE_TIMEOUT }];
      }
      case 'prefix':
        if (this.#state !== 'receiving') return this.#error(new RtrError(RtrErrorCode.CORRUPT_DATA, 'Prefix PDU outside a Cache Response', raw));
        return this.#record(p.announce, p.vrp, raw);
      case 'router-key':
        // BGPsec is not implemented: router keys are accepted and not kept.
        return this.#state === 'receiving' ? [{ kind: 'start', timer: 'response', seconds: RESPONSE_TIMEOUT }] : [];
      case 'end-of-data':
        if (this.#state !== 'receiving') return this.#error(new RtrError(RtrErrorCode.CORRUPT_DATA, 'End of Data outside a Cache Response', raw));
        if (p.sessionId !== this.#sessionId) return this.#error(new RtrError(RtrErrorCode.CORRUPT_DATA, `End of Data for session ${p.sessionId}, not ${this.#sessionId}`, raw));
        return this.#commit(p.serial, p.timers);
      case 'cache-reset':
        // Section 5.9: the cache cannot give changes from our serial: ask for everything.
        return this.#state === 'querying' ? this.#query(true) : this.#error(new RtrError(RtrErrorCode.CORRUPT_DATA, 'Cache Reset without a Serial Query', raw));
      case 'error-report': {
        this.#counts.errors++;
        const what = `cache reported ${rtrErrorName(p.code)}${p.text ? `: ${p.text}` : ''}`;
        this.#lastError = what;
        // Section 5.11/12: No Data Available is not fatal; ask again after the retry interval.
        return [{ kind: 'close', reason: what }];
      }
      case 'query':
        return this.#error(new RtrError(RtrErrorCode.INVALID_REQUEST, 'a cache sent a query to the router', raw));
    }
  }

  /** One prefix PDU of a response. */
  #record(announce: boolean, vrp: Vrp, raw: Buffer): RtrAction[] {
    const r = this.#response!;
    if (r.fresh) {
      // Section 5.4: a reset's answer only announces; a withdrawal there changes nothing.
      if (announce && !r.fresh.add(vrp)) return this.#error(new RtrError(RtrErrorCode.DUPLICATE_ANNOUNCEMENT, `duplicate announcement of ${vrpKey(vrp)} in a reset response`, raw));
      if (r.fresh.size > MAX_VRPS) return this.#error(new RtrError(RtrErrorCode.INTERNAL_ERROR, `more than ${MAX_VRPS} VRPs from one cache`, raw));
    } else {
      if (r.records.length >= MAX_VRPS) return this.#error(new RtrError(RtrErrorCode.INTERNAL_ERROR, `more than ${MAX_VRPS} changes in one serial`, raw));
      r.records.push({ announce, vrp });
    }
    return [{ kind: 'start', timer: 'response', seconds: RESPONSE_TIMEOUT }];
  }

  /** A PDU that could not be decoded (framing or field error). */
  malformed(e: RtrError): RtrAction[] {
    return this.#error(e);
  }

  #query(reset = false): RtrAction[] {
    if (reset) {
      this.#sessionId = undefined;
      this.#serial = undefined;
    }
    this.#state = 'querying';
    const serial = this.#sessionId !== undefined && this.#serial !== undefined;
    this.#asked = serial ? 'serial' : 'reset';
    const pdu = serial ? encodeSerialQuery(this.#version, this.#sessionId!, this.#serial!) : encodeResetQuery(this.#version);
    return [{ kind: 'stop', timer: 'refresh' }, { kind: 'send', pdu }, { kind: 'start', timer: 'response', seconds: RESPONSE_TIMEOUT }];
  }

  #error(e: RtrError): RtrAction[] {
    this.#counts.errors++;
    // The next connection starts from a whole table (we may have missed part of a serial).
    this.#sessionId = undefined;
    this.#serial = undefined;
    this.#lastError = `${rtrErrorName(e.code)}: ${e.message}`;
    const actions: RtrAction[] = [];
    // Section 5.11: never answer an Error Report with one.
    if (e.pdu.length < 2 || e.pdu[1] !== 10) actions.push({ kind: 'send', pdu: encodeErrorReport(this.#version, e.code, e.pdu, e.message) });
    actions.push({ kind: 'close', reason: this.#lastError });
    return actions;
  }

  #fail(why: string): RtrAction[] {
    this.#lastError = why;
    return [{ kind: 'close', reason: why }];
  }

  /** End of Data: apply the response as a whole, or report the record that cannot apply. */
  #commit(serial: number, timers: RtrIntervals | undefined): RtrAction[] {
    const r = this.#response!;
    this.#response = undefined;
    let changes: VrpChange[];
    const first = !this.#hasData;
    if (r.fresh) {
      changes = this.#replace(r.fresh);
      this.#counts.resets++;
    } else {
      const applied = this.#apply(r.records);
      if (applied instanceof RtrError) return this.#error(applied);
      if (this.table.size > MAX_VRPS) {
        this.#undo(applied.done);
        return this.#error(new RtrError(RtrErrorCode.INTERNAL_ERROR, `more than ${MAX_VRPS} VRPs from one cache`));
      }
      changes = applied.changes;
      this.#counts.updates++;
    }
    this.#serial = serial;
    this.#hasData = true;
    this.#lastError = undefined;
    // Section 6: version 1 caches say how often to ask; version 0 leaves it to configuration.
    if (timers) this.#intervals = clampIntervals(timers);
    this.#state = 'established';
    return [
      { kind: 'stop', timer: 'response' },
      { kind: 'start', timer: 'refresh', seconds: this.#intervals.refresh },
      { kind: 'start', timer: 'expire', seconds: this.#intervals.expire },
      // The first data makes the cache usable even when it holds no VRP: its user must hear of it.
      ...(first || changes.length > 0 ? [{ kind: 'changed', changes } as const] : []),
    ];
  }

  /** A Reset Query's answer replaces the table; the changed prefixes are the difference. */
  #replace(fresh: VrpStore): VrpChange[] {
    const gone: Vrp[] = [];
    const come: Vrp[] = [];
    for (const v of this.table.entries()) if (!fresh.has(v)) gone.push(v);
    for (const v of fresh.entries()) if (!this.table.has(v)) come.push(v);
    for (const v of gone) this.table.remove(v);
    for (const v of come) this.table.add(v);
    return [...gone, ...come].map(changeOf);
  }

  #undo(done: readonly { announce: boolean; vrp: Vrp }[]): void {
    for (const d of [...done].reverse()) {
      if (d.announce) this.table.remove(d.vrp);
      else this.table.add(d.vrp);
    }
  }

  /** A serial's changes in order; on a record that cannot apply, every earlier one is undone. */
  #apply(records: readonly { announce: boolean; vrp: Vrp }[]): { changes: VrpChange[]; done: typeof records } | RtrError {
    const done: { announce: boolean; vrp: Vrp }[] = [];
    for (const rec of records) {
      const ok = rec.announce ? this.table.add(rec.vrp) : this.table.remove(rec.vrp);
      if (!ok) {
        this.#undo(done);
        return rec.announce
          ? new RtrError(RtrErrorCode.DUPLICATE_ANNOUNCEMENT, `announcement of ${vrpKey(rec.vrp)}, which is held already`)
          : new RtrError(RtrErrorCode.WITHDRAWAL_OF_UNKNOWN, `withdrawal of ${vrpKey(rec.vrp)}, which is not held`);
      }
      done.push(rec);
    }
    return { changes: done.map((d) => changeOf(d.vrp)), done };
  }

  /** Section 6: no End of Data for the expire interval: the data is dropped. */
  #expire(): RtrAction[] {
    if (!this.#hasData) return [];
    this.#hasData = false;
    this.#sessionId = undefined;
    this.#serial = undefined;
    this.table.clear();
    this.#lastError = 'data expired';
    return [{ kind: 'changed', changes: 'all' }];
  }
}

function changeOf(v: Vrp): VrpChange {
  return { afi: v.afi, words: v.words, length: v.length };
}

/** A VRP as text (for errors and duplicate checks): 10.0.0.0/16-24 AS65001. */
export function vrpKey(v: Vrp): string {
  const w = v.words;
  const prefix = v.afi === 1
    ? [24, 16, 8, 0].map((s) => (w[0] >>> s) & 0xff).join('.')
    : w.flatMap((x) => [(x >>> 16) & 0xffff, x & 0xffff]).map((g) => g.toString(16)).join(':');
  return `${prefix}/${v.length}-${v.maxLength} AS${v.asn}`;
}
