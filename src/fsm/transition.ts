// The RFC 4271 section 8 finite state machine as a pure function:
// transition(state, event, cfg) -> { state, actions }. The driver (session.ts) owns sockets and
// timers and performs the actions. Switch on state, then event; each state ends in a default that
// sends the RFC 6608 FSM error and goes Idle; a `never` check closes the switch over states.
//
// Deliberate departures from RFC 4271 8.2.2, each as FRR and BIRD behave:
// - A failed outgoing connection attempt (Connect, event 18 without DelayOpen) goes to Active and
//   retries when ConnectRetryTimer expires, accepting the peer's connection meanwhile, rather than
//   to Idle. Idle with backoff is kept for failures of a session that reached OpenSent.
// - A NOTIFICATION received in OpenSent or OpenConfirm is not answered with an FSM error.
// - Going Idle while enabled starts IdleHoldTimer (RFC 4271 8.1.1 DampPeerOscillations) with a
//   delay that doubles per consecutive failure; StableTimer resets the count after a stable period.
// BFD (RFC 5882 4.3, RFC 9384): BfdDown in OpenConfirm or Established tears the session down with
// Cease / BFD Down (10); BfdUp in Active tries to connect at once (the path works again). With
// bfdStrict, our KEEPALIVE is held in OpenConfirm until BfdUp, so Established waits for BFD.
// Must not import rib, api, daemon, pino or prom-client.

import { CeaseSubcode, ErrorCode, FsmSubcode, type RouteRefreshMessage, type UpdateMessage, shutdownData } from '../wire/index.js';
import { idleHoldDelay } from './backoff.js';
import type { DownReason, FsmAction, FsmConfig, FsmEvent, ProtocolErrorInfo, SessionState, StateName, TimerName } from './types.js';
import type { NegotiatedSession } from './open-check.js';

export interface TransitionResult {
  readonly state: SessionState;
  readonly actions: readonly FsmAction[];
}

export function initialState(passive = false): SessionState {
  return { name: 'Idle', connectRetryCounter: 0, passive, delayOpenRunning: false, enabled: false, bfdUp: false };
}

const stop = (timer: TimerName): FsmAction => ({ type: 'stop-timer', timer });
const start = (timer: TimerName, seconds: number, jitter = false): FsmAction => ({ type: 'start-timer', timer, seconds, ...(jitter ? { jitter } : {}) });
const notify = (code: number, subcode: number, data: Buffer = Buffer.alloc(0)): FsmAction => ({ type: 'send-notification', code, subcode, data });
const ALL_TIMERS: FsmAction[] = (['connectRetry', 'hold', 'keepalive', 'delayOpen', 'sendHold', 'stable'] as const).map(stop);

/** RFC 6608: the FSM error subcode names the state that received the unexpected event. */
function fsmSubcode(name: StateName): number {
  switch (name) {
    case 'OpenSent': return FsmSubcode.OPEN_SENT;
    case 'OpenConfirm': return FsmSubcode.OPEN_CONFIRM;
    case 'Established': return FsmSubcode.ESTABLISHED;
    default: return FsmSubcode.UNSPECIFIED;
  }
}

interface IdleOptions {
  readonly reason: DownReason;
  /** Counts as a failure for the backoff (RFC: ConnectRetryCounter += 1). */
  readonly failure: boolean;
  /** Leaves the session disabled (ManualStop) instead of restarting after IdleHoldTimer. */
  readonly disable?: boolean;
  readonly before?: readonly FsmAction[];
}

/** Every way into Idle: stop timers, drop the connection, report down, maybe schedule a restart. */
function toIdle(s: SessionState, cfg: FsmConfig, o: IdleOptions): TransitionResult {
  const counter = o.disable ? 0 : o.failure ? s.connectRetryCounter + 1 : s.connectRetryCounter;
  const enabled = s.enabled && !o.disable;
  const actions: FsmAction[] = [...(o.before ?? []), ...ALL_TIMERS, { type: 'disconnect' }, { type: 'down', reason: o.reason, wasEstablished: s.name === 'Established' }];
  if (enabled) actions.push(start('idleHold', Math.max(idleHoldDelay(counter, cfg.idleHoldTime, cfg.idleHoldMaxTime), 0.01), true));
  return { state: { name: 'Idle', connectRetryCounter: counter, passive: s.passive, delayOpenRunning: false, enabled, bfdUp: s.bfdUp }, actions };
}

