// An FRR ToR's bgpd configuration for the single-neighbor interop tests: AS 64501, no RFC 8212
// policy requirement, a 1 s connect timer toward us, the given networks and neighbor lines.
export function frrTor(o: { routerId: string; neighbor: string; networks: readonly string[]; neighborLines?: readonly string[] }): string {
  return `frr defaults datacenter
hostname tor
router bgp 64501
 bgp router-id ${o.routerId}
 no bgp ebgp-requires-policy
 no bgp network import-check
 neighbor ${o.neighbor} remote-as 64512
 neighbor ${o.neighbor} timers connect 1
${(o.neighborLines ?? []).map((l) => ` neighbor ${o.neighbor} ${l}\n`).join('')} address-family ipv4 unicast
${o.networks.map((n) => `  network ${n}\n`).join('')} exit-address-family
`;
}
