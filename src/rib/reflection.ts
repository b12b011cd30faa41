// Route reflection (RFC 4456) as two pure functions: the ingress loop checks and the egress
// rules and transform. Choices made where RFC 4456 leaves room:
// - The cluster ID defaults to the router ID; a reflector drops routes whose CLUSTER_LIST holds it
//   or whose ORIGINATOR_ID is its own router ID (RFC 4456 8).
// - Client-to-client reflection is on (RFC 4456 5: routes from a client go to all clients and
//   non-clients except the originator; routes from a non-client go to clients only).
// - ORIGINATOR_ID is set to the BGP identifier of the peer the route came from when absent, and
//   our cluster ID is prepended to CLUSTER_LIST, only on reflected (iBGP-to-iBGP) routes.
// Must not import fsm, api, daemon, node:net or metrics libraries.

import type { PathAttributes } from '../wire/index.js';
import type { RibPeer } from './path.js';

/** RFC 4456 8: true when a received route has looped back to this reflector or cluster. */
export function reflectionLoop(attrs: PathAttributes, routerId: number, clusterId: number): boolean {
  if (attrs.originatorId !== undefined && attrs.originatorId >>> 0 === routerId >>> 0) return true;
  return attrs.clusterList?.some((c) => c >>> 0 === clusterId >>> 0) ?? false;
}

/** Whether an iBGP-learned route from `from` may be sent to iBGP peer `to` (RFC 4456 5 / 4271 9.2). */
export function reflects(from: RibPeer, to: RibPeer): boolean {
  if (from.rrClient) return true;
  return to.rrClient;
}

/** The attributes of a reflected route: ORIGINATOR_ID set when absent, our cluster ID prepended. */
export function reflect(attrs: PathAttributes, from: RibPeer, clusterId: number): PathAttributes {
  return {
    ...attrs,
    originatorId: attrs.originatorId ?? from.bgpId,
    clusterList: [clusterId >>> 0, ...(attrs.clusterList ?? [])],
  };
}