function errorToIdle(s: SessionState, cfg: FsmConfig, error: ProtocolErrorInfo, reason: DownReason): TransitionResult {
  return toIdle(s, cfg, { reason, failure: true, before: [notify(error.code, error.subcode, error.data)] });
}

function fsmError(s: SessionState, cfg: FsmConfig, connected: boolean): TransitionResult {
  const before = connected ? [notify(ErrorCode.FSM, fsmSubcode(s.name))] : [];
  return toIdle(s, cfg, { reason: 'fsm-error', failure: true, before });
}

/** Cease subcodes that mean "forget my routes": sent as Hard Reset when RFC 8538 is negotiated. */
const FLUSHING_CEASES: ReadonlySet<number> = new Set([
  CeaseSubcode.MAX_PREFIXES_REACHED, CeaseSubcode.ADMINISTRATIVE_SHUTDOWN, CeaseSubcode.PEER_DECONFIGURED,
  CeaseSubcode.ADMINISTRATIVE_RESET, CeaseSubcode.OTHER_CONFIGURATION_CHANGE,
]);

/**
 * A Cease we send. RFC 8538 5: with the Notification (N) extension negotiated, a peer keeps our
 * routes after any NOTIFICATION but Hard Reset, so one that must end them (shutdown, reset,
 * de-configuration, max-prefix) is wrapped: Hard Reset whose data is the original error code,
 * subcode and data (RFC 8538 3).
 */
function cease(s: SessionState, subcode: number, data: Buffer): FsmAction {
  if (s.negotiated?.gracefulRestart?.notification && FLUSHING_CEASES.has(subcode)) {
    return notify(ErrorCode.CEASE, CeaseSubcode.HARD_RESET, Buffer.concat([Buffer.from([ErrorCode.CEASE, subcode]), data]));
  }
  return notify(ErrorCode.CEASE, subcode, data);
}

function manualStop(s: SessionState, cfg: FsmConfig, e: Extract<FsmEvent, { type: 'ManualStop' }>, connected: boolean): TransitionResult {
  const subcode = e.subcode ?? CeaseSubcode.ADMINISTRATIVE_SHUTDOWN;
  // RFC 9003: Administrative Shutdown and Reset may carry a message.
  const data = e.data ?? (e.message ? shutdownData(e.message) : Buffer.alloc(0));
  const before = connected ? [cease(s, subcode, data)] : [];
  const reason = e.reason ?? (subcode === CeaseSubcode.ADMINISTRATIVE_RESET ? 'admin-reset' : 'admin-down');
  return toIdle(s, cfg, { reason, failure: false, disable: true, before });
}

function automaticStop(s: SessionState, cfg: FsmConfig, e: Extract<FsmEvent, { type: 'AutomaticStop' }>, connected: boolean): TransitionResult {
  const data = e.message ? shutdownData(e.message) : Buffer.alloc(0);
  return toIdle(s, cfg, { reason: e.reason, failure: true, before: connected ? [cease(s, e.subcode, data)] : [] });
}

function startSession(s: SessionState, cfg: FsmConfig, passive: boolean, manual: boolean): TransitionResult {
  const next: SessionState = { ...s, passive, enabled: true, connectRetryCounter: manual ? 0 : s.connectRetryCounter };
  const actions: FsmAction[] = [stop('idleHold'), start('connectRetry', cfg.connectRetryTime)];
  if (passive) return { state: { ...next, name: 'Active' }, actions };
  return { state: { ...next, name: 'Connect' }, actions: [...actions, { type: 'connect' }] };
}

/** TCP is up (either direction) in Connect or Active: DelayOpen, or send OPEN and go OpenSent. */
function connected(s: SessionState, cfg: FsmConfig): TransitionResult {
  if (cfg.delayOpenTime > 0) {
    return { state: { ...s, delayOpenRunning: true }, actions: [stop('connectRetry'), start('delayOpen', cfg.delayOpenTime)] };
  }
  return { state: { ...s, name: 'OpenSent', delayOpenRunning: false }, actions: [stop('connectRetry'), { type: 'send-open' }, start('hold', cfg.largeHoldTime)] };
}

