// The daemon's configuration as the code uses it, after loading and defaults. Names follow FRR,
// GoBGP and Calico where they have one. (The YAML loader and its validation live beside this.)

/** Session timers in seconds (the session layer's FsmTimers, all optional here). */
export interface TimersConfig {
  readonly connectRetryTime?: number;
  readonly delayOpenTime?: number;
  readonly idleHoldTime?: number;
  readonly idleHoldMaxTime?: number;
  readonly sendHoldTime?: number;
  /** The hold time while waiting for the peer's OPEN (RFC 4271 8: the "large value", default 240 s). */
  readonly openHoldTime?: number;
}

export type AddressFamilyName = 'ipv4-unicast' | 'ipv6-unicast';

export interface NeighborConfig {
  /** The neighbor's address; for an interface neighbor, the interface's name (its name everywhere). */
  readonly address: string;
  /**
   * Unnumbered (FRR's `neighbor eth1 interface`): the neighbor is on this link, its IPv6
   * link-local address learned from router advertisements (we send ours) or its connection; IPv4
   * routes travel with IPv6 next hops (RFC 8950). Both families by default.
   */
  readonly interface?: string;
  /** A number, or 'internal' / 'external' (any AS of that kind). */
  readonly remoteAs: number | 'internal' | 'external';
  /** Our AS toward this neighbor when it differs from the global one (FRR's local-as). */
  readonly localAs?: number;
  readonly description?: string;
  readonly port?: number;
  readonly localAddress?: string;
  readonly passive?: boolean;
  readonly password?: string;
  readonly ttlSecurityHops?: number;
  readonly ebgpMultihop?: number;
  readonly holdTime?: number;
  readonly keepaliveTime?: number;
  readonly timers?: TimersConfig;
  readonly addressFamilies?: readonly AddressFamilyName[];
  readonly routeReflectorClient?: boolean;
  readonly nextHopSelf?: boolean;
  readonly allowasIn?: number;
  /**
   * RFC 8950 over an IPv6 session: accept IPv4 routes with IPv6 next hops (installed in the kernel
   * as `via inet6`). FRR's `capability extended-nexthop`.
   */
  readonly extendedNextHop?: boolean;
  /** Next hops we announce for ourselves when the session's own address is of the other family. */
  readonly nextHopIpv4?: string;
  readonly nextHopIpv6?: string;
  /** false: configured but administratively down. */
  readonly enabled?: boolean;
  /** Max-prefix, per address family (FRR's maximum-prefix): applies to each family it names, or to every family. */
  readonly maxPrefix?: MaxPrefixConfig | Partial<Record<AddressFamilyName, MaxPrefixConfig>>;
  /**
   * Graceful restart helper (RFC 4724), on by default: we advertise the capability, and keep a
   * restarting peer's routes (stale) for its restart time, then until its End-of-RIB or
   * `stalePathTime` (default 360 s). false turns it off.
   */
  readonly gracefulRestart?: boolean | {
    readonly restartTime?: number;
    readonly stalePathTime?: number;
    /** RFC 9494 (FRR `bgp long-lived-graceful-restart stale-time`): routes kept this long past the restart time, least preferred (0: off). */
    readonly longLivedStaleTime?: number;
  };
  /** RFC 8326: drain the neighbor by sending every route with GRACEFUL_SHUTDOWN before maintenance. */
  readonly gracefulShutdown?: boolean;
  /** Route-map names applied to what we accept from and send to this neighbor. */
  readonly importPolicy?: string;
  readonly exportPolicy?: string;
  /**
   * Keep what the neighbor sent before import policy (FRR's soft-reconfiguration inbound): a policy
   * change is applied from memory, and the API shows the pre-policy routes. Without it a policy
   * change asks the neighbor to resend (ROUTE-REFRESH).
   */
  readonly softReconfigurationInbound?: boolean;
  /**
   * RFC 7911 ADD-PATH for the neighbor's families: receive several paths per prefix, and send all
   * paths or the best N (route reflectors give clients their ECMP paths this way).
   */
  readonly addPath?: {
    readonly receive?: boolean;
    readonly send?: 'all' | number;
    /** Paths per prefix accepted from the neighbor (default 64); a new path identifier beyond them is refused. */
    readonly maxPathsPerPrefix?: number;
  };
  /**
   * BFD (RFC 5880/5881) for this neighbor: true for the defaults (300 ms x 3, as FRR), or the
   * settings. Its Down tears the session down at once (Cease / BFD Down, RFC 9384).
   */
  readonly bfd?: boolean | BfdConfig;
  /** The peer group this neighbor inherited from (display only). */
  readonly peerGroup?: string;
  /**
   * RFC 4271 6.3: an eBGP neighbor's routes must have its own AS first in AS_PATH (as FRR's
   * enforce-first-as, on by default); others are treat-as-withdraw (RFC 7606 7.2). A route server
   * that does not prepend needs false.
   */
  readonly enforceFirstAs?: boolean;
  /** Routes whose next hop is not the neighbor's own address are refused: a node announces routes through itself only. */
  readonly enforceNextHop?: boolean;
  /**
   * A prefix-list of prefixes that are first come, first served among the neighbors of this peer
   * group: once one of them holds such a prefix, another's route for it, or for anything inside
   * it, is refused (pod CIDRs: one node each).
   */
  readonly exclusivePrefixes?: string;
}

