// Connection collision detection (RFC 4271 6.8, RFC 6286 2.3): which of two connections between
// the same pair of speakers survives. Pure. Must not import anything outside src/fsm and src/wire.

export type ConnectionDirection = 'outbound' | 'inbound';

/**
 * RFC 4271 6.8: when the local BGP identifier is lower than the remote one, the connection the
 * local system initiated is closed (the inbound one survives); otherwise the inbound one is closed.
 * RFC 6286 2.3: with equal identifiers (possible between ASes), the connection initiated by the
 * speaker with the larger AS number survives.
 */
export function collisionSurvivor(localId: number, remoteId: number, localAs: number, remoteAs: number): ConnectionDirection {
  if (localId !== remoteId) return (localId >>> 0) < (remoteId >>> 0) ? 'inbound' : 'outbound';
  return localAs > remoteAs ? 'outbound' : 'inbound';
}