/** A valid OPEN: to OpenConfirm with the negotiated timers (RFC 4271 8.2.2, OpenSent event 19). */
function openReceived(s: SessionState, cfg: FsmConfig, e: Extract<FsmEvent, { type: 'BGPOpen' }>, sendOpen: boolean): TransitionResult {
  const checked = cfg.checkOpen(e.open);
  if (!checked.ok) return errorToIdle(s, cfg, checked.error, 'open-error');
  const n = checked.negotiated;
  const actions: FsmAction[] = [stop('connectRetry'), stop('delayOpen')];
  if (sendOpen) actions.push({ type: 'send-open' });
  const held = (cfg.bfdStrict ?? false) && !s.bfdUp;
  if (!held) actions.push(...keepalives(n));
  actions.push(n.holdTime > 0 ? start('hold', n.holdTime) : stop('hold'));
  return { state: { ...s, name: 'OpenConfirm', delayOpenRunning: false, negotiated: n, keepaliveHeld: held, peerKeepaliveSeen: false }, actions };
}

/** Our first KEEPALIVE (it confirms the peer's OPEN) and, with a hold time, the periodic ones. */
function keepalives(n: NegotiatedSession): FsmAction[] {
  return [{ type: 'send-keepalive' }, ...(n.holdTime > 0 ? [start('keepalive', n.keepaliveTime)] : [])];
}

function toEstablished(s: SessionState, cfg: FsmConfig): TransitionResult {
  return {
    state: { ...s, name: 'Established', keepaliveHeld: false, peerKeepaliveSeen: false },
    actions: [...restartHold(s), start('stable', cfg.stableTime), { type: 'established', negotiated: s.negotiated! }],
  };
}

/** BFD events, the same in every state apart from the ones they act on. */
function bfdEvent(s: SessionState, e: Extract<FsmEvent, { type: 'BfdUp' | 'BfdDown' }>, cfg: FsmConfig): TransitionResult {
  if (e.type === 'BfdDown') {
    const next = { ...s, bfdUp: false };
    // RFC 5882 4.3 and RFC 9384: a path failure ends the session at once.
    if (s.name === 'OpenConfirm' || s.name === 'Established') {
      return toIdle(next, cfg, { reason: 'bfd-down', failure: true, before: [notify(ErrorCode.CEASE, CeaseSubcode.BFD_DOWN)] });
    }
    return { state: next, actions: [] };
  }
  const next = { ...s, bfdUp: true };
  if (s.name === 'OpenConfirm' && s.keepaliveHeld) {
    const released: SessionState = { ...next, keepaliveHeld: false };
    const actions = keepalives(s.negotiated!);
    if (!s.peerKeepaliveSeen) return { state: released, actions };
    const up = toEstablished(released, cfg);
    return { state: up.state, actions: [...actions, ...up.actions] };
  }
  if (s.name === 'Active' && !s.passive && !s.delayOpenRunning) return connectOrActive(next, { type: 'ConnectRetryTimer_Expires' }, cfg);
  return { state: next, actions: [] };
}

type StartTimer = Extract<FsmAction, { type: 'start-timer' }>;

/**
 * The hold timer's restart for a hold time, made once and shared (actions are never changed): it
 * comes with every message received (RFC 4271 8.2.2), 200k times for a full table's UPDATEs.
 */
let lastHoldRestart: StartTimer = Object.freeze({ type: 'start-timer', timer: 'hold', seconds: 0 });

function holdRestart(s: SessionState): StartTimer | undefined {
  const hold = s.negotiated?.holdTime ?? 0;
  if (hold === 0) return undefined;
  if (lastHoldRestart.seconds !== hold) lastHoldRestart = Object.freeze({ type: 'start-timer', timer: 'hold', seconds: hold });
  return lastHoldRestart;
}

function restartHold(s: SessionState): FsmAction[] {
  const restart = holdRestart(s);
  return restart ? [restart] : [];
}

/** An UPDATE or ROUTE-REFRESH received in Established: the hold timer restarts, the message is delivered. */
function received(s: SessionState, message: UpdateMessage | RouteRefreshMessage): TransitionResult {
  const restart = holdRestart(s);
  const deliver: FsmAction = { type: 'deliver', message };
  return { state: s, actions: restart ? [restart, deliver] : [deliver] };
}