/** BFD settings, FRR's names: intervals in milliseconds. */
export interface BfdConfig {
  readonly enabled?: boolean;
  /** Desired Min TX Interval (default 300). */
  readonly transmitInterval?: number;
  /** Required Min RX Interval (default 300). */
  readonly receiveInterval?: number;
  /** Detect Mult (default 3). */
  readonly detectMultiplier?: number;
  /** Passive role: wait for the peer's first packet (RFC 5880 6.1). */
  readonly passive?: boolean;
  /** The BGP session is not Established until BFD is Up. */
  readonly strict?: boolean;
}

/** Settings a neighbor inherits from its peer group (everything but the address). */
export type NeighborTemplate = Omit<NeighborConfig, 'address' | 'interface'>;

/** Dynamic neighbors (FRR's bgp listen range): sources in `range` get a session from `template`. */
export interface DynamicNeighborsConfig {
  /** A prefix, or 'connected': any subnet of our interfaces (a source one hop away). */
  readonly range: string;
  readonly peerGroup: string;
  readonly template: NeighborTemplate;
  /** At most this many sessions from the range (FRR's listen limit, default 100). */
  readonly limit?: number;
  /** At most this many of them not yet Established (connections that have not finished their OPEN exchange; default 10). */
  readonly maxPending?: number;
}

export interface PrefixListEntryConfig {
  readonly seq: number;
  readonly action: 'permit' | 'deny';
  readonly prefix: string;
  readonly ge?: number;
  readonly le?: number;
}

export interface CommunityListEntryConfig {
  readonly action: 'permit' | 'deny';
  /** Standard: all of these must be present. */
  readonly communities?: readonly string[];
  /** Expanded: a regular expression over the communities as text. */
  readonly regex?: string;
}

export interface RouteMapEntryConfig {
  readonly seq: number;
  readonly action: 'permit' | 'deny';
  readonly match?: {
    readonly prefixList?: string;
    readonly community?: string;
    readonly asPath?: string;
    readonly nextHopPrefixList?: string;
    readonly sourcePeer?: string;
    readonly origin?: 'igp' | 'egp' | 'incomplete';
    /** RFC 6811 origin validation state against the RPKI caches' VRPs (FRR `match rpki`). */
    readonly rpki?: 'valid' | 'invalid' | 'notfound';
  };
  readonly set?: {
    readonly localPref?: number;
    readonly metric?: number | string;
    readonly community?: readonly string[];
    readonly communityAdditive?: boolean;
    readonly communityNone?: boolean;
    readonly communityDelete?: string;
    readonly asPathPrepend?: readonly number[];
    readonly asPathPrependLastAs?: number;
    readonly nextHop?: string;
    readonly weight?: number;
    readonly origin?: 'igp' | 'egp' | 'incomplete';
    /** FRR `set extcommunity bandwidth N`: the link bandwidth community, N in Mbps (1-25600). */
    readonly linkBandwidth?: number;
    /** FRR's `non-transitive`: the community's type 0x40 rather than 0x00. */
    readonly linkBandwidthNonTransitive?: boolean;
  };
  /** FRR `on-match next` ('next') or `on-match goto N` (N). */
  readonly onMatch?: 'next' | number;
}

export interface PolicyConfig {
  readonly prefixLists?: Readonly<Record<string, readonly PrefixListEntryConfig[]>>;
  readonly communityLists?: Readonly<Record<string, readonly CommunityListEntryConfig[]>>;
  readonly asPathLists?: Readonly<Record<string, readonly { readonly action: 'permit' | 'deny'; readonly regex: string }[]>>;
  readonly routeMaps?: Readonly<Record<string, readonly RouteMapEntryConfig[]>>;
}

export interface MaxPrefixConfig {
  /** Accepted prefixes allowed (after import policy). */
  readonly limit: number;
  /** Percent of the limit at which a warning is raised (default 75). */
  readonly warningThreshold?: number;
  /** Seconds before the session is started again after a teardown; 0 (default): stays down. */
  readonly restartAfter?: number;
  /** Only warn, never tear down. */
  readonly warningOnly?: boolean;
}

export interface OriginateConfig {
  readonly prefix: string;
  readonly communities?: readonly string[];
  readonly med?: number;
  readonly localPref?: number;
  /** The link bandwidth community in Mbps (weighted ECMP at receivers), e.g. from a service's local endpoints. */
  readonly linkBandwidth?: number;
}

