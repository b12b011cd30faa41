// One BFD session's driver: owns its transmit and detection timers through an injected clock,
// feeds received packets and timer expiries to the pure machine (machine.ts) and performs the
// actions. Sending is a callback (the worker's UDP socket; a test's array).
// Must not import rib, api, daemon, pino or prom-client.

import type { BfdClock } from './clock.js';
import { BFD_STATE_NAMES, BfdDiag, BfdState, type BfdStateName, diagName } from './constants.js';
import {
  type BfdAction, type BfdTiming, type BfdVars, type Discard, detectionExpired, detectionTimeMs, initialVars, jitteredTxMs, mayTransmit,
  packetFields, receive, reconfigure, rxIntervalMs, setAdminDown, txIntervalMs,
} from './machine.js';
import { type ControlPacket, encodeControl } from './packet.js';

export interface BfdStateChange {
  readonly from: BfdStateName;
  readonly to: BfdStateName;
  /** Our Diag: why we left Up (control-detection-time-expired, neighbor-signaled-session-down, ...). */
  readonly diag: string;
  /** The peer's last Diag and state (AdminDown from the peer is not a path failure, RFC 5882 3.2). */
  readonly remoteDiag: string;
  readonly remoteState: BfdStateName;
  /** When, on the session clock (wall-clock milliseconds with the real clock). */
  readonly at: number;
  /** The detection time in force when it happened. */
  readonly detectionTimeMs: number;
}

export interface BfdSessionOptions {
  readonly localDiscr: number;
  readonly timing: BfdTiming;
  readonly clock: BfdClock;
  readonly send: (packet: Buffer) => void;
  readonly stateChange?: (c: BfdStateChange) => void;
}

export interface BfdSnapshot {
  readonly state: BfdStateName;
  readonly remoteState: BfdStateName;
  readonly localDiscriminator: number;
  readonly remoteDiscriminator: number;
  readonly localDiag: string;
  readonly remoteDiag: string;
  readonly configured: { readonly transmitIntervalMs: number; readonly receiveIntervalMs: number; readonly detectMultiplier: number; readonly passive: boolean };
  /** Negotiated: our transmit interval, the peer's interval to us, our detection time. */
  readonly transmitIntervalMs: number;
  readonly receiveIntervalMs: number;
  readonly detectionTimeMs: number;
  readonly remoteDetectMultiplier: number;
  readonly remoteDesiredMinTxMs: number;
  readonly remoteRequiredMinRxMs: number;
  readonly polling: boolean;
  readonly packetsSent: number;
  readonly packetsReceived: number;
  readonly packetsDiscarded: number;
  /** Transitions into Up, and from Up to Down. */
  readonly upTransitions: number;
  readonly downTransitions: number;
  readonly upSince: number | null;
  readonly lastStateChangeAt: number | null;
  readonly lastDetectionMs: number | null;
}

export class BfdSession {
  #v: BfdVars;
  readonly #o: BfdSessionOptions;
  #tx: unknown;
  #detect: unknown;
  #closed = false;
  #sent = 0;
  #received = 0;
  #discarded = 0;
  #ups = 0;
  #downs = 0;
  #upSince: number | null = null;
  #lastChange: number | null = null;
  #lastDetection: number | null = null;

  constructor(o: BfdSessionOptions) {
    this.#o = o;
    this.#v = initialVars(o.localDiscr, o.timing);
  }

  get vars(): BfdVars {
    return this.#v;
  }