function idle(s: SessionState, e: FsmEvent, cfg: FsmConfig): TransitionResult {
  switch (e.type) {
    case 'ManualStart': return startSession(s, cfg, e.passive ?? s.passive, true);
    case 'AutomaticStart': return startSession(s, cfg, e.passive ?? s.passive, false);
    case 'IdleHoldTimer_Expires': return s.enabled ? startSession(s, cfg, s.passive, false) : { state: s, actions: [] };
    // RFC 4271 8.2.2 Idle: connections are refused and every other event is ignored.
    case 'Tcp_CR_Acked':
    case 'TcpConnectionConfirmed':
      return { state: s, actions: [{ type: 'disconnect' }] };
    default: return { state: s, actions: [] };
  }
}

function connectOrActive(s: SessionState, e: FsmEvent, cfg: FsmConfig): TransitionResult {
  const up = s.delayOpenRunning; // in Connect/Active, TCP is up only while DelayOpen runs
  switch (e.type) {
    case 'ManualStart':
    case 'AutomaticStart':
      return { state: s, actions: [] };
    case 'ManualStop': return manualStop(s, cfg, e, up);
    case 'AutomaticStop': return automaticStop(s, cfg, e, up);
    case 'ConnectRetryTimer_Expires':
      if (s.passive) return { state: s, actions: [start('connectRetry', cfg.connectRetryTime)] };
      return { state: { ...s, name: 'Connect', delayOpenRunning: false }, actions: [{ type: 'disconnect' }, stop('delayOpen'), start('connectRetry', cfg.connectRetryTime), { type: 'connect' }] };
    case 'DelayOpenTimer_Expires':
      if (!up) return { state: s, actions: [] };
      return { state: { ...s, name: 'OpenSent', delayOpenRunning: false }, actions: [{ type: 'send-open' }, start('hold', cfg.largeHoldTime)] };
    case 'Tcp_CR_Acked':
    case 'TcpConnectionConfirmed':
      return connected(s, cfg);
    case 'TcpConnectionFails':
      // See the header: wait in Active for the next attempt (or the peer's connection).
      return { state: { ...s, name: 'Active', delayOpenRunning: false }, actions: [stop('delayOpen'), { type: 'disconnect' }, start('connectRetry', cfg.connectRetryTime)] };
    case 'BGPOpen':
      if (!up) return fsmError(s, cfg, false);
      return openReceived(s, cfg, e, true);
    case 'BGPHeaderErr':
    case 'BGPOpenMsgErr':
      return errorToIdle(s, cfg, e.error, e.type === 'BGPHeaderErr' ? 'header-error' : 'open-error');
    case 'NotifMsgVerErr':
    case 'NotifMsg':
      return toIdle(s, cfg, { reason: 'notification-received', failure: true });
    default: return fsmError(s, cfg, up);
  }
}

const HOLD_EXPIRED: ProtocolErrorInfo = { code: ErrorCode.HOLD_TIMER_EXPIRED, subcode: 0, data: Buffer.alloc(0) };

/** Events handled alike while a connection is up (OpenSent, OpenConfirm, Established). */
function whileConnected(s: SessionState, e: FsmEvent, cfg: FsmConfig): TransitionResult | undefined {
  switch (e.type) {
    case 'ManualStart':
    case 'AutomaticStart':
      return { state: s, actions: [] };
    case 'ManualStop': return manualStop(s, cfg, e, true);
    case 'AutomaticStop': return automaticStop(s, cfg, e, true);
    case 'HoldTimer_Expires': return errorToIdle(s, cfg, HOLD_EXPIRED, 'hold-timer-expired');
    case 'NotifMsgVerErr':
    case 'NotifMsg':
      return toIdle(s, cfg, { reason: 'notification-received', failure: true });
    case 'OpenCollisionDump':
      return toIdle(s, cfg, { reason: 'collision', failure: false, before: [notify(ErrorCode.CEASE, CeaseSubcode.CONNECTION_COLLISION_RESOLUTION)] });
    case 'BGPHeaderErr': return errorToIdle(s, cfg, e.error, 'header-error');
    default: return undefined;
  }
}

// In the three states below, every event not handled is unexpected (RFC 4271 8.2.2 "any other
// event"): the default sends the RFC 6608 FSM error for the state and goes Idle.

