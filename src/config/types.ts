// The daemon's configuration as the code uses it, after loading and defaults. Names follow FRR,
// GoBGP and Calico where they have one. (The YAML loader and its validation live beside this.)

/** Session timers in seconds (the session layer's FsmTimers, all optional here). */
export interface TimersConfig {
  readonly connectRetryTime?: number;
  readonly delayOpenTime?: number;
  readonly idleHoldTime?: number;
  readonly idleHoldMaxTime?: number;
  readonly sendHoldTime?: number;
}

export type AddressFamilyName = 'ipv4-unicast' | 'ipv6-unicast';

export interface NeighborConfig {
  readonly address: string;
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
  /** Next hops we announce for ourselves when the session's own address is of the other family. */
  readonly nextHopIpv4?: string;
  readonly nextHopIpv6?: string;
  /** false: configured but administratively down. */
  readonly enabled?: boolean;
}

export interface OriginateConfig {
  readonly prefix: string;
  readonly communities?: readonly string[];
  readonly med?: number;
  readonly localPref?: number;
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
  readonly originate?: readonly OriginateConfig[];
}
