// The policy language as data (FRR's prefix-lists, community lists, AS-path lists and route-maps).
// Evaluated by pure functions; the config layer builds these from text.
// Must not import fsm, api, daemon, node:net or metrics libraries.

export type Action = 'permit' | 'deny';

export interface PrefixListEntry {
  readonly seq: number;
  readonly action: Action;
  readonly afi: 1 | 2;
  /** The prefix as four 32-bit words and a length. */
  readonly words: readonly [number, number, number, number];
  readonly length: number;
  /** FRR: without ge/le only the exact length matches; ge/le widen the accepted lengths. */
  readonly ge?: number;
  readonly le?: number;
}

export interface PrefixList {
  readonly name: string;
  readonly entries: readonly PrefixListEntry[];
}

/** Standard entries match when the route carries every listed value; expanded ones by regex on the text. */
export type CommunityListEntry =
  | { readonly action: Action; readonly kind: 'standard'; readonly values: readonly number[] }
  | { readonly action: Action; readonly kind: 'expanded'; readonly regex: RegExp };

export interface CommunityList {
  readonly name: string;
  readonly entries: readonly CommunityListEntry[];
}

export type LargeCommunityListEntry =
  | { readonly action: Action; readonly kind: 'standard'; readonly values: readonly (readonly [number, number, number])[] }
  | { readonly action: Action; readonly kind: 'expanded'; readonly regex: RegExp };

export interface LargeCommunityList {
  readonly name: string;
  readonly entries: readonly LargeCommunityListEntry[];
}

/** FRR `bgp as-path access-list`: regular expressions over the AS path text ("_" = a boundary). */
export interface AsPathList {
  readonly name: string;
  readonly entries: readonly { readonly action: Action; readonly regex: RegExp }[];
}

export interface RouteMapMatch {
  readonly prefixList?: string;
  readonly community?: string;
  readonly largeCommunity?: string;
  readonly asPath?: string;
  /** A prefix-list the next hop (as a host prefix) must pass. */
  readonly nextHopPrefixList?: string;
  readonly sourcePeer?: string;
  readonly origin?: 'igp' | 'egp' | 'incomplete';
  /** RFC 6811 origin validation state (FRR `match rpki`); every route is notfound without caches. */
  readonly rpki?: 'valid' | 'invalid' | 'notfound';
}

export interface RouteMapSet {
  readonly localPref?: number;
  readonly metric?: { readonly op: 'set' | 'add' | 'subtract'; readonly value: number };
  readonly community?: { readonly replace?: readonly number[]; readonly additive?: readonly number[]; readonly deleteList?: string; readonly none?: true };
  readonly largeCommunity?: { readonly replace?: readonly (readonly [number, number, number])[]; readonly additive?: readonly (readonly [number, number, number])[]; readonly none?: true };
  readonly asPathPrepend?: { readonly asns: readonly number[]; readonly times?: number } | { readonly lastAs: number };
  readonly nextHop?: 'self' | 'peer-address' | { readonly ipv4: number } | { readonly ipv6: Buffer };
  readonly weight?: number;
  readonly origin?: 'igp' | 'egp' | 'incomplete';
  /** FRR `set extcommunity bandwidth N [non-transitive]`: the link bandwidth community, in place of any other. */
  readonly linkBandwidth?: { readonly octetsPerSecond: number; readonly transitive: boolean };
}

export interface RouteMapEntry {
  readonly seq: number;
  readonly action: Action;
  readonly match: RouteMapMatch;
  readonly set: RouteMapSet;
  /** FRR `on-match next` / `on-match goto N` / `continue [N]`: go on after a permit. */
  readonly onMatch?: 'next' | { readonly goto: number };
}

export interface RouteMap {
  readonly name: string;
  readonly entries: readonly RouteMapEntry[];
}

/** Every named list and map a route-map may refer to. */
export interface PolicySet {
  readonly prefixLists: ReadonlyMap<string, PrefixList>;
  readonly communityLists: ReadonlyMap<string, CommunityList>;
  readonly largeCommunityLists: ReadonlyMap<string, LargeCommunityList>;
  readonly asPathLists: ReadonlyMap<string, AsPathList>;
  readonly routeMaps: ReadonlyMap<string, RouteMap>;
}
