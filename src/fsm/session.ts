// The session driver: owns the peer's TCP connection(s), the timers and the clock, feeds events to
// the pure transition function and performs its actions. Also resolves connection collisions
// (RFC 4271 6.8), applies TCP-MD5/TTL/GTSM socket options, tracks liveness, and paces output
// (a blocked socket stops the producer; RFC 9687 send-hold tears down a peer that never drains).
// Must not import rib, api, daemon, pino or prom-client: it reports through SessionEvents.

import { Socket, type SocketConstructorOpts, isIPv6 } from 'node:net';
import type { DuplexOptions } from 'node:stream';
import {
  type AttributeCache, type BgpMessage, type BgpProtocolError, CeaseSubcode, ErrorCode, MessageType, type NotificationMessage,
  type OpenMessage, type RouteRefreshMessage, type UpdateMessage, encodeMessage, encodeNotification, encodeOpen, encodeRouteRefresh,
} from '../wire/index.js';
import { withJitter } from './backoff.js';
import { type Clock, SystemClock, type TimerHandle } from './clock.js';
import { collisionWinner } from './collision.js';
import { Connection, type MessageCounters, SEND_QUEUE_OCTETS, emptyCounters } from './connection.js';
import { type LivenessSnapshot, Liveness } from './liveness.js';
import { type NegotiatedSession, type OpenConfig, buildOpen, checkOpen } from './open-check.js';
import { createTcpSocket, fdOf, setMinTtl, setTtl } from './socket-options.js';
import { initialState, transition } from './transition.js';
import type { DownReason, FsmAction, FsmConfig, FsmEvent, FsmTimers, SessionState, StateName, TimerName } from './types.js';

export type SessionTimers = FsmTimers;

export const DEFAULT_TIMERS: SessionTimers = {
  connectRetryTime: 10,
  delayOpenTime: 0,
  largeHoldTime: 240,
  idleHoldTime: 1,
  idleHoldMaxTime: 60,
  sendHoldTime: 480,
  stableTime: 60,
};

export interface SessionOptions {
  readonly remoteAddress: string;
  readonly remotePort?: number;
  readonly localAddress?: string;
  readonly localPort?: number;
  readonly open: OpenConfig;
  readonly timers?: Partial<SessionTimers>;
  readonly passive?: boolean;
  /** RFC 2385 TCP-MD5 password. */
  readonly password?: string;
  /** RFC 5082 GTSM: the peer is at most this many hops away; we send TTL 255 and require 256 - hops. */
  readonly ttlSecurityHops?: number;
  /** TTL of what we send when GTSM is off (eBGP multihop); default 1 for eBGP, 255 for iBGP. */
  readonly ttl?: number;
  /** Shared attribute interning for decoded UPDATEs. */
  readonly attributeCache?: AttributeCache;
  /** BFD strict mode: Established waits for bfd(true). */
  readonly bfdStrict?: boolean;
}

export interface SessionEvents {
  stateChange?(from: StateName, to: StateName): void;
  established?(negotiated: NegotiatedSession): void;
  /** The session went to Idle; `uptimeMs` how long it had been Established (0 if it was not). */
  down?(reason: DownReason, wasEstablished: boolean, uptimeMs: number): void;
  /** UPDATE and ROUTE-REFRESH messages received in Established, with their octets as received. */
  message?(msg: UpdateMessage | RouteRefreshMessage, frame: Buffer | undefined): void;
  /** Output may continue (after the socket drained). */
  writable?(): void;
  notification?(direction: 'sent' | 'received', n: NotificationMessage): void;
  /** A malformed message: the protocol error it raised and its octets when known. */
  wireError?(err: BgpProtocolError, frame: Buffer | undefined): void;
  collision?(kept: 'inbound' | 'outbound'): void;
  /**
   * An outgoing TCP connection failed: refused or unreachable (the errno code), or its handshake
   * did not complete within connectRetryTime ('timeout': with GTSM, often a SYN-ACK the peer sent
   * with a TTL below 255).
   */
  connectFailed?(reason: string): void;
}