  get state(): BfdStateName {
    return BFD_STATE_NAMES[this.#v.state];
  }

  /** Starts periodic transmission (the first packet after a random part of the interval). */
  start(): void {
    this.#scheduleTx(this.#o.clock.random() * 0.25 * txIntervalMs(this.#v));
  }

  receive(p: ControlPacket): Discard | undefined {
    if (this.#closed) return undefined;
    const r = receive(this.#v, p);
    if (r.discarded === 'authentication') {
      this.#discarded++;
      return r.discarded;
    }
    this.#received++;
    this.#apply(r.vars, r.actions);
    return r.discarded;
  }

  reconfigure(timing: BfdTiming): void {
    const r = reconfigure(this.#v, timing);
    this.#apply(r.vars, r.actions);
  }

  setAdminDown(down: boolean): void {
    const r = setAdminDown(this.#v, down);
    this.#apply(r.vars, r.actions);
  }

  /** A packet the transport could not use for this session (bad TTL never gets here: the kernel drops it). */
  countDiscard(): void {
    this.#discarded++;
  }

  close(): void {
    this.#closed = true;
    this.#clear(this.#tx);
    this.#clear(this.#detect);
  }

  #clear(handle: unknown): void {
    if (handle !== undefined) this.#o.clock.clearTimeout(handle);
  }

  #apply(v: BfdVars, actions: readonly BfdAction[]): void {
    this.#v = v;
    for (const a of actions) {
      switch (a.type) {
        case 'send-final':
          this.#send(true);
          break;
        case 'reschedule-tx':
          this.#scheduleTx(jitteredTxMs(this.#v, this.#o.clock.random()));
          break;
        case 'restart-detect':
          this.#clear(this.#detect);
          this.#detect = a.ms > 0 ? this.#o.clock.setTimeout(() => this.#expired(), a.ms) : undefined;
          break;
        case 'stop-detect':
          this.#clear(this.#detect);
          this.#detect = undefined;
          break;
        case 'state-change':
          this.#changed(a.from, a.to, a.diag);
          break;
        default: {
          const never: never = a;
          throw new Error(`unknown action ${JSON.stringify(never)}`);
        }
      }
    }
  }

  #changed(from: number, to: number, diag: number): void {
    const at = this.#o.clock.now();
    this.#lastChange = at;
    if (to === BfdState.UP) {
      this.#ups++;
      this.#upSince = at;
    } else if (from === BfdState.UP) {
      this.#downs++;
      this.#upSince = null;
    }
    const detection = detectionTimeMs(this.#v);
    if (diag === BfdDiag.CONTROL_DETECTION_TIME_EXPIRED) this.#lastDetection = detection;
    this.#o.stateChange?.({ from: BFD_STATE_NAMES[from], to: BFD_STATE_NAMES[to], diag: diagName(diag), remoteDiag: diagName(this.#v.remoteDiag), remoteState: BFD_STATE_NAMES[this.#v.remoteState], at, detectionTimeMs: detection });
  }

  #expired(): void {
    this.#detect = undefined;
    if (this.#closed) return;
    const r = detectionExpired(this.#v);
    this.#apply(r.vars, r.actions);
  }

  #scheduleTx(ms: number): void {
    if (this.#closed) return;
    this.#clear(this.#tx);
    this.#tx = this.#o.clock.setTimeout(() => {
      this.#tx = undefined;
      if (this.#closed) return;
      if (mayTransmit(this.#v)) this.#send(false);
      this.#scheduleTx(jitteredTxMs(this.#v, this.#o.clock.random()));
    }, ms);
  }

  #send(final: boolean): void {
    this.#sent++;
    // A fresh buffer each time: the socket may still hold the previous one.
    this.#o.send(encodeControl(packetFields(this.#v, final)));
  }

  snapshot(): BfdSnapshot {
    const v = this.#v;
    return {
      state: BFD_STATE_NAMES[v.state],
      remoteState: BFD_STATE_NAMES[v.remoteState],
      localDiscriminator: v.localDiscr,
      remoteDiscriminator: v.remoteDiscr,
      localDiag: diagName(v.localDiag),
      remoteDiag: diagName(v.remoteDiag),
      configured: { transmitIntervalMs: v.timing.desiredMinTxUs / 1000, receiveIntervalMs: v.timing.requiredMinRxUs / 1000, detectMultiplier: v.timing.detectMult, passive: v.timing.passive },
      transmitIntervalMs: txIntervalMs(v),
      receiveIntervalMs: rxIntervalMs(v),
      detectionTimeMs: detectionTimeMs(v),
      remoteDetectMultiplier: v.remoteDetectMult,
      remoteDesiredMinTxMs: v.remoteDesiredMinTxUs / 1000,
      remoteRequiredMinRxMs: v.remoteMinRxUs / 1000,
      polling: v.polling,
      packetsSent: this.#sent,
      packetsReceived: this.#received,
      packetsDiscarded: this.#discarded,
      upTransitions: this.#ups,
      downTransitions: this.#downs,
      upSince: this.#upSince,
      lastStateChangeAt: this.#lastChange,
      lastDetectionMs: this.#lastDetection,
    };
  }
}
