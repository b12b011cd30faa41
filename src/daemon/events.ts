// What the daemon reports as it runs: logs, metrics and tests subscribe to these events.

import type { BfdStateChange } from '../bfd/index.js';
import type { StateName } from '../fsm/index.js';
import type { AttributeError, BgpProtocolError, NotificationMessage } from '../wire/index.js';
import type { RefusedReason } from './dynamic.js';
import type { RibDump } from './mrt-dump.js';

/** What the daemon reports as it runs (logs, metrics and tests subscribe). */
export interface DaemonEvents {
  sessionState?(neighbor: string, from: StateName, to: StateName): void;
  /**
   * The session went to Idle. `uptimeMs`: how long it had been Established (0: it never got
   * there, a failed attempt); `notification`: the one that ended it, sent or received.
   */
  sessionDown?(neighbor: string, reason: string, detail: SessionDownDetail): void;
  /** A neighbor crossed its max-prefix warning threshold, or its limit (and was torn down unless warning-only). */
  maxPrefix?(neighbor: string, afi: string, count: number, limit: number, action: 'warning' | 'teardown'): void;
  notification?(neighbor: string, direction: 'sent' | 'received', n: NotificationMessage): void;
  /** A malformed message from a neighbor, with its octets when known. */
  wireError?(neighbor: string, err: BgpProtocolError, frame: Buffer | undefined): void;
  /** Time spent applying one UPDATE to the RIB, in seconds. */
  updateApplied?(seconds: number): void;
  neighborAdded?(neighbor: string, dynamic: boolean): void;
  neighborRemoved?(neighbor: string): void;
  /** Something an operator should know (RFC 8212 default applied, dynamic range full, ...). */
  notice?(neighbor: string | undefined, message: string): void;
  /** A neighbor's BFD session changed state (detected in the BFD worker at `change.at`). */
  bfdState?(neighbor: string, change: BfdStateChange): void;
  /** A BFD session could not start, or BFD could not check the TTL. */
  bfdError?(neighbor: string | undefined, message: string): void;
  /** A route too large for a neighbor's UPDATEs was not sent to it (RFC 8654 4); `octets` it would need, `max` it takes. */
  routeUnsendable?(neighbor: string, prefix: string, octets: number, max: number): void;
  /** An outgoing TCP connection to a neighbor failed (errno code, or 'timeout' for a handshake that never completed). */
  connectFailed?(neighbor: string, reason: string, dynamic: boolean): void;
  /** RFC 7606: an UPDATE's routes were withdrawn (treat-as-withdraw) or attributes dropped (attribute-discard). */
  updateErrors?(neighbor: string, action: 'treat-as-withdraw' | 'attribute-discard', errors: readonly AttributeError[], dynamic: boolean): void;
  /** A connection was refused: its source is no neighbor, or its dynamic range is full. */
  connectionRefused?(source: string, reason: RefusedReason): void;
  /** The RIB could not grow to hold a neighbor's routes (an allocation failed, or V8's heap is near its limit): its session ends as max-prefix ends it. */
  ribFull?(neighbor: string, afi: string, count: number, message: string): void;
  /** Generating a neighbor's output failed; its session is ended (Cease), no other is touched. */
  outputFailed?(neighbor: string, message: string): void;
  /** The kernel refused a route (errno), or the netlink socket failed (prefix undefined). */
  fibError?(prefix: string | undefined, errno: number, message: string): void;
  /** One of our kernel routes was removed by someone else (another process, `ip route del`); it is installed again. */
  fibRestored?(prefix: string): void;
  /** Kernel routes of an earlier run found at start, and the ones removed when reconciled. */
  fibStarted?(kept: number, restarting: boolean): void;
  fibReconciled?(removed: number, reason: 'start' | 'end-of-rib' | 'timer'): void;
  /** A tracked next hop resolves differently (`via` the route, or why it does not); `routes` prefixes were selected again. */
  nexthopChanged?(nexthop: string, reachable: boolean, via: string, metric: number, routes: number): void;
  /**
   * An unnumbered neighbor's link: its address learned, changed or ignored, the interface up or
   * down, an advertisement refused, router advertisements failing (`kind` names which).
   */
  linkNeighbor?(neighbor: string, level: 'info' | 'warn', kind: string, message: string): void;
  /** A timed RIB dump (mrt.ribInterval) was written, or could not be. */
  ribDumped?(dump: RibDump): void;
  ribDumpFailed?(message: string): void;
  /** An RPKI cache's connection came up or went down (RFC 8210), with why. */
  rpkiConnection?(cache: string, up: boolean, reason?: string): void;
  /** The VRPs changed and routes were judged again: how many ROA prefixes changed ('all': every route), refreshes asked. */
  rpkiRevalidated?(changed: number | 'all', routeRefreshes: number): void;
  /** A BMP collector connected, was lost, sent data, or fell too far behind. */
  bmp?(collector: string, level: 'info' | 'warn', message: string): void;
  /** The MRT update log completed a file, dropped records or could not write. */
  mrtUpdates?(level: 'info' | 'warn', message: string): void;
}

export interface SessionDownDetail {
  readonly wasEstablished: boolean;
  readonly uptimeMs: number;
  readonly notification?: { readonly direction: 'sent' | 'received'; readonly message: NotificationMessage };
  readonly dynamic: boolean;
}
