// A neighbor's BFD session kept in step with its configuration, and what a BFD state change means
// for its BGP session (RFC 5882).

import type { BfdManager, BfdStateChange } from '../bfd/index.js';
import { bfdOf } from './neighbor.js';
import type { Peer } from './peer.js';

/**
 * Starts, changes (by a Poll Sequence, without a flap) or stops the neighbor's BFD session to
 * match its configuration. It runs whatever the BGP state (strict mode needs it before BGP), but
 * not for a neighbor that is administratively down: that one's session goes (the peer is told
 * AdminDown first), as FRR deregisters it on `neighbor shutdown`. An unnumbered neighbor's runs to
 * its link-local address once learned (again when it changes), keyed by the interface.
 */
export function syncBfd(bfd: BfdManager, p: Peer): void {
  const b = bfdOf(p.config);
  const peer = p.remoteAddress;
  if (!b || p.config.enabled === false || peer === undefined) return bfd.remove(p.address);
  bfd.add(p.address, { peer, local: p.config.localAddress, timing: b.timing });
}

/**
 * RFC 5882: Up releases a strict session and retries a waiting one (true); Up to Down is a path
 * failure that ends the session (false). Down because the peer is AdminDown is not (RFC 5882
 * 3.2), nor is our own AdminDown (undefined: nothing to do).
 */
export function bfdVerdict(c: BfdStateChange): boolean | undefined {
  if (c.to === 'Up') return true;
  if (c.from === 'Up' && c.to === 'Down' && c.remoteState !== 'AdminDown') return false;
  return undefined;
}