/** Kernel routes: where and how Loc-RIB best routes are installed (rtnetlink, protocol nodebgp 201). */
export interface FibConfig {
  /** Install routes (default true). */
  readonly enabled?: boolean;
  /** Routing table id (default 254, main). */
  readonly table?: number;
  /** Route metric / priority (default 20, as FRR). */
  readonly metric?: number;
  /**
   * The protocol number our kernel routes carry (default 201, "nodebgp"): only routes with it are
   * ever changed or removed, so FRR's (186), BIRD's (12) and static routes are left alone.
   */
  readonly protocol?: number;
  /** A route-map choosing what is installed (deny: not installed). */
  readonly filter?: string;
  /**
   * Keep our kernel routes when nodebgpd stops and restart gracefully (RFC 4724, restarting
   * speaker): sessions close without NOTIFICATION so that peers keep our routes, the next start
   * advertises Restart State and Forwarding State, and the kept routes are reconciled after every
   * neighbor's End-of-RIB (or `restartTime`). Default false: routes are removed on stop.
   */
  readonly retain?: boolean;
  /** How long a restart waits for End-of-RIB before reconciling (default 120 s). */
  readonly restartTime?: number;
  /**
   * Next-hop tracking (default true; FRR's, always on there): a BGP next hop must resolve through
   * a connected subnet, a kernel route or another BGP route (recursively) or its route is not
   * used (RFC 4271 9.1.2.1); routes are installed with the gateways it resolves to, and the IGP
   * cost step of the decision uses the resolving route's metric. An eBGP neighbor one hop away
   * must give next hops on a connected subnet. Without the FIB nothing is tracked.
   */
  readonly nexthopTracking?: boolean;
  /** A next hop may resolve through the default route (FRR's `ip nht resolve-via-default`; default false). */
  readonly resolveViaDefault?: boolean;
}

/** FRR's aggregate-address: originated while a more specific route exists. */
export interface AggregateConfig {
  readonly prefix: string;
  /** Contributors are not sent to any peer. */
  readonly summaryOnly?: boolean;
  /** AS_PATH carries an AS_SET of the contributors' AS numbers (else ATOMIC_AGGREGATE is set). */
  readonly asSet?: boolean;
}

export interface DaemonConfig {
  readonly asn: number;
  readonly routerId: string;
  readonly listen?: { readonly addresses?: readonly string[]; readonly port?: number };
  readonly clusterId?: string;
  readonly holdTime?: number;
  readonly keepaliveTime?: number;
  readonly bestpath?: { readonly alwaysCompareMed?: boolean; readonly deterministicMed?: boolean; readonly multipathRelax?: boolean };
  readonly maximumPaths?: { readonly ebgp?: number; readonly ibgp?: number };
  readonly neighbors: readonly NeighborConfig[];
  readonly dynamicNeighbors?: readonly DynamicNeighborsConfig[];
  readonly originate?: readonly OriginateConfig[];
  readonly aggregates?: readonly AggregateConfig[];
  readonly fib?: FibConfig;
  /** MRT dumps (RFC 6396): where `nodebgp dump` writes RIB snapshots. */
  readonly mrt?: {
    readonly directory?: string;
    /** A RIB dump every this many seconds (none by default; at least 60). */
    readonly ribInterval?: number;
    /** BGP4MP update logs: a new file every this many seconds (none: no update log). */
    readonly updatesInterval?: number;
    /** ...and a new file once one holds this many octets. */
    readonly updatesMaxSize?: number;
  };
  /** BMP monitoring stations (RFC 7854) we connect to. */
  readonly bmp?: BmpConfig;
  /** RPKI-to-Router caches (RFC 8210) whose VRPs route-maps' `match rpki` judges routes by (RFC 6811). */
  readonly rpki?: RpkiConfig;
  /** RFC 8212 (FRR's ebgp-requires-policy, default on): eBGP neighbors without a policy exchange nothing. */
  readonly ebgpRequiresPolicy?: boolean;
  readonly policy?: PolicyConfig;
}

export interface RpkiCacheConfig {
  readonly address: string;
  /** RTR over TCP (RFC 8210 9.1); 323 is IANA's port, caches often listen on 3323 or 8282. */
  readonly port?: number;
  /** Lower is preferred; caches of the best preference with data are used together. Default 1. */
  readonly preference?: number;
  readonly localAddress?: string;
}

export interface RpkiConfig {
  readonly caches?: readonly RpkiCacheConfig[];
  /** RFC 8210 6 intervals in seconds, used until a version 1 cache sends its own. */
  readonly refreshInterval?: number;
  readonly retryInterval?: number;
  readonly expireInterval?: number;
}

export interface BmpCollectorConfig {
  readonly address: string;
  /** pmacct's and GoBGP's examples use 1790 (there is no IANA port for BMP). */
  readonly port?: number;
  /** What is sent: neighbors' routes before and after import policy, our Loc-RIB (RFC 9069). Default: all three. */
  /** What to send (default: pre-policy only). */
  readonly monitor?: readonly ('pre-policy' | 'post-policy' | 'loc-rib' | 'rib-out-pre-policy' | 'rib-out-post-policy')[];
}

export interface BmpConfig {
  readonly collectors?: readonly BmpCollectorConfig[];
  /** Statistics Reports every this many seconds (60; 0: none). */
  readonly statisticsInterval?: number;
}
