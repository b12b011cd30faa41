// The configuration file's schema: every key the file may hold, its type and range. Key names are
// the fields of types.ts (camelCase, FRR/GoBGP/Calico words: remoteAs, routeReflectorClient,
// nextHopSelf, maxPrefix). The README's configuration reference follows this file.

import { isIP } from 'node:net';
import { ParseError, parseCommunity, parseIpv4, parsePrefix } from './prefix.js';
import { type Spec, bool, either, int, list, map, obj, oneOf, secret, str } from './schema.js';

/** An admin API token: long enough not to be guessed (the same rule for NODEBGP_API_TOKEN). */
export function checkToken(s: string): string | undefined {
  return s.length >= 16 ? undefined : 'a token has at least 16 characters';
}

function parses(fn: (s: string) => unknown): (s: string) => string | undefined {
  return (s) => {
    try {
      fn(s);
      return undefined;
    } catch (e) {
      return e instanceof ParseError ? e.message : String(e);
    }
  };
}

const ASN = int(1, 4294967295);
const ipv4 = str(parses(parseIpv4), 'an IPv4 address (like 10.0.0.1)');
const address = str((s) => (isIP(s) ? undefined : `"${s}" is not an IP address (like 10.0.0.1 or 2001:db8::1)`), 'an IP address');
const prefix = str(parses(parsePrefix), 'a prefix (like 10.244.1.0/26)');
/** Linux's rule for interface names (dev_valid_name): 1 to 15 characters, no '/', ':' or spaces, not '.' or '..'. */
const ifname = str((s) => (/^[^/:\s]{1,15}$/.test(s) && s !== '.' && s !== '..' ? undefined : `"${s}" is not an interface name (1 to 15 characters, no '/', ':' or spaces)`), 'an interface name (like eth1)');
const community = str(parses(parseCommunity), 'a community (like 64512:100, or no-export)');
const seconds = (min: number, max: number) => int(min, max);
const routeMapName = str(undefined, 'a route-map name');
const addressFamily = oneOf('ipv4-unicast', 'ipv6-unicast');
const holdTime = either('0 (no keepalives) or 3 to 65535 seconds', oneOf(0), int(3, 65535));

const maxPrefixOne = obj({ limit: int(1), warningThreshold: int(1, 100), restartAfter: seconds(0, 86400), warningOnly: bool }, ['limit']);

const timers = obj({
  connectRetryTime: seconds(1, 65535),
  delayOpenTime: seconds(0, 240),
  idleHoldTime: seconds(0, 3600),
  idleHoldMaxTime: seconds(0, 3600),
  sendHoldTime: seconds(0, 65535),
  openHoldTime: seconds(3, 65535),
});

/** What a neighbor, a peer group and a dynamic-neighbor template may set. */
const neighborFields: Record<string, Spec> = {
  remoteAs: either('an AS number, "internal" or "external"', ASN, oneOf('internal', 'external')),
  localAs: ASN,
  description: str(),
  port: int(1, 65535),
  localAddress: address,
  passive: bool,
  password: secret((s) => (s.length > 0 && s.length <= 80 ? undefined : 'a TCP-MD5 password has 1 to 80 characters'), 'a password of 1 to 80 characters'),
  ttlSecurityHops: int(1, 254),
  ebgpMultihop: int(1, 255),
  holdTime,
  keepaliveTime: seconds(0, 21845),
  timers,
  addressFamilies: list(addressFamily),
  routeReflectorClient: bool,
  nextHopSelf: bool,
  extendedNextHop: bool,
  allowasIn: int(0, 10),
  nextHopIpv4: ipv4,
  nextHopIpv6: address,
  enabled: bool,
  maxPrefix: either('{limit, warningThreshold, restartAfter, warningOnly}, or the same per address family',
    maxPrefixOne, obj({ 'ipv4-unicast': maxPrefixOne, 'ipv6-unicast': maxPrefixOne })),
  gracefulRestart: either('true, false, or {restartTime, stalePathTime, longLivedStaleTime}', bool, obj({ restartTime: seconds(1, 4095), stalePathTime: seconds(1, 3600), longLivedStaleTime: seconds(0, 16777215) })),
  gracefulShutdown: bool,
  softReconfigurationInbound: bool,
  addPath: obj({ receive: bool, send: either('"all" or a number of paths from 2 to 64', oneOf('all'), int(2, 64)), maxPathsPerPrefix: int(1, 65535) }),
  bfd: either('true, false, or {enabled, transmitInterval, receiveInterval, detectMultiplier, passive, strict}', bool, obj({
    enabled: bool,
    transmitInterval: int(50, 60000),
    receiveInterval: int(50, 60000),
    detectMultiplier: int(2, 255),
    passive: bool,
    strict: bool,
  })),
  importPolicy: routeMapName,
  exportPolicy: routeMapName,
  enforceFirstAs: bool,
  enforceNextHop: bool,
  exclusivePrefixes: str(),
};

