// The embedded default configuration: what `nodebgpd` runs with no file. A ToR-like speaker that
// accepts eBGP sessions from nodes on its own segments and learns their pod CIDRs. Safe against
// whoever else is on those segments (README, "Threat model"): only directly connected sources,
// one hop away (GTSM), a few routes each, pod CIDRs only at the allocation size and first come,
// first served, the next hop the node itself and its AS first in the path. It announces nothing.

export const DEFAULT_CONFIG_TEXT = `# nodebgpd embedded default (print it with: nodebgpd --print-default-config)
asn: 64512
listen:
  port: 179
peerGroups:
  nodes:
    remoteAs: external
    passive: true
    # GTSM (RFC 5082): nodes are one hop away; their packets must arrive with TTL 255.
    # Nodes set it too: FRR "neighbor X ttl-security hops 1", BIRD "ttl security on".
    ttlSecurityHops: 1
    # A node announces routes through itself, with its own AS first (RFC 4271 6.3).
    enforceNextHop: true
    enforceFirstAs: true
    # Pod CIDRs are one node's each: the first to announce one (or a prefix covering it) keeps it.
    exclusivePrefixes: K8S-PODS
    maxPrefix: { limit: 64 }
    # Unknown sources must finish their OPEN exchange quickly.
    timers: { openHoldTime: 10 }
    importPolicy: ACCEPT-K8S
    exportPolicy: NOTHING
dynamicNeighbors:
  # Sources on our own subnets only; at most 100 nodes, 10 of them still opening their session.
  - { range: connected, peerGroup: nodes, limit: 100, maxPending: 10 }
policy:
  prefixLists:
    # Pod CIDRs at their allocation size (kube-controller-manager's --node-cidr-mask-size, 24).
    K8S-PODS:
      - { seq: 10, action: permit, prefix: 10.244.0.0/16, ge: 24, le: 24 }
    # Service IPs (/32s of the service range, several nodes may announce the same one: ECMP, as
    # MetalLB does) are not accepted unless asked for: add "match: { prefixList: K8S-SERVICES }"
    # as seq 20 of ACCEPT-K8S.
    K8S-SERVICES:
      - { seq: 10, action: permit, prefix: 10.96.0.0/12, ge: 32, le: 32 }
  routeMaps:
    ACCEPT-K8S:
      - { seq: 10, action: permit, match: { prefixList: K8S-PODS } }
    NOTHING:
      - { seq: 10, action: deny }
api:
  address: 127.0.0.1
  port: 8179
log:
  level: info
`;
