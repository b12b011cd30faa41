// Neighbors: the summary (FRR's `show bgp summary json`) and one neighbor in detail (`show bgp
// neighbors ADDRESS json`).

import { DOWN_REASONS, type StateName } from '../../fsm/index.js';
import { BfdSession } from './bfd.js';
import { Closed, FamilyName, Nullable, Time, Type, type Static } from './common.js';

const STATES = ['Idle', 'Connect', 'Active', 'OpenSent', 'OpenConfirm', 'Established'] as const satisfies readonly StateName[];
export const SessionState = Type.Enum(STATES, { description: 'RFC 4271 8.2.2' });
const DownReason = Nullable(Type.Enum(DOWN_REASONS), { description: 'why the session last went down' });
const RemoteAs = Type.Union([Type.Integer(), Type.Enum(['external', 'internal'])], { description: 'as negotiated, else as configured' });
const Rfc8212 = Closed({ importBlocked: Type.Boolean(), exportBlocked: Type.Boolean() }, { description: 'directions RFC 8212 blocks for an eBGP neighbor without policy' });

export const SummaryPeer = Closed({
  remoteAs: RemoteAs,
  localAs: Type.Integer(),
  description: Nullable(Type.String()),
  peerGroup: Nullable(Type.String()),
  dynamic: Type.Boolean({ description: 'accepted from a listen range' }),
  state: SessionState,
  adminShutdown: Type.Boolean(),
  peerUptimeMsec: Type.Integer(),
  msgRcvd: Type.Integer(),
  msgSent: Type.Integer(),
  pfxRcd: Type.Integer(),
  pfxSnt: Type.Integer(),
  outQueue: Type.Integer({ description: 'prefixes waiting to be sent' }),
  connectionsDropped: Type.Integer(),
  lastDownReason: DownReason,
  lastDownMsec: Nullable(Type.Integer(), { description: 'since the session last went down; null: it never did' }),
  families: Type.Record(Type.String(), Closed({ pfxRcd: Type.Integer(), pfxSnt: Type.Integer() }), { description: 'per negotiated family' }),
  rfc8212: Rfc8212,
  bfdState: Nullable(Type.String()),
});
export type SummaryPeer = Static<typeof SummaryPeer>;

const PerFamily = Type.Record(Type.String(), Type.Integer());
const MessageCounts = Closed({ open: Type.Integer(), update: Type.Integer(), notification: Type.Integer(), keepalive: Type.Integer(), 'route-refresh': Type.Integer() });

export const Summary = Closed({
  routerId: Type.String(),
  as: Type.Integer(),
  uptimeMsec: Type.Integer(),
  ribCount: PerFamily,
  pathCount: PerFamily,
  attributeSets: Type.Integer(),
  fib: Nullable(Closed({
    table: Type.Integer(),
    restarting: Type.Boolean({ description: 'kernel routes of the last run kept until convergence' }),
    installed: Closed({ ipv4: Type.Integer(), ipv6: Type.Integer() }),
    pending: Type.Integer({ description: 'changes not yet written to the kernel' }),
    errors: Type.Integer({ description: 'changes the kernel refused' }),
    batches: Type.Integer(),
    staleKernelRoutes: Type.Integer({ description: 'routes of the last run not yet confirmed' }),
    restored: Type.Integer({ description: 'our routes others removed, put back' }),
  }, { description: 'kernel routes (null: not installing)' })),
  totalPeers: Type.Integer(),
  establishedPeers: Type.Integer(),
  peers: Type.Record(Type.String(), SummaryPeer),
});
export type Summary = Static<typeof Summary>;

export const Notification = Closed({
  code: Type.Integer(),
  subcode: Type.Integer(),
  name: Type.String({ description: 'as FRR names it ("Cease/Administrative Shutdown")' }),
  communication: Nullable(Type.String({ description: 'the RFC 9003 shutdown communication' })),
  data: Type.String({ description: 'the data field in hex' }),
});
export type Notification = Static<typeof Notification>;

const FamilyCapabilities = Closed({
  addPath: Closed({ send: Type.Boolean(), receive: Type.Boolean() }, { description: 'RFC 7911' }),
  gracefulRestart: Nullable(Closed({ forwarding: Type.Boolean() }), { description: 'RFC 4724, per family' }),
  extendedNextHop: Type.Boolean({ description: 'IPv4 routes over IPv6 next hops (RFC 8950)' }),
  longLivedStaleTime: Nullable(Type.Integer({ minimum: 1 }), { description: 'RFC 9494, both sides: seconds its routes are kept past its restart time (its value, at most ours)' }),
});

