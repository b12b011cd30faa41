// The RFC 5880 session state machine and timer rules as pure functions over the session's
// variables (the RFC's bfd.* names): reception (6.8.6), detection (6.8.4), timer negotiation and
// the Poll Sequence (6.8.3), administrative control (6.8.16). The driver (session.ts) owns the
// clock and the socket and performs the actions returned.
//
// Choices, each within the RFC:
// - Asynchronous mode only; we never ask for Demand mode, but honour a peer's (6.8.7: periodic
//   transmission stops while both are Up and the peer set D). No Echo function: we advertise a
//   Required Min Echo RX Interval of zero.
// - While not Up, DesiredMinTxInterval is at least one second (6.8.3); RequiredMinRxInterval is
//   always the configured value (as BIRD does), so coming Up only lowers our transmit interval.
//   Every change is polled for once the peer is known, in Down too (BIRD does the same).
// - Authentication is not implemented: a packet with the A bit is discarded (6.8.6).
// Must not import rib, api, daemon, pino or prom-client.

import { BfdDiag, BfdState, type BfdStateCode, SLOW_TX_US } from './constants.js';
import type { ControlFields, ControlPacket } from './packet.js';

/** What the operator configures, in microseconds. */
export interface BfdTiming {
  readonly desiredMinTxUs: number;
  readonly requiredMinRxUs: number;
  readonly detectMult: number;
  /** RFC 5880 6.1 passive role: send nothing until the peer has been heard. */
  readonly passive: boolean;
}

export interface BfdVars {
  readonly state: BfdStateCode;
  readonly remoteState: BfdStateCode;
  readonly localDiscr: number;
  readonly remoteDiscr: number;
  readonly localDiag: number;
  /** The Diag of the last packet received (why the peer went down). */
  readonly remoteDiag: number;
  readonly timing: BfdTiming;
  /** bfd.DesiredMinTxInterval and bfd.RequiredMinRxInterval as advertised now. */
  readonly desiredMinTxUs: number;
  readonly requiredMinRxUs: number;
  /**
   * The values our own timing uses: an increased DesiredMinTx (or a reduced RequiredMinRx) while
   * Up takes effect only when the Poll Sequence ends (6.8.3).
   */
  readonly txTimingUs: number;
  readonly rxTimingUs: number;
  readonly remoteMinRxUs: number;
  readonly remoteDesiredMinTxUs: number;
  readonly remoteDetectMult: number;
  readonly remoteDemand: boolean;
  /** A Poll Sequence is in progress: periodic packets carry P until a packet with F arrives. */
  readonly polling: boolean;
}

export type BfdAction =
  /** Answer a Poll at once, outside the periodic schedule (6.8.7). */
  | { readonly type: 'send-final' }
  /** The transmit interval or the right to transmit changed: restart the periodic timer. */
  | { readonly type: 'reschedule-tx' }
  /** A valid packet arrived: the detection timer restarts with this many milliseconds. */
  | { readonly type: 'restart-detect'; readonly ms: number }
  | { readonly type: 'stop-detect' }
  | { readonly type: 'state-change'; readonly from: BfdStateCode; readonly to: BfdStateCode; readonly diag: number };

export interface BfdResult {
  readonly vars: BfdVars;
  readonly actions: readonly BfdAction[];
}

/** Why a received packet was not used (after decoding succeeded). */
export type Discard = 'authentication' | 'admin-down';

export function initialVars(localDiscr: number, timing: BfdTiming): BfdVars {
  const tx = Math.max(timing.desiredMinTxUs, SLOW_TX_US);
  return {
    state: BfdState.DOWN,
    remoteState: BfdState.DOWN,
    localDiscr,
    remoteDiscr: 0,
    localDiag: BfdDiag.NONE,
    remoteDiag: BfdDiag.NONE,
    timing,
    desiredMinTxUs: tx,
    requiredMinRxUs: timing.requiredMinRxUs,
    txTimingUs: tx,
    rxTimingUs: timing.requiredMinRxUs,
    // 6.8.1: bfd.RemoteMinRxInterval starts at 1 (microsecond), so the first packets go out.
    remoteMinRxUs: 1,
    remoteDesiredMinTxUs: 0,
    remoteDetectMult: 0,
    remoteDemand: false,
    polling: false,
  };
}

/** The DesiredMinTxInterval to advertise in a state (6.8.3: one second at least unless Up). */
function desiredTxFor(state: BfdStateCode, timing: BfdTiming): number {
  return state === BfdState.UP ? timing.desiredMinTxUs : Math.max(timing.desiredMinTxUs, SLOW_TX_US);
}