const action = oneOf('permit', 'deny');
const origin = oneOf('igp', 'egp', 'incomplete');

const policy = obj({
  prefixLists: map(list(obj({ seq: int(1, 4294967295), action, prefix, ge: int(0, 128), le: int(0, 128) }, ['seq', 'action', 'prefix']))),
  communityLists: map(list(obj({ action, communities: list(community), regex: str() }, ['action']))),
  asPathLists: map(list(obj({ action, regex: str() }, ['action', 'regex']))),
  routeMaps: map(list(obj({
    seq: int(1, 65535),
    action,
    match: obj({ prefixList: str(), community: str(), asPath: str(), nextHopPrefixList: str(), sourcePeer: address, origin, rpki: oneOf('valid', 'invalid', 'notfound') }),
    set: obj({
      localPref: int(0, 4294967295),
      metric: either('N, "+N" or "-N"', int(0, 4294967295), str((s) => (/^[+-]?\d+$/.test(s) ? undefined : `"${s}": use N, +N or -N`))),
      community: list(community),
      communityAdditive: bool,
      communityNone: bool,
      communityDelete: str(),
      asPathPrepend: list(ASN),
      asPathPrependLastAs: int(1, 10),
      nextHop: either('"self", "peer-address" or an address', oneOf('self', 'peer-address'), address),
      weight: int(0, 65535),
      origin,
      linkBandwidth: int(1, 25600),
      linkBandwidthNonTransitive: bool,
    }),
    onMatch: either('"next" or a sequence number', oneOf('next'), int(1, 65535)),
  }, ['seq', 'action']))),
});

export const CONFIG_SPEC: Spec = obj({
  asn: ASN,
  routerId: ipv4,
  clusterId: ipv4,
  listen: obj({ addresses: list(address), port: int(0, 65535) }),
  holdTime,
  keepaliveTime: seconds(0, 21845),
  bestpath: obj({ alwaysCompareMed: bool, deterministicMed: bool, multipathRelax: bool }),
  maximumPaths: obj({ ebgp: int(1, 64), ibgp: int(1, 64) }),
  ebgpRequiresPolicy: bool,
  peerGroups: map(obj(neighborFields)),
  // An unnumbered neighbor (FRR's `neighbor eth1 interface`) is named by its interface.
  neighbors: list(obj({ address, interface: ifname, peerGroup: str(), ...neighborFields }, [], ['address', 'interface'])),
  dynamicNeighbors: list(obj({
    range: either('a prefix (like 10.0.0.0/8), or "connected" (the subnets of our interfaces)', oneOf('connected'), prefix),
    peerGroup: str(), limit: int(1, 65535), maxPending: int(1, 65535),
  }, ['range', 'peerGroup'])),
  originate: list(obj({ prefix, communities: list(community), med: int(0, 4294967295), localPref: int(0, 4294967295), linkBandwidth: int(1, 25600) }, ['prefix'])),
  aggregates: list(obj({ prefix, summaryOnly: bool, asSet: bool }, ['prefix'])),
  fib: obj({ enabled: bool, table: int(1, 4294967295), metric: int(0, 4294967295), protocol: int(5, 255), filter: routeMapName, retain: bool, restartTime: seconds(1, 4095), nexthopTracking: bool, resolveViaDefault: bool }),
  policy,
  api: obj({ address, port: int(0, 65535), token: secret(checkToken, 'a token of at least 16 characters') }),
  metrics: obj({ enabled: bool, address, port: int(0, 65535) }),
  mrt: obj({ directory: str(), ribInterval: seconds(60, 604800), updatesInterval: seconds(60, 86400), updatesMaxSize: int(4096, 4294967295) }),
  bmp: obj({
    collectors: list(obj({ address, port: int(1, 65535), monitor: list(oneOf('pre-policy', 'post-policy', 'loc-rib', 'rib-out-pre-policy', 'rib-out-post-policy')) }, ['address'])),
    statisticsInterval: seconds(0, 86400),
  }),
  rpki: obj({
    caches: list(obj({ address, port: int(1, 65535), preference: int(1, 255), localAddress: address }, ['address'])),
    refreshInterval: seconds(1, 86400),
    retryInterval: seconds(1, 7200),
    expireInterval: seconds(600, 172800),
  }),
  log: obj({ level: oneOf('fatal', 'error', 'warn', 'info', 'debug', 'trace'), format: oneOf('json', 'pretty') }),
}, ['asn']);
