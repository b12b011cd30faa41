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

/** One of two connections to the same neighbor, as collision resolution sees it. */
export interface CollisionSide {
  readonly direction: ConnectionDirection;
  /** The peer's OPEN arrived on it: its BGP identifier is known. */
  readonly openReceived: boolean;
}

/**
 * Which of the session's connection (`current`) and a second one (`pending`) survives, or
 * undefined when nothing is to be decided yet. RFC 4271 6.8: on receipt of an OPEN, the
 * connections compared are those whose OPEN has been received (OpenConfirm): while the pending one
 * has none, the current one carries on and the pending one is judged when its OPEN comes. A current
 * connection that has received no OPEN (half-open, or stale) cannot win against one that has.
 * Two connections in the same direction (a peer that restarted, or a stale one) are not a
 * collision RFC 4271 defines: the newer one survives.
 */
export function collisionWinner(current: CollisionSide, pending: CollisionSide, localId: number, remoteId: number, localAs: number, remoteAs: number): 'current' | 'pending' | undefined {
  if (!pending.openReceived) return undefined;
  if (!current.openReceived) return 'pending';
  if (current.direction === pending.direction) return 'pending';
  return collisionSurvivor(localId, remoteId, localAs, remoteAs) === current.direction ? 'current' : 'pending';
}
