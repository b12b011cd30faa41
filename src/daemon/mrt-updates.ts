// MRT update logs (RFC 6396 BGP4MP, RFC 8050 for ADD-PATH), FRR's `dump bgp updates`: every
// message received from a neighbor in Established, as received, and every session state change,
// appended to `updates.YYYYMMDD.HHMMSS.mrt` in mrt.directory. A file is written as NAME.part and
// renamed when it is rotated: every `updatesInterval` seconds on the injected clock, or once it
// holds `updatesMaxSize` octets. Writing never blocks the event loop: records go to an async
// stream, and while more than MAX_PENDING octets wait for the disk, records are dropped and
// counted (the log says so) rather than held.

import { createWriteStream, rename, type WriteStream } from 'node:fs';
import { isIPv6 } from 'node:net';
import { join } from 'node:path';
import type { Clock, StateName, TimerHandle } from '../fsm/index.js';
import { type Bgp4mpSession, addressToOctets, encodeBgp4mpMessage, encodeBgp4mpStateChange } from '../wire/index.js';
import type { Peer, PeerMonitor } from './peer.js';

/** Octets waiting for the disk beyond which records are dropped. */
export const MAX_PENDING = 32 * 1024 * 1024;

/** RFC 4271 8.2.2 numbering, as BGP4MP_STATE_CHANGE records it. */
const STATE_CODE: Record<StateName, number> = { Idle: 1, Connect: 2, Active: 3, OpenSent: 4, OpenConfirm: 5, Established: 6 };

export interface UpdateLogOptions {
  readonly directory: string;
  /** Seconds per file. */
  readonly interval: number;
  /** Octets per file (none: by time only). */
  readonly maxSize?: number;
}

export interface UpdateLogEvents {
  /** A file was completed (renamed from .part), with its records. */
  rotated?(file: string, records: number, octets: number): void;
  /** Records were dropped (the disk is behind) or the file could not be written. */
  problem?(message: string): void;
}

/** YYYYMMDD.HHMMSS in UTC, as collectors name files. */
function stamp(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}.${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}`;
}

export class UpdateLog implements PeerMonitor {
  readonly #o: UpdateLogOptions;
  readonly #clock: Clock;
  readonly #events: UpdateLogEvents;
  readonly #localAs: (p: Peer) => number;
  #file: { stream: WriteStream; name: string; records: number; octets: number; failed: boolean } | undefined;
  #timer: TimerHandle | undefined;
  /** The last file's time stamp, and how many files had it (two rotations within a second). */
  #lastStamp = '';
  #sameStamp = 0;
  /** Records dropped while the disk was behind, since the last report. */
  #dropped = 0;
  #stopped = false;
  readonly #sessions = new WeakMap<Peer, { neg: object; s: Bgp4mpSession }>();

  constructor(options: UpdateLogOptions, clock: Clock, localAs: (p: Peer) => number, events: UpdateLogEvents = {}) {
    this.#o = options;
    this.#clock = clock;
    this.#localAs = localAs;
    this.#events = events;
  }

  start(): void {
    this.#stopped = false;
    this.#open();
  }

  /** Completes the current file; nothing more is written. */
  stop(): void {
    this.#stopped = true;
    if (this.#timer) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#close();
  }

  #open(): void {
    const at = stamp(new Date());
    this.#sameStamp = at === this.#lastStamp ? this.#sameStamp + 1 : 0;
    this.#lastStamp = at;
    const name = join(this.#o.directory, `updates.${at}${this.#sameStamp > 0 ? `.${this.#sameStamp}` : ''}.mrt`);
    const stream = createWriteStream(`${name}.part`, { flags: 'w' });
    const file = { stream, name, records: 0, octets: 0, failed: false };
    stream.on('error', (e) => {
      file.failed = true;
      this.#events.problem?.(`MRT update log ${name}.part cannot be written: ${e.message}`);
    });
    this.#file = file;
    if (this.#timer) this.#clock.clearTimeout(this.#timer);
    this.#timer = this.#clock.setTimeout(() => this.#rotate(), this.#o.interval * 1000);
  }

  #close(): void {
    const f = this.#file;
    this.#file = undefined;
    if (!f) return;
    f.stream.end(() => {
      if (f.failed) return;
      rename(`${f.name}.part`, f.name, (e) => {
        if (e) this.#events.problem?.(`MRT update log ${f.name}: ${e.message}`);
        else this.#events.rotated?.(f.name, f.records, f.octets);
      });
    });
  }

  #rotate(): void {
    this.#close();
    if (!this.#stopped) this.#open();
  }

  #write(record: Buffer): void {
    const f = this.#file;
    if (!f || f.failed) return;
    if (f.stream.writableLength > MAX_PENDING) {
      if (this.#dropped++ === 0) this.#events.problem?.(`MRT update log: more than ${MAX_PENDING} octets wait for the disk; records are dropped until it catches up`);
      return;
    }
    if (this.#dropped > 0) {
      this.#events.problem?.(`MRT update log: ${this.#dropped} records were dropped while the disk was behind`);
      this.#dropped = 0;
    }
    f.stream.write(record);
    f.records++;
    f.octets += record.length;
    if (this.#o.maxSize !== undefined && f.octets >= this.#o.maxSize) this.#rotate();
  }

  /** A session's facts for an UPDATE record, made once per session (the negotiated object is its identity). */
  #established(p: Peer, neg: object): Bgp4mpSession {
    const kept = this.#sessions.get(p);
    if (kept?.neg === neg) return kept.s;
    const s = this.#session(p);
    this.#sessions.set(p, { neg, s });
    return s;
  }

  #session(p: Peer): Bgp4mpSession {
    const peerAddress = addressToOctets(p.remoteAddress ?? p.address);
    const local = p.session.snapshot().connection?.localAddress;
    const localAddress = local && isIPv6(local) === (peerAddress.length === 16) ? addressToOctets(local) : Buffer.alloc(peerAddress.length);
    const remoteAs = p.config.remoteAs;
    return { peerAs: p.negotiated?.peerAs ?? (typeof remoteAs === 'number' ? remoteAs : 0), localAs: this.#localAs(p), peerAddress, localAddress };
  }

  state(p: Peer, from: StateName, to: StateName): void {
    this.#write(encodeBgp4mpStateChange(Math.floor(Date.now() / 1000), this.#session(p), STATE_CODE[from], STATE_CODE[to]));
  }

  update(p: Peer, _m: unknown, frame: Buffer | undefined): void {
    const neg = p.negotiated;
    if (!frame || !neg) return;
    this.#write(encodeBgp4mpMessage(Math.floor(Date.now() / 1000), this.#established(p, neg), neg.rx.as4, neg.rx.addPath.size > 0, frame));
  }
}
