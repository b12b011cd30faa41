// A session-host neighbor entry with the short timers the interop tests use.
export function sessionPeer(routerId: string, remoteAddress: string, localAs: number, remoteAs: number, extra: Record<string, unknown> = {}) {
  return {
    remoteAddress,
    open: { localAs, routerId, remoteAs, holdTime: 9, minHoldTime: 3, afiSafis: [{ afi: 1, safi: 1 }, { afi: 2, safi: 1 }], extendedMessage: true, hostname: 'nodebgp-test' },
    timers: { connectRetryTime: 2, idleHoldTime: 0.5, idleHoldMaxTime: 2 },
    ...extra,
  };
}