/**
 * Advertises new intervals. A change starts a Poll Sequence (6.8.3) once there is a peer to answer
 * it (its discriminator is known), and while the peer is Init or Up a larger transmit interval or a
 * smaller receive interval waits for the poll to end before our timing uses it. Without a peer the
 * values apply at once and a poll in progress is dropped.
 */
function advertise(v: BfdVars, desiredMinTxUs: number, requiredMinRxUs: number, actions: BfdAction[]): BfdVars {
  const peer = v.remoteDiscr !== 0;
  if (desiredMinTxUs === v.desiredMinTxUs && requiredMinRxUs === v.requiredMinRxUs && (peer || !v.polling)) return v;
  const changed = desiredMinTxUs !== v.desiredMinTxUs || requiredMinRxUs !== v.requiredMinRxUs;
  // The RFC says "while Up"; what matters is that the peer still times us by the old values, which
  // it does in Init or Up, also right after we left Up (AdminDown must reach it before its timer).
  const timed = peer && (v.remoteState === BfdState.UP || v.remoteState === BfdState.INIT);
  const txTimingUs = timed && desiredMinTxUs > v.txTimingUs ? v.txTimingUs : desiredMinTxUs;
  const rxTimingUs = timed && requiredMinRxUs < v.rxTimingUs ? v.rxTimingUs : requiredMinRxUs;
  if (txTimingUs !== v.txTimingUs) actions.push({ type: 'reschedule-tx' });
  return { ...v, desiredMinTxUs, requiredMinRxUs, txTimingUs, rxTimingUs, polling: peer && (changed || v.polling) };
}

function changeState(v: BfdVars, to: BfdStateCode, diag: number, actions: BfdAction[]): BfdVars {
  actions.push({ type: 'state-change', from: v.state, to, diag });
  const next = { ...v, state: to, localDiag: diag };
  return advertise(next, desiredTxFor(to, v.timing), v.timing.requiredMinRxUs, actions);
}

/** 6.8.6 from "If the A bit is set" on: the packet was already decoded and matched to this session. */
export function receive(v: BfdVars, p: ControlPacket): BfdResult & { readonly discarded?: Discard } {
  // No authentication is configured, so a packet claiming it is discarded.
  if (p.auth) return { vars: v, actions: [], discarded: 'authentication' };
  const actions: BfdAction[] = [];
  const couldTransmit = mayTransmit(v);
  const oldRemoteMinRx = v.remoteMinRxUs;
  let n: BfdVars = {
    ...v,
    remoteDiscr: p.myDiscriminator,
    remoteState: p.state,
    remoteDemand: p.demand,
    remoteMinRxUs: p.requiredMinRxUs,
    remoteDesiredMinTxUs: p.desiredMinTxUs,
    remoteDetectMult: p.detectMult,
    remoteDiag: p.diag,
  };
  // The Poll Sequence ends with F: deferred timing changes now apply.
  if (p.final && n.polling) {
    n = { ...n, polling: false, txTimingUs: n.desiredMinTxUs, rxTimingUs: n.requiredMinRxUs };
    if (n.txTimingUs !== v.txTimingUs) actions.push({ type: 'reschedule-tx' });
  }
  if (p.requiredMinRxUs !== oldRemoteMinRx || mayTransmit(n) !== couldTransmit) actions.push({ type: 'reschedule-tx' });
  if (n.state === BfdState.ADMIN_DOWN) return { vars: n, actions: dedupe(actions), discarded: 'admin-down' };
  if (p.state === BfdState.ADMIN_DOWN) {
    if (n.state !== BfdState.DOWN) n = changeState(n, BfdState.DOWN, BfdDiag.NEIGHBOR_SIGNALED_SESSION_DOWN, actions);
  } else if (n.state === BfdState.DOWN) {
    if (p.state === BfdState.DOWN) n = changeState(n, BfdState.INIT, BfdDiag.NONE, actions);
    else if (p.state === BfdState.INIT) n = changeState(n, BfdState.UP, BfdDiag.NONE, actions);
  } else if (n.state === BfdState.INIT) {
    if (p.state === BfdState.INIT || p.state === BfdState.UP) n = changeState(n, BfdState.UP, BfdDiag.NONE, actions);
  } else if (p.state === BfdState.DOWN) {
    n = changeState(n, BfdState.DOWN, BfdDiag.NEIGHBOR_SIGNALED_SESSION_DOWN, actions);
  }
  actions.push({ type: 'restart-detect', ms: detectionTimeMs(n) });
  if (p.poll) actions.push({ type: 'send-final' });
  return { vars: n, actions: dedupe(actions) };
}