export const Capabilities = Closed({
  families: Type.Array(FamilyName),
  fourOctetAs: Type.Boolean(),
  routeRefresh: Type.Boolean(),
  enhancedRouteRefresh: Type.Boolean(),
  extendedMessage: Type.Boolean(),
  gracefulRestart: Nullable(Closed({ restartTime: Type.Integer(), restartState: Type.Boolean(), notification: Type.Boolean() })),
  byFamily: Type.Record(Type.String(), FamilyCapabilities),
  hostname: Nullable(Type.String()),
  received: Type.Array(Type.String(), { description: 'every capability the neighbor sent, by name' }),
}, { description: 'as negotiated (null before OpenConfirm)' });

const Unnumbered = Nullable(Closed({
  interface: Type.String(),
  neighborAddress: Nullable(Type.String({ description: 'its link-local address as learned (null: not heard yet)' })),
  advertisements: Closed({ sent: Type.Integer(), heard: Type.Integer(), invalid: Type.Integer({ description: 'refused (RFC 4861 6.1.2)' }) }, { description: 'router advertisements on the link' }),
  otherSources: Type.Integer({ description: 'advertisements from other link-local sources, ignored' }),
  addressChanges: Type.Integer(),
}), { description: 'an interface (unnumbered) neighbor\'s link; null for a neighbor with an address' });

export const Neighbor = Closed({
  address: Type.String({ description: 'its address, or for an unnumbered neighbor its interface' }),
  unnumbered: Unnumbered,
  description: Nullable(Type.String()),
  peerGroup: Nullable(Type.String()),
  dynamic: Type.Boolean(),
  remoteAs: RemoteAs,
  localAs: Type.Integer(),
  type: Nullable(Type.Enum(['internal', 'external'])),
  state: SessionState,
  adminShutdown: Type.Boolean(),
  establishedAt: Nullable(Time),
  connection: Nullable(Closed({
    direction: Type.Enum(['inbound', 'outbound']),
    localAddress: Type.Optional(Type.String()),
    localPort: Type.Optional(Type.Integer()),
    remotePort: Type.Optional(Type.Integer()),
  })),
  remoteRouterId: Nullable(Type.String()),
  timers: Closed({ holdTimeConfigured: Type.Integer(), holdTime: Nullable(Type.Integer()), keepaliveTime: Nullable(Type.Integer()) }),
  capabilities: Nullable(Capabilities),
  messages: Closed({ sent: MessageCounts, received: MessageCounts }, { description: 'messages by type' }),
  prefixes: Nullable(Closed({ received: PerFamily, advertised: PerFamily, pending: Type.Integer() })),
  liveness: Closed({
    lastKeepaliveReceivedMs: Nullable(Type.Number()),
    lastMessageReceivedMs: Nullable(Type.Number()),
    keepalivesReceived: Type.Integer(),
    interArrivalMs: Nullable(Closed({ mean: Type.Number(), min: Type.Number(), max: Type.Number(), stddev: Type.Number() })),
    missedKeepalives: Type.Integer(),
    holdExpiresInMs: Nullable(Type.Number()),
  }),
  bfd: Nullable(BfdSession),
  policy: Closed({
    import: Nullable(Type.String()),
    export: Nullable(Type.String()),
    rfc8212: Rfc8212,
    softReconfigurationInbound: Type.Boolean(),
    maxPrefix: Type.Unknown({ description: 'as configured (one limit, or one per family); null: none' }),
    gracefulShutdown: Type.Boolean(),
  }),
  flaps: Type.Integer(),
  connectFailures: Type.Integer(),
  connectRetryCounter: Type.Integer(),
  lastDownReason: DownReason,
  lastDownAt: Nullable(Time),
  lastNotificationSent: Nullable(Notification),
  lastNotificationReceived: Nullable(Notification),
});
export type Neighbor = Static<typeof Neighbor>;

export const Neighbors = Closed({ neighbors: Type.Array(Neighbor) });
export type Neighbors = Static<typeof Neighbors>;
