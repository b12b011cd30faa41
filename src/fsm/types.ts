// Session layer vocabulary: RFC 4271 section 8 states and events, the actions the pure transition
// function asks its driver to perform, and the closed set of session-down reasons.
// Must not import rib, api, daemon, pino or prom-client.

import type { NotificationMessage, OpenMessage, RouteRefreshMessage, UpdateMessage } from '../wire/index.js';
import type { NegotiatedSession } from './open-check.js';

/** RFC 4271 8.2.2 states. */
export type StateName = 'Idle' | 'Connect' | 'Active' | 'OpenSent' | 'OpenConfirm' | 'Established';

/** Named timer slots the driver owns (RFC 4271 8, RFC 9687 send hold). */
export type TimerName = 'connectRetry' | 'hold' | 'keepalive' | 'delayOpen' | 'idleHold' | 'sendHold' | 'stable';

export const TIMER_NAMES: readonly TimerName[] = ['connectRetry', 'hold', 'keepalive', 'delayOpen', 'idleHold', 'sendHold', 'stable'];

export interface ProtocolErrorInfo {
  readonly code: number;
  readonly subcode: number;
  readonly data: Buffer;
}

/** RFC 4271 8.1 events, by their RFC names (event numbers in comments). */
export type FsmEvent =
  | { readonly type: 'ManualStart'; readonly passive?: boolean } // 1, 4
  /** 2; `reason` and `data` for stops the daemon makes on a peer's account (max-prefix). */
  | { readonly type: 'ManualStop'; readonly subcode?: number; readonly message?: string; readonly reason?: DownReason; readonly data?: Buffer }
  | { readonly type: 'AutomaticStart'; readonly passive?: boolean } // 3, 5
  | { readonly type: 'AutomaticStop'; readonly subcode: number; readonly reason: DownReason; readonly message?: string } // 8
  | { readonly type: 'ConnectRetryTimer_Expires' } // 9
  | { readonly type: 'HoldTimer_Expires' } // 10
  | { readonly type: 'KeepaliveTimer_Expires' } // 11
  | { readonly type: 'DelayOpenTimer_Expires' } // 12
  | { readonly type: 'IdleHoldTimer_Expires' } // 13
  | { readonly type: 'SendHoldTimer_Expires' } // RFC 9687
  /** Not in RFC 4271: the session stayed Established for `stableTime`; the failure count resets. */
  | { readonly type: 'StableTimer_Expires' }
  | { readonly type: 'Tcp_CR_Acked' } // 16: our connection attempt succeeded
  | { readonly type: 'TcpConnectionConfirmed' } // 17: the peer's connection was accepted
  | { readonly type: 'TcpConnectionFails' } // 18
  | { readonly type: 'BGPOpen'; readonly open: OpenMessage } // 19, 20 (DelayOpenTimer state decides)
  | { readonly type: 'BGPHeaderErr'; readonly error: ProtocolErrorInfo } // 21
  | { readonly type: 'BGPOpenMsgErr'; readonly error: ProtocolErrorInfo } // 22
  | { readonly type: 'OpenCollisionDump' } // 23
  | { readonly type: 'NotifMsgVerErr'; readonly notification: NotificationMessage } // 24
  | { readonly type: 'NotifMsg'; readonly notification: NotificationMessage } // 25
  | { readonly type: 'KeepAliveMsg' } // 26
  | { readonly type: 'UpdateMsg'; readonly update: UpdateMessage } // 27
  | { readonly type: 'UpdateMsgErr'; readonly error: ProtocolErrorInfo } // 28
  | { readonly type: 'RouteRefreshMsg'; readonly refresh: RouteRefreshMessage } // RFC 2918 (not in RFC 4271's list)
  /** RFC 5882: the neighbor's BFD session came Up, or went from Up to Down (a path failure). */
  | { readonly type: 'BfdUp' }
  | { readonly type: 'BfdDown' }
  /**
   * RFC 4271 6.8: a collision was settled for the other connection (our OPEN went out on it): the
   * FSM carries on with that one from OpenSent. The driver's event, not in RFC 4271's list.
   */
  | { readonly type: 'CollisionAdopt' };