export interface SessionSnapshot {
  readonly state: StateName;
  readonly enabled: boolean;
  readonly negotiated?: NegotiatedSession;
  readonly establishedAtMs: number | null;
  readonly lastDownReason: DownReason | null;
  readonly lastDownAtMs: number | null;
  readonly lastNotificationSent: NotificationMessage | null;
  readonly lastNotificationReceived: NotificationMessage | null;
  readonly flaps: number;
  /** RFC 4271 ConnectRetryCounter: sessions that failed (reset to 0 after a stable session). */
  readonly failures: number;
  /** Outgoing TCP connections that were refused, failed, or did not complete within connectRetryTime. */
  readonly connectFailures: number;
  readonly sent: MessageCounters;
  readonly received: MessageCounters;
  readonly liveness: LivenessSnapshot;
  readonly connection?: { readonly direction: 'inbound' | 'outbound'; readonly localAddress?: string; readonly localPort?: number; readonly remotePort?: number };
}

type ConnectFn = (s: Session) => Socket;

export class Session {
  options: SessionOptions;
  readonly #timersCfg: SessionTimers;
  readonly #fsm: FsmConfig;
  readonly #clock: Clock;
  readonly #events: SessionEvents;
  #ourOpen: OpenMessage;
  #ourOpenBytes: Buffer;
  /** The octets of the message being handled (passed on with a delivered UPDATE). */
  #frame: Buffer | undefined;
  readonly #liveness = new Liveness();
  readonly #timers = new Map<TimerName, TimerHandle>();
  readonly #connectFn: ConnectFn;
  #state: SessionState;
  #conn: Connection | undefined;
  /** A second connection while ours is in OpenSent/OpenConfirm (RFC 4271 6.8). */
  #pending: Connection | undefined;
  #establishedAt: number | null = null;
  #lastDownReason: DownReason | null = null;
  #lastDownAt: number | null = null;
  #lastSent: NotificationMessage | null = null;
  #lastReceived: NotificationMessage | null = null;
  #flaps = 0;
  readonly #sent = emptyCounters();
  readonly #received = emptyCounters();

  constructor(options: SessionOptions, events: SessionEvents = {}, clock: Clock = new SystemClock(), connect?: ConnectFn) {
    this.options = options;
    this.#timersCfg = { ...DEFAULT_TIMERS, ...options.timers };
    this.#clock = clock;
    this.#events = events;
    this.#ourOpen = buildOpen(options.open);
    this.#ourOpenBytes = encodeOpen(this.#ourOpen);
    this.#fsm = { ...this.#timersCfg, bfdStrict: options.bfdStrict ?? false, checkOpen: (open) => checkOpen(open, this.#ourOpen, options.open) };
    this.#state = initialState(options.passive ?? false);
    this.#connectFn = connect ?? defaultConnect;
  }

  /**
   * A new OPEN for the next connection (RFC 4724: the Restart State and Forwarding State bits
   * change after a restart); the session in progress keeps what it negotiated.
   */
  setOpen(open: SessionOptions['open']): void {
    this.options = { ...this.options, open };
    this.#ourOpen = buildOpen(open);
    this.#ourOpenBytes = encodeOpen(this.#ourOpen);
  }

  /**
   * Where the next connection goes (an unnumbered neighbor's link-local address, learned or
   * changed); the connection in progress, if any, is left alone.
   */
  setRemoteAddress(remoteAddress: string): void {
    this.options = { ...this.options, remoteAddress };
  }

  get state(): StateName {
    return this.#state.name;
  }

  get negotiated(): NegotiatedSession | undefined {
    return this.#state.negotiated;
  }

  get ourOpen(): OpenMessage {
    return this.#ourOpen;
  }

  /** True when an Established session can take more output now. */
  get writable(): boolean {
    return this.#state.name === 'Established' && this.#conn !== undefined && !this.#conn.blocked && !this.#conn.closed;
  }

  // --- administration -------------------------------------------------------------------------

  start(): void {
    this.#dispatch({ type: 'ManualStart', passive: this.options.passive ?? false });
  }

  /** Cease / Administrative Shutdown with an optional RFC 9003 message; stays down until start(). */
  stop(message?: string): void {
    this.#dispatch({ type: 'ManualStop', subcode: CeaseSubcode.ADMINISTRATIVE_SHUTDOWN, message });
  }