function openSent(s: SessionState, e: FsmEvent, cfg: FsmConfig): TransitionResult {
  const shared = whileConnected(s, e, cfg);
  if (shared) return shared;
  switch (e.type) {
    case 'SendHoldTimer_Expires': return toIdle(s, cfg, { reason: 'send-hold-timer-expired', failure: true });
    case 'TcpConnectionFails':
      // RFC 4271 8.2.2 OpenSent event 18: close, restart ConnectRetryTimer, go Active.
      return { state: { ...s, name: 'Active' }, actions: [stop('hold'), { type: 'disconnect' }, start('connectRetry', cfg.connectRetryTime)] };
    case 'BGPOpen': return openReceived(s, cfg, e, false);
    case 'BGPOpenMsgErr': return errorToIdle(s, cfg, e.error, 'open-error');
    default: return fsmError(s, cfg, true);
  }
}

function openConfirm(s: SessionState, e: FsmEvent, cfg: FsmConfig): TransitionResult {
  const shared = whileConnected(s, e, cfg);
  if (shared) return shared;
  switch (e.type) {
    case 'SendHoldTimer_Expires': return toIdle(s, cfg, { reason: 'send-hold-timer-expired', failure: true });
    case 'KeepaliveTimer_Expires':
      return { state: s, actions: [{ type: 'send-keepalive' }, start('keepalive', s.negotiated!.keepaliveTime)] };
    case 'TcpConnectionFails': return toIdle(s, cfg, { reason: 'connection-lost', failure: true });
    case 'BGPOpenMsgErr': return errorToIdle(s, cfg, e.error, 'open-error');
    case 'KeepAliveMsg':
      // Strict BFD: the peer is ready, we are not until BFD is Up.
      if (s.keepaliveHeld) return { state: { ...s, peerKeepaliveSeen: true }, actions: restartHold(s) };
      return toEstablished(s, cfg);
    default: return fsmError(s, cfg, true);
  }
}

function established(s: SessionState, e: FsmEvent, cfg: FsmConfig): TransitionResult {
  const shared = whileConnected(s, e, cfg);
  if (shared) return shared;
  switch (e.type) {
    // RFC 9687 4: error code 8 (Send Hold Timer Expired); sending it is best effort.
    case 'SendHoldTimer_Expires': return toIdle(s, cfg, { reason: 'send-hold-timer-expired', failure: true, before: [notify(8, 0)] });
    case 'KeepaliveTimer_Expires':
      return { state: s, actions: [{ type: 'send-keepalive' }, start('keepalive', s.negotiated!.keepaliveTime)] };
    case 'StableTimer_Expires': return { state: { ...s, connectRetryCounter: 0 }, actions: [] };
    case 'TcpConnectionFails': return toIdle(s, cfg, { reason: 'connection-lost', failure: true });
    case 'KeepAliveMsg': return { state: s, actions: restartHold(s) };
    case 'UpdateMsg': return received(s, e.update);
    case 'RouteRefreshMsg': return received(s, e.refresh);
    case 'UpdateMsgErr': return errorToIdle(s, cfg, e.error, 'update-error');
    default: return fsmError(s, cfg, true);
  }
}

/**
 * The surviving connection of a collision continues the OPEN exchange from OpenSent with a fresh
 * (large) hold time; what the losing connection negotiated is forgotten. Only during the OPEN
 * exchange: in any other state there is nothing to adopt.
 */
function collisionAdopt(s: SessionState, cfg: FsmConfig): TransitionResult {
  if (s.name !== 'OpenSent' && s.name !== 'OpenConfirm') return { state: s, actions: [] };
  return { state: { ...s, name: 'OpenSent', negotiated: undefined }, actions: [stop('keepalive'), start('hold', cfg.largeHoldTime)] };
}

export function transition(s: SessionState, e: FsmEvent, cfg: FsmConfig): TransitionResult {
  if (e.type === 'BfdUp' || e.type === 'BfdDown') return bfdEvent(s, e, cfg);
  if (e.type === 'CollisionAdopt') return collisionAdopt(s, cfg);
  switch (s.name) {
    case 'Idle': return idle(s, e, cfg);
    case 'Connect':
    case 'Active':
      return connectOrActive(s, e, cfg);
    case 'OpenSent': return openSent(s, e, cfg);
    case 'OpenConfirm': return openConfirm(s, e, cfg);
    case 'Established': return established(s, e, cfg);
    default: {
      const never: never = s.name;
      throw new Error(`unknown state ${String(never)}`);
    }
  }
}
