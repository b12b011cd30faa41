// The embedded default configuration: what `nodebgpd` runs with no file. A ToR-like speaker that
// accepts eBGP sessions from nodes on private addresses and learns their pod and service prefixes
// through the seeds' K8S-PODS prefix-list (a default route is refused). It announces nothing.

export const DEFAULT_CONFIG_TEXT = `# nodebgpd embedded default (print it with: nodebgpd --print-default-config)
asn: 64512
listen:
  port: 179
peerGroups:
  nodes:
    remoteAs: external
    passive: true
    importPolicy: ACCEPT-K8S
    exportPolicy: NOTHING
dynamicNeighbors:
  - { range: 10.0.0.0/8, peerGroup: nodes }
  - { range: 172.16.0.0/12, peerGroup: nodes }
  - { range: 192.168.0.0/16, peerGroup: nodes }
  - { range: fc00::/7, peerGroup: nodes }
policy:
  prefixLists:
    K8S-PODS:
      - { seq: 10, action: permit, prefix: 10.244.0.0/16, le: 26 }
      - { seq: 20, action: permit, prefix: 10.96.0.0/12, le: 32 }
      - { seq: 30, action: deny, prefix: 0.0.0.0/0 }
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