  /** Hard reset: Cease / Administrative Reset, then start again at once. */
  reset(message?: string): void {
    this.#dispatch({ type: 'ManualStop', subcode: CeaseSubcode.ADMINISTRATIVE_RESET, message });
    this.start();
  }

  /**
   * Stops the session for a local reason with a Cease subcode and data (RFC 4486: max-prefix
   * sends AFI, SAFI and the limit); it stays down until start().
   */
  stopFor(subcode: number, reason: DownReason, data?: Buffer): void {
    this.#dispatch({ type: 'ManualStop', subcode, reason, data });
  }

  /** Tears the session down for a local reason (max-prefix, BFD down, ...) and restarts it after idle hold. */
  automaticStop(subcode: number, reason: DownReason, message?: string): void {
    this.#dispatch({ type: 'AutomaticStop', subcode, reason, message });
  }

  /**
   * The neighbor's BFD session came Up (true), or went from Up to Down (false): a path failure
   * that tears an Established session down with Cease / BFD Down (RFC 9384).
   */
  bfd(up: boolean): void {
    this.#dispatch({ type: up ? 'BfdUp' : 'BfdDown' });
  }

  /** Soft reset in: asks the peer to resend (RFC 2918), or with enhanced refresh, BoRR/EoRR (RFC 7313). */
  requestRefresh(afi: number, safi: number, subtype = 0): boolean {
    const n = this.#state.negotiated;
    if (this.#state.name !== 'Established' || !n?.routeRefresh || !this.#conn) return false;
    this.#conn.send(encodeRouteRefresh({ type: 'route-refresh', afi, safi, subtype }));
    this.#sent['route-refresh']++;
    return true;
  }

  /**
   * Drops the connection without a NOTIFICATION and stays down (RFC 4724 restarting speaker: the
   * peer takes it as a restart and keeps our routes).
   */
  abandon(): void {
    this.#conn?.destroy();
    this.#conn = undefined;
    this.#pending?.destroy();
    this.#pending = undefined;
    this.#dispatch({ type: 'ManualStop', subcode: CeaseSubcode.ADMINISTRATIVE_SHUTDOWN });
  }

  /** Stops everything and releases sockets and timers, without a NOTIFICATION if none is due. */
  close(): void {
    if (this.#state.name !== 'Idle' || this.#state.enabled) this.#dispatch({ type: 'ManualStop', subcode: CeaseSubcode.PEER_DECONFIGURED });
    for (const name of [...this.#timers.keys()]) this.#stopTimer(name);
    this.#pending?.destroy();
    this.#pending = undefined;
  }

  // --- output ---------------------------------------------------------------------------------

  /** Sends messages on the Established session; false when the socket is full (wait for writable()). */
  send(messages: readonly Buffer[]): boolean {
    if (this.#state.name !== 'Established' || !this.#conn) return false;
    for (const m of messages) {
      const kind = m[18] === MessageType.UPDATE ? 'update' : m[18] === MessageType.ROUTE_REFRESH ? 'route-refresh' : 'keepalive';
      this.#sent[kind]++;
    }
    // One socket write for the batch: thousands of small writes cost more than the copy.
    const ok = this.#conn.send(messages.length === 1 ? messages[0] : Buffer.concat(messages));
    if (!ok) this.#blocked();
    return ok;
  }

  #blocked(): void {
    if (!this.#timers.has('sendHold')) this.#startTimer('sendHold', this.#timersCfg.sendHoldTime, false);
  }

  /** The OPENs of the Established connection as octets: ours and the peer's (for BMP's Peer Up). */
  opens(): { readonly sent: Buffer; readonly received: Buffer } | undefined {
    const c = this.#conn;
    return c?.sentOpenFrame && c.peerOpenFrame ? { sent: c.sentOpenFrame, received: c.peerOpenFrame } : undefined;
  }

  // --- inbound connections ----------------------------------------------------------------------

  /** A connection from the peer's address, accepted by the listener. */
  acceptInbound(socket: Socket): void {
    const s = this.#state;
    if (s.name === 'Idle') {
      socket.destroy();
      return;
    }
    this.#applyAcceptedOptions(socket);
    const conn = new Connection(socket, 'inbound', this.#connEvents, this.options.attributeCache);
    if ((s.name === 'Connect' || s.name === 'Active') && !s.delayOpenRunning) {
      // Take the peer's connection; an attempt of ours still in progress is abandoned.
      this.#conn?.destroy();
      this.#connecting = false;
      this.#conn = conn;
      this.#dispatch({ type: 'TcpConnectionConfirmed' });
      return;
    }
    if (s.name === 'Established') {
      // RFC 4271 6.8: a collision with an Established session closes the new connection.
      conn.send(CEASE_COLLISION);
      conn.close();
      return;
    }
    // OpenSent / OpenConfirm (or DelayOpen): keep it until its OPEN says which one survives.
    this.#pending?.destroy();
    this.#pending = conn;
    conn.send(this.#ourOpenBytes);
    conn.sentOpenFrame = this.#ourOpenBytes;
    conn.openSent = true;
  }

  #applyAcceptedOptions(socket: Socket): void {
    const ipv6 = isIPv6(this.options.remoteAddress);
    const { ttl, minTtl } = ttlOf(this.options);
    try {
      const fd = fdOf(socket);
      setTtl(fd, ipv6, ttl);
      if (minTtl !== undefined) setMinTtl(fd, ipv6, minTtl);
    } catch {
      // No fd (a test socket pair) or no koffi: the connection proceeds with the system's TTL.
    }
  }

  // --- the event loop of the FSM ------------------------------------------------------------------

  #dispatch(e: FsmEvent): void {
    const from = this.#state;
    const { state, actions } = transition(from, e, this.#fsm);
    this.#state = state;
    if (from.name !== state.name) this.#events.stateChange?.(from.name, state.name);
    for (const a of actions) this.#perform(a);
  }

  #perform(a: FsmAction): void {
    switch (a.type) {
      case 'start-timer': return this.#startTimer(a.timer, a.seconds, a.jitter ?? false);
      case 'stop-timer': return this.#stopTimer(a.timer);
      case 'connect': return this.#connect();
      case 'disconnect': {
        this.#conn?.close();
        this.#conn = undefined;
        // A handshake abandoned at the connect-retry time is a failure too.
        if (this.#connecting && this.#state.name !== 'Idle') this.#connectFailed('timeout');
        this.#connecting = false;
        if (this.#state.name === 'Idle') {
          this.#pending?.close();
          this.#pending = undefined;
        }
        return;
      }
      case 'send-open':
        if (this.#conn && !this.#conn.openSent) {
          this.#conn.send(this.#ourOpenBytes);
          this.#conn.sentOpenFrame = this.#ourOpenBytes;
          this.#conn.openSent = true;
          this.#sent.open++;
        }
        return;
      case 'send-keepalive':
        this.#conn?.send(KEEPALIVE);
        this.#sent.keepalive++;
        return;
      case 'send-notification': {
        // No connection (abandoned, or never made): nothing is sent, nothing is counted.
        if (!this.#conn) return;
        const n: NotificationMessage = { type: 'notification', code: a.code, subcode: a.subcode, data: a.data };
        this.#conn.send(encodeNotification(n));
        this.#sent.notification++;
        this.#lastSent = n;
        this.#events.notification?.('sent', n);
        return;
      }
      case 'established': {
        this.#establishedAt = this.#clock.now();
        this.#conn?.setReceiveContext(a.negotiated.rx);
        this.#events.established?.(a.negotiated);
        return;
      }
      case 'down': {
        this.#lastDownReason = a.reason;
        this.#lastDownAt = this.#clock.now();
        if (a.wasEstablished) this.#flaps++;
        const uptimeMs = a.wasEstablished && this.#establishedAt !== null ? this.#lastDownAt - this.#establishedAt : 0;
        this.#establishedAt = null;
        this.#liveness.reset();
        this.#events.down?.(a.reason, a.wasEstablished, uptimeMs);
        return;
      }
      case 'deliver':
        this.#events.message?.(a.message, this.#frame);
        return;
      default: {
        const never: never = a;
        throw new Error(`unknown action ${JSON.stringify(never)}`);
      }
    }
  }

  #startTimer(name: TimerName, seconds: number, jitter: boolean): void {
    const s = jitter ? withJitter(seconds, () => this.#clock.random()) : seconds;
    // The hold timer restarts on every message received: move its deadline instead of re-creating
    // a timer per UPDATE; the running timer re-arms itself for the rest when it fires early.
    const deadline = this.#clock.now() + s * 1000;
    if (name === 'hold' && this.#timers.has('hold') && deadline >= this.#holdFiresAt) {
      this.#holdDeadline = deadline;
      return;
    }
    this.#stopTimer(name);
    if (name === 'hold') this.#holdDeadline = deadline;
    this.#arm(name, s * 1000);
  }

  /** When the hold timer must expire, and when its armed timer fires (never later than that). */
  #holdDeadline = 0;
  #holdFiresAt = 0;

  #arm(name: TimerName, ms: number): void {
    if (name === 'hold') this.#holdFiresAt = this.#clock.now() + ms;
    const h = this.#clock.setTimeout(() => {
      if (this.#timers.get(name) !== h) return;
      this.#timers.delete(name);
      if (name === 'hold') {
        const left = this.#holdDeadline - this.#clock.now();
        if (left > 0) return this.#arm(name, left);
      }
      this.#dispatch(TIMER_EVENTS[name]);
    }, ms);
    this.#timers.set(name, h);
  }

  #stopTimer(name: TimerName): void {
    const h = this.#timers.get(name);
    if (h) this.#clock.clearTimeout(h);
    this.#timers.delete(name);
  }

  #connect(): void {
    // A new attempt while the last one's handshake never completed: that one timed out.
    if (this.#connecting) this.#connectFailed('timeout');
    this.#conn?.destroy();
    let socket: Socket;
    try {
      socket = this.#connectFn(this);
    } catch (e) {
      this.#conn = undefined;
      this.#connectFailed((e as NodeJS.ErrnoException).code ?? 'error');
      queueMicrotask(() => this.#dispatch({ type: 'TcpConnectionFails' }));
      return;
    }
    const conn = new Connection(socket, 'outbound', this.#connEvents, this.options.attributeCache);
    this.#conn = conn;
    this.#connecting = true;
    socket.once('connect', () => {
      if (this.#conn !== conn) return;
      this.#connecting = false;
      this.#dispatch({ type: 'Tcp_CR_Acked' });
    });
    // Before the Connection's own error handler: that one closes the connection, and the FSM's
    // disconnect would otherwise report a refused connect as a handshake that timed out.
    socket.prependOnceListener('error', (e: NodeJS.ErrnoException) => {
      if (this.#conn !== conn || !this.#connecting) return;
      this.#connecting = false;
      this.#connectFailed(e.code ?? 'error');
    });
  }

  /** An outgoing connection attempt whose handshake is under way. */
  #connecting = false;
  #connectFailures = 0;

  #connectFailed(reason: string): void {
    this.#connectFailures++;
    this.#events.connectFailed?.(reason);
  }

  readonly #connEvents = {
    message: (conn: Connection, msg: BgpMessage, frame: Buffer) => this.#onMessage(conn, msg, frame),
    protocolError: (conn: Connection, err: BgpProtocolError, frame: Buffer | undefined) => this.#onProtocolError(conn, err, frame),
    closed: (conn: Connection) => {
      if (conn === this.#pending) this.#pending = undefined;
      else if (conn === this.#conn && this.#pending && this.#inOpenExchange()) this.#adoptPending();
      else if (conn === this.#conn) this.#dispatch({ type: 'TcpConnectionFails' });
    },
    drained: (conn: Connection) => {
      if (conn !== this.#conn) return;
      this.#stopTimer('sendHold');
      if (this.writable) this.#events.writable?.();
    },
  };

  #onProtocolError(conn: Connection, err: BgpProtocolError, frame: Buffer | undefined): void {
    this.#events.wireError?.(err, frame);
    const error = { code: err.code, subcode: err.subcode, data: err.data };
    if (conn === this.#pending) {
      conn.send(encodeNotification({ type: 'notification', ...error }));
      conn.close();
      this.#pending = undefined;
      return;
    }
    if (conn !== this.#conn) return;
    if (err.code === ErrorCode.MESSAGE_HEADER) this.#dispatch({ type: 'BGPHeaderErr', error });
    else if (err.code === ErrorCode.OPEN_MESSAGE) this.#dispatch({ type: 'BGPOpenMsgErr', error });
    else this.#dispatch({ type: 'UpdateMsgErr', error });
  }

  #onMessage(conn: Connection, msg: BgpMessage, frame: Buffer): void {
    this.#liveness.message(this.#clock.now());
    if (msg.type === 'open') {
      conn.peerOpen = msg;
      conn.peerOpenFrame = frame;
    }
    if (conn === this.#pending) return this.#pendingMessage(conn, msg);
    if (conn !== this.#conn) return;
    this.#received[msg.type]++;
    this.#frame = frame;
    try {
      this.#feed(msg);
    } catch (e) {
      // A failure while handling this peer's input resets this peer only (the process carries on).
      this.#dispatch({ type: 'AutomaticStop', subcode: 0, reason: 'internal-error', message: (e as Error).message?.slice(0, 200) });
    } finally {
      this.#frame = undefined;
    }
  }

  #feed(msg: BgpMessage): void {
    switch (msg.type) {
      case 'open':
        if (this.#pending && this.#resolveCollision()) return;
        this.#dispatch({ type: 'BGPOpen', open: msg });
        if (this.#state.negotiated) this.#conn?.setReceiveContext(this.#state.negotiated.rx);
        return;
      case 'keepalive':
        this.#liveness.keepalive(this.#clock.now());
        return this.#dispatch({ type: 'KeepAliveMsg' });
      case 'update': return this.#dispatch({ type: 'UpdateMsg', update: msg });
      case 'route-refresh': return this.#dispatch({ type: 'RouteRefreshMsg', refresh: msg });
      case 'notification':
        this.#lastReceived = msg;
        this.#events.notification?.('received', msg);
        // The peer settled a collision against this connection: carry on with the other one.
        if (this.#pending && this.#inOpenExchange() && msg.code === ErrorCode.CEASE && msg.subcode === CeaseSubcode.CONNECTION_COLLISION_RESOLUTION) {
          this.#conn?.close();
          this.#events.collision?.(this.#pending.direction);
          return this.#adoptPending();
        }
        if (msg.code === ErrorCode.OPEN_MESSAGE && msg.subcode === 1) return this.#dispatch({ type: 'NotifMsgVerErr', notification: msg });
        return this.#dispatch({ type: 'NotifMsg', notification: msg });
    }
  }

  /** Messages on the second connection: its OPEN decides the collision; anything else waits or ends it. */
  #pendingMessage(conn: Connection, msg: BgpMessage): void {
    if (msg.type === 'open') {
      if (this.#inOpenExchange()) {
        this.#resolveCollision();
      } else {
        // RFC 4271 6.8: a collision with an Established session closes the new connection.
        conn.send(CEASE_COLLISION);
        conn.close();
        this.#pending = undefined;
      }
      return;
    }
    if (msg.type === 'notification') {
      conn.close();
      this.#pending = undefined;
    }
  }

  /**
   * RFC 4271 6.8, when an OPEN arrives on either connection while there are two: the rules in
   * collisionWinner() pick the survivor, the other gets Cease / Connection Collision Resolution.
   * Returns true when the pending connection won and the FSM now runs on it (the caller must not
   * feed that OPEN again).
   */
  #resolveCollision(): boolean {
    const pending = this.#pending;
    const current = this.#conn;
    if (!pending || !current) return false;
    const remoteId = (pending.peerOpen ?? current.peerOpen)?.bgpId ?? 0;
    const o = this.options.open;
    const side = (c: Connection) => ({ direction: c.direction, openReceived: c.peerOpen !== undefined });
    const winner = collisionWinner(side(current), side(pending), o.routerId, remoteId, o.localAs, this.#peerAsHint());
    if (winner === undefined) return false;
    this.#events.collision?.(winner === 'current' ? current.direction : pending.direction);
    if (winner === 'current') {
      pending.send(CEASE_COLLISION);
      pending.close();
      this.#pending = undefined;
      return false;
    }
    current.send(CEASE_COLLISION);
    current.close();
    this.#adoptPending();
    return true;
  }

  /** The FSM continues on the pending connection, from OpenSent (our OPEN went out on it). */
  #adoptPending(): void {
    const pending = this.#pending!;
    this.#conn = pending;
    this.#pending = undefined;
    this.#dispatch({ type: 'CollisionAdopt' });
    if (pending.peerOpen) {
      this.#dispatch({ type: 'BGPOpen', open: pending.peerOpen });
      if (this.#state.negotiated) pending.setReceiveContext(this.#state.negotiated.rx);
    }
  }

  #inOpenExchange(): boolean {
    return this.#state.name === 'OpenSent' || this.#state.name === 'OpenConfirm';
  }

  #peerAsHint(): number {
    const r = this.options.open.remoteAs;
    return typeof r === 'number' ? r : (this.#conn?.peerOpen?.myAs ?? 0);
  }

  // --- read model -------------------------------------------------------------------------------

  snapshot(): SessionSnapshot {
    const c = this.#conn;
    const now = this.#clock.now();
    return {
      state: this.#state.name,
      enabled: this.#state.enabled,
      negotiated: this.#state.negotiated,
      establishedAtMs: this.#establishedAt,
      lastDownReason: this.#lastDownReason,
      lastDownAtMs: this.#lastDownAt,
      lastNotificationSent: this.#lastSent,
      lastNotificationReceived: this.#lastReceived,
      flaps: this.#flaps,
      failures: this.#state.connectRetryCounter,
      connectFailures: this.#connectFailures,
      sent: { ...this.#sent },
      received: { ...this.#received },
      liveness: this.#liveness.snapshot(now, this.#state.name === 'Established' ? (this.#state.negotiated?.holdTime ?? 0) : 0),
      connection: c && !c.closed ? { direction: c.direction, localAddress: c.socket.localAddress, localPort: c.socket.localPort, remotePort: c.socket.remotePort } : undefined,
    };
  }

  /** Timers running now (leak checks). */
  get activeTimers(): readonly TimerName[] {
    return [...this.#timers.keys()];
  }
}

const CEASE_COLLISION = encodeNotification({ type: 'notification', code: ErrorCode.CEASE, subcode: CeaseSubcode.CONNECTION_COLLISION_RESOLUTION, data: Buffer.alloc(0) });

const KEEPALIVE = encodeMessage({ type: 'keepalive' }, { as4: true, extendedMessage: false, addPath: new Set() })[0];

const TIMER_EVENTS: Record<TimerName, FsmEvent> = {
  connectRetry: { type: 'ConnectRetryTimer_Expires' },
  hold: { type: 'HoldTimer_Expires' },
  keepalive: { type: 'KeepaliveTimer_Expires' },
  delayOpen: { type: 'DelayOpenTimer_Expires' },
  idleHold: { type: 'IdleHoldTimer_Expires' },
  sendHold: { type: 'SendHoldTimer_Expires' },
  stable: { type: 'StableTimer_Expires' },
};

/** Opens the outgoing TCP connection with the neighbor's socket options set before the SYN. */
function defaultConnect(s: Session): Socket {
  const o = s.options;
  // An unnumbered neighbor not heard yet: nowhere to go (and an empty host would mean localhost).
  if (!o.remoteAddress) throw Object.assign(new Error('no address to connect to yet'), { code: 'no-address' });
  const fd = createTcpSocket({ remoteAddress: o.remoteAddress, localAddress: o.localAddress, localPort: o.localPort, password: o.password, ...ttlOf(o) });
  // net.Socket passes stream options on (its own type does not list them).
  const options: SocketConstructorOpts & DuplexOptions = { fd, readable: true, writable: true, writableHighWaterMark: SEND_QUEUE_OCTETS };
  const socket = new Socket(options);
  socket.connect(o.remotePort ?? 179, o.remoteAddress);
  return socket;
}

/**
 * The TTL (hop limit) we send with and the least we accept, one rule for both directions. GTSM
 * (RFC 5082): send 255, accept 256 - hops or more. Otherwise RFC 4271's usual: 1 for eBGP (one
 * hop, unless ebgpMultihop sets it), 255 for iBGP, and no check on what arrives.
 */
export function ttlOf(o: Pick<SessionOptions, 'ttlSecurityHops' | 'ttl' | 'open'>): { ttl: number; minTtl: number | undefined } {
  if (o.ttlSecurityHops !== undefined) return { ttl: 255, minTtl: 256 - o.ttlSecurityHops };
  const ibgp = o.open.remoteAs === 'internal' || o.open.remoteAs === o.open.localAs;
  return { ttl: o.ttl ?? (ibgp ? 255 : 1), minTtl: undefined };
}
