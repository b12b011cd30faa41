// Routes and paths: one path shape for the Loc-RIB, a neighbor's received/accepted/advertised
// views and the event stream (FRR's `show bgp ipv4 unicast [PREFIX] json` holds the same facts).

import type { TSchema } from 'typebox';
import { Closed, Nullable, Type, type Static } from './common.js';

const Strings = Type.Array(Type.String());

export const ExtendedCommunity = Closed({
  type: Type.String({ description: 'route-target, route-origin, link-bandwidth or unknown' }),
  value: Type.Optional(Type.String({ description: 'as FRR writes it (ASN:value, address:value)' })),
  hex: Type.String({ description: 'the eight octets' }),
});

export const UnknownAttribute = Closed({
  type: Type.Integer(),
  name: Type.String(),
  flags: Type.Integer(),
  value: Type.String({ description: 'the value as received, in hex' }),
});

/** What every path shape tells of its attributes. */
const attributes = {
  asPath: Type.String({ description: 'AS_PATH as text; sets in braces' }),
  origin: Type.Enum(['igp', 'egp', 'incomplete']),
  med: Nullable(Type.Integer()),
  localPref: Nullable(Type.Integer()),
  weight: Type.Integer({ description: 'local to this router (route-map `set weight`)' }),
  communities: Strings,
  largeCommunities: Strings,
};

/** One path as received (from a neighbor, or originated here). */
export const Path = Closed({
  from: Type.String({ description: 'the neighbor address, or "local"/"aggregate" for our own' }),
  peerAs: Nullable(Type.Integer()),
  pathId: Type.Integer({ description: 'ADD-PATH path identifier (RFC 7911); 0 without' }),
  nextHop: Type.String({ description: '"self" for our own address' }),
  ...attributes,
  originatorId: Nullable(Type.String()),
  clusterList: Strings,
  atomicAggregate: Type.Boolean(),
  aggregator: Nullable(Closed({ asn: Type.Integer(), address: Type.String() })),
  extendedCommunities: Type.Array(ExtendedCommunity),
  unknownAttributes: Type.Array(UnknownAttribute, { description: 'attributes not interpreted here, as received (optional transitive ones are passed on)' }),
  stale: Type.Boolean({ description: 'kept through the neighbor\'s graceful restart (RFC 4724)' }),
  lastUpdate: Type.String({ format: 'date-time', description: 'when this path was last received or changed' }),
});
export type Path = Static<typeof Path>;

/** A Loc-RIB path with the decision's outcome. */
export const RankedPath = Closed({
  ...Path.properties,
  best: Type.Boolean(),
  multipath: Type.Boolean({ description: 'in the ECMP set with the best path' }),
  lostOn: Nullable(Type.String({ description: 'the decision step (RFC 4271 9.1.2.2) this path lost on against the best' })),
  rpki: Nullable(Type.Enum(['valid', 'invalid', 'notfound'], { description: 'RFC 6811 origin validation state now; null without RPKI caches' })),
  nexthop: Nullable(Closed({
    accessible: Type.Boolean({ description: 'the next hop resolves (RFC 4271 9.1.2.1); a path whose next hop does not is never best' }),
    metric: Nullable(Type.Integer({ description: 'IGP cost to the next hop: the resolving kernel route\'s metric, 0 when connected (decision step igp-cost)' })),
    via: Type.String({ description: 'the route it resolves through, or why it does not' }),
  }, { description: 'next-hop tracking\'s view of the next hop (FRR\'s `show bgp nexthop`); null when next hops are not tracked' })),
});
export type RankedPath = Static<typeof RankedPath>;

/** A path as sent to a neighbor: its attributes after export policy. */
export const SentPath = Closed({
  from: Type.Literal('self'),
  nextHop: Nullable(Type.String()),
  ...attributes,
  extendedCommunities: Type.Array(ExtendedCommunity),
  stale: Type.Boolean(),
});
export type SentPath = Static<typeof SentPath>;

const pathsNotShown = Type.Optional(Type.Integer({ description: 'paths beyond the 256 listed' }));

export const Route = Closed({ prefix: Type.String(), paths: Type.Array(RankedPath), pathsNotShown });
export type Route = Static<typeof Route>;
/** One prefix asked for exactly: also the neighbors its best path was sent to. */
export const RouteDetail = Closed({ ...Route.properties, advertisedTo: Type.Optional(Type.Array(Type.String())) });
export type RouteDetail = Static<typeof RouteDetail>;
export const ReceivedRoute = Closed({ prefix: Type.String(), paths: Type.Array(Path), pathsNotShown });
export const AdvertisedRoute = Closed({
  prefix: Type.String(),
  paths: Type.Array(SentPath),
  attributes: Nullable(Type.Record(Type.String(), Type.Unknown()), { description: 'the attributes as the wire codec writes them (`nodebgp decode`)' }),
});

/** A page: at most `limit` items and 4 MiB; `next` is the cursor of the next page (null: the last). */
const page = <T extends TSchema>(item: T) => Closed({ items: Type.Array(item), next: Nullable(Type.String()) });
export const RoutePage = page(RouteDetail);
export type RoutePage = Static<typeof RoutePage>;
export const NeighborRoutePage = Type.Union([page(ReceivedRoute), page(Route), page(AdvertisedRoute)]);
export type NeighborRoutePage = Static<typeof NeighborRoutePage>;
export type PageOf<T> = { items: T[]; next: string | null };

/** A tracked next hop, like a line of FRR's `show bgp nexthop`. */
export const TrackedNexthop = Closed({
  nexthop: Type.String(),
  connectedOnly: Type.Boolean({ description: 'from an eBGP neighbor one hop away: it must be on a connected subnet' }),
  accessible: Type.Boolean(),
  metric: Nullable(Type.Integer({ description: 'IGP cost: the resolving kernel route\'s metric, 0 when connected' })),
  via: Type.String({ description: 'the route it resolves through, or why it does not' }),
  gateways: Type.Array(Type.String(), { description: 'what the kernel forwards to for routes through it (none when connected: the next hop itself)' }),
});
export type TrackedNexthop = Static<typeof TrackedNexthop>;

export const TrackedNexthops = Closed({
  tracking: Type.Boolean({ description: 'next hops are tracked (fib.nexthopTracking, with the FIB)' }),
  nexthops: Type.Array(TrackedNexthop),
});
export type TrackedNexthops = Static<typeof TrackedNexthops>;