export type FsmEventType = FsmEvent['type'];

/** Why a session went down (or a connection attempt ended). Used unchanged in logs, API and metrics. */
export const DOWN_REASONS = [
  'admin-down',
  'admin-reset',
  'hold-timer-expired',
  'send-hold-timer-expired',
  'notification-received',
  'notification-sent',
  'connection-lost',
  'connection-failed',
  'open-error',
  'update-error',
  'header-error',
  'fsm-error',
  'collision',
  'max-prefix',
  'bfd-down',
  'peer-deconfigured',
  'config-change',
  'internal-error',
  /** An unnumbered neighbor's interface went down or away. */
  'interface-down',
] as const;
export type DownReason = (typeof DOWN_REASONS)[number];

export type FsmAction =
  | { readonly type: 'start-timer'; readonly timer: TimerName; readonly seconds: number; readonly jitter?: boolean }
  | { readonly type: 'stop-timer'; readonly timer: TimerName }
  | { readonly type: 'connect' }
  | { readonly type: 'disconnect' }
  | { readonly type: 'send-open' }
  | { readonly type: 'send-keepalive' }
  | { readonly type: 'send-notification'; readonly code: number; readonly subcode: number; readonly data: Buffer }
  | { readonly type: 'established'; readonly negotiated: NegotiatedSession }
  /** The session (or attempt) ended: routes learned on it are to be withdrawn if it was Established. */
  | { readonly type: 'down'; readonly reason: DownReason; readonly wasEstablished: boolean }
  | { readonly type: 'deliver'; readonly message: UpdateMessage | RouteRefreshMessage };

export interface SessionState {
  readonly name: StateName;
  /** RFC 4271 8: ConnectRetryCounter, also the count of consecutive failures for idle-hold backoff. */
  readonly connectRetryCounter: number;
  /** Whether the session waits for the peer to connect (passive) when started automatically. */
  readonly passive: boolean;
  /** True while the DelayOpen timer runs (RFC 4271 8.1.1 DelayOpen). */
  readonly delayOpenRunning: boolean;
  /** False after ManualStop until ManualStart: no automatic restart. */
  readonly enabled: boolean;
  /** Negotiated from the peer's OPEN; set in OpenConfirm and Established. */
  readonly negotiated?: NegotiatedSession;
  /** The neighbor's BFD session is Up (kept across sessions: it is the path's state, not BGP's). */
  readonly bfdUp: boolean;
  /**
   * BFD strict mode, OpenConfirm: our KEEPALIVE is held back until BFD is Up, and the peer's
   * KEEPALIVE, if it came meanwhile, is remembered.
   */
  readonly keepaliveHeld?: boolean;
  readonly peerKeepaliveSeen?: boolean;
}

/** Timer settings in seconds (RFC 4271 10 names where the RFC has them). */
export interface FsmTimers {
  readonly connectRetryTime: number;
  /** 0 disables DelayOpen. */
  readonly delayOpenTime: number;
  /** RFC 4271 8.2.2: the hold time used while waiting for the peer's OPEN (suggested 4 minutes). */
  readonly largeHoldTime: number;
  /** Idle-hold backoff: first delay, doubled per consecutive failure up to the maximum. */
  readonly idleHoldTime: number;
  readonly idleHoldMaxTime: number;
  /** RFC 9687: how long the session may be unable to send before it is torn down. */
  readonly sendHoldTime: number;
  /** After this long Established, the consecutive-failure count (and so the backoff) resets. */
  readonly stableTime: number;
}

/** What the transition function needs to know about the configuration. */
export interface FsmConfig extends FsmTimers {
  /**
   * BFD strict mode: the session does not reach Established until the neighbor's BFD session is
   * Up (our KEEPALIVE waits in OpenConfirm, as draft-ietf-idr-bgp-bfd-strict-mode describes).
   */
  readonly bfdStrict?: boolean;
  /** Checks a received OPEN and negotiates, or returns the NOTIFICATION to send. */
  readonly checkOpen: (open: OpenMessage) => { ok: true; negotiated: NegotiatedSession } | { ok: false; error: ProtocolErrorInfo };
}