/** 6.8.4: a Detection Time without a valid packet. The peer is forgotten; Init or Up goes Down. */
export function detectionExpired(v: BfdVars): BfdResult {
  const actions: BfdAction[] = [];
  let n: BfdVars = { ...v, remoteDiscr: 0, remoteState: BfdState.DOWN, remoteDemand: false };
  if (v.state === BfdState.INIT || v.state === BfdState.UP) n = changeState(n, BfdState.DOWN, BfdDiag.CONTROL_DETECTION_TIME_EXPIRED, actions);
  // A passive session falls silent again once the peer is forgotten (6.8.7).
  if (mayTransmit(n) !== mayTransmit(v)) actions.push({ type: 'reschedule-tx' });
  return { vars: n, actions: dedupe(actions) };
}

/** 6.8.16: AdminDown (the peer is told, with Diag 7) and back to Down when re-enabled. */
export function setAdminDown(v: BfdVars, down: boolean): BfdResult {
  const actions: BfdAction[] = [];
  if (down && v.state !== BfdState.ADMIN_DOWN) {
    const n = changeState(v, BfdState.ADMIN_DOWN, BfdDiag.ADMINISTRATIVELY_DOWN, actions);
    actions.push({ type: 'stop-detect' });
    return { vars: n, actions };
  }
  if (!down && v.state === BfdState.ADMIN_DOWN) return { vars: changeState(v, BfdState.DOWN, BfdDiag.NONE, actions), actions };
  return { vars: v, actions };
}

/** New configured intervals, multiplier or role; changed intervals are polled for (6.8.3). */
export function reconfigure(v: BfdVars, timing: BfdTiming): BfdResult {
  const actions: BfdAction[] = [];
  let n = advertise({ ...v, timing }, desiredTxFor(v.state, timing), timing.requiredMinRxUs, actions);
  // A new multiplier changes the peer's detection time: tell it now, as for intervals.
  if (timing.detectMult !== v.timing.detectMult && n.remoteDiscr !== 0) n = { ...n, polling: true };
  if (timing.passive !== v.timing.passive) actions.push({ type: 'reschedule-tx' });
  return { vars: n, actions: dedupe(actions) };
}

/**
 * 6.8.7: no periodic packets while the peer's RequiredMinRxInterval is zero, while passive and
 * the peer has not been heard, or while the peer runs Demand mode and both are Up.
 */
export function mayTransmit(v: BfdVars): boolean {
  if (v.remoteMinRxUs === 0) return false;
  if (v.timing.passive && v.remoteDiscr === 0) return false;
  return !(v.remoteDemand && v.state === BfdState.UP && v.remoteState === BfdState.UP);
}

/** The negotiated transmit interval (6.8.2), before jitter, in milliseconds. */
export function txIntervalMs(v: BfdVars): number {
  return Math.max(v.txTimingUs, v.remoteMinRxUs) / 1000;
}

/**
 * 6.8.7: each interval is reduced by a random 0-25% (10-25% with a multiplier of 1, so that one
 * lost packet never reaches the peer's detection time). `r` is in [0, 1).
 */
export function jitteredTxMs(v: BfdVars, r: number): number {
  const base = txIntervalMs(v);
  return v.timing.detectMult === 1 ? base * (0.75 + 0.15 * r) : base * (0.75 + 0.25 * r);
}

/** 6.8.4 asynchronous mode: the peer's multiplier times the agreed interval of its packets to us. */
export function detectionTimeMs(v: BfdVars): number {
  return (v.remoteDetectMult * rxIntervalUs(v)) / 1000;
}

/** The interval at which the peer sends to us (for display). */
export function rxIntervalMs(v: BfdVars): number {
  return rxIntervalUs(v) / 1000;
}

/** The agreed interval of the peer's packets to us (6.8.4). */
function rxIntervalUs(v: BfdVars): number {
  return Math.max(v.rxTimingUs, v.remoteDesiredMinTxUs);
}

/** The packet to send now: periodic ones carry P during a Poll Sequence, an answer carries F only. */
export function packetFields(v: BfdVars, final: boolean): ControlFields {
  return {
    diag: v.localDiag,
    state: v.state,
    poll: !final && v.polling,
    final,
    detectMult: v.timing.detectMult,
    myDiscriminator: v.localDiscr,
    yourDiscriminator: v.remoteDiscr,
    desiredMinTxUs: v.desiredMinTxUs,
    requiredMinRxUs: v.requiredMinRxUs,
    requiredMinEchoRxUs: 0,
  };
}

function dedupe(actions: BfdAction[]): BfdAction[] {
  let seen = false;
  return actions.filter((a) => {
    if (a.type !== 'reschedule-tx') return true;
    if (seen) return false;
    seen = true;
    return true;
  });
}
