// The driver of one RTR session: owns the TCP connection, the framer and the timers (on an
// injected clock), feeds the machine and performs its actions. Nothing here decides protocol.
// Must not import rib, fsm, api, daemon or metrics libraries.

import { type Socket, createConnection } from 'node:net';
import { RtrError, RtrErrorCode, RtrFramer, decodeRtrPdu } from '../wire/index.js';
import { type RtrAction, type RtrMachine, type RtrTimer, type VrpChange } from './machine.js';

/** The clock timers run on: real in the daemon, virtual in tests. */
export interface RtrClock {
  setTimeout(fn: () => void, ms: number): unknown;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  clearTimeout(handle: any): void;
}

export const realRtrClock: RtrClock = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h),
};

export interface RtrSessionEvents {
  /** A whole serial was applied, or the data expired. */
  changed(changes: readonly VrpChange[] | 'all'): void;
  /** The connection came up or went down (with why). */
  connection(up: boolean, reason?: string): void;
}

export interface RtrEndpoint {
  readonly address: string;
  readonly port: number;
  readonly localAddress?: string;
}

/** How long a TCP connect may take, milliseconds. */
const CONNECT_TIMEOUT_MS = 10_000;
/** Bytes queued toward a cache that stops reading before the connection is dropped. */
const MAX_OUTBOUND = 64 * 1024;

export type Connect = (endpoint: RtrEndpoint) => Socket;

const tcpConnect: Connect = (e) => createConnection({ host: e.address, port: e.port, ...(e.localAddress ? { localAddress: e.localAddress } : {}) });

export class RtrSession {
  readonly endpoint: RtrEndpoint;
  readonly machine: RtrMachine;
  readonly #clock: RtrClock;
  readonly #events: RtrSessionEvents;
  readonly #connect: Connect;
  #socket: Socket | undefined;
  readonly #timers = new Map<RtrTimer | 'connect', unknown>();
  #stopped = true;

  constructor(endpoint: RtrEndpoint, machine: RtrMachine, clock: RtrClock, events: RtrSessionEvents, connect: Connect = tcpConnect) {
    this.endpoint = endpoint;
    this.machine = machine;
    this.#clock = clock;
    this.#events = events;
    this.#connect = connect;
  }

  get connected(): boolean {
    return this.#socket !== undefined && this.machine.status.state !== 'connecting';
  }

  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    this.#open();
  }

  /** Closes the connection and every timer; the machine's data stays as it is. */
  stop(): void {
    this.#stopped = true;
    for (const t of this.#timers.values()) this.#clock.clearTimeout(t);
    this.#timers.clear();
    const s = this.#socket;
    this.#socket = undefined;
    s?.destroy();
  }

  #open(): void {
    if (this.#stopped) return;
    this.machine.connecting();
    const framer = new RtrFramer();
    const socket = this.#connect(this.endpoint);
    this.#socket = socket;
    socket.setNoDelay(true);
    this.#arm('connect', CONNECT_TIMEOUT_MS / 1000, () => socket.destroy(new Error(`connect timed out after ${CONNECT_TIMEOUT_MS / 1000} s`)));
    socket.once('connect', () => {
      this.#disarm('connect');
      this.#events.connection(true);
      this.#run(this.machine.connected());
    });
    socket.on('data', (chunk: Buffer) => {
      if (this.#socket !== socket) return;
      let frames: Buffer[];
      try {
        frames = framer.push(chunk);
      } catch (e) {
        this.#run(this.machine.malformed(e as RtrError));
        return;
      }
      for (const f of frames) {
        if (this.#socket !== socket) return;
        let actions: RtrAction[];
        try {
          actions = this.machine.pdu(decodeRtrPdu(f), f);
        } catch (e) {
          actions = this.machine.malformed(e instanceof RtrError ? e : new RtrError(RtrErrorCode.INTERNAL_ERROR, String(e), f));
        }
        this.#run(actions);
      }
    });
    socket.on('error', () => {}); // 'close' follows with the reason handled below
    socket.once('close', () => {
      if (this.#socket !== socket) return;
      this.#socket = undefined;
      this.#disarm('connect');
      const why = (socket as Socket & { errored?: Error }).errored?.message ?? 'connection closed by the cache';
      this.#events.connection(false, why);
      this.#run(this.machine.closed(why));
    });
  }

  #run(actions: readonly RtrAction[]): void {
    for (const a of actions) {
      switch (a.kind) {
        case 'send': {
          const s = this.#socket;
          if (!s) break;
          s.write(a.pdu);
          if (s.writableLength > MAX_OUTBOUND) s.destroy(new Error('the cache does not read what we send'));
          break;
        }
        case 'close': {
          const s = this.#socket;
          if (!s) break;
          this.#socket = undefined;
          // Let an Error Report queued before the close reach the cache, then make sure it goes.
          s.end();
          this.#clock.setTimeout(() => s.destroy(), 1000);
          this.#events.connection(false, a.reason);
          this.#run(this.machine.closed(a.reason));
          break;
        }
        case 'connect':
          this.#open();
          break;
        case 'start':
          this.#arm(a.timer, a.seconds, () => this.#run(this.machine.timer(a.timer)));
          break;
        case 'stop':
          this.#disarm(a.timer);
          break;
        case 'changed':
          this.#events.changed(a.changes);
          break;
      }
    }
  }

  #arm(name: RtrTimer | 'connect', seconds: number, fn: () => void): void {
    this.#disarm(name);
    if (this.#stopped) return;
    this.#timers.set(name, this.#clock.setTimeout(() => {
      this.#timers.delete(name);
      fn();
    }, seconds * 1000));
  }

  #disarm(name: RtrTimer | 'connect'): void {
    const t = this.#timers.get(name);
    if (t !== undefined) this.#clock.clearTimeout(t);
    this.#timers.delete(name);
  }
}
