// Idle-hold backoff (RFC 4271 8.1.1 DampPeerOscillations): after repeated failures the session
// waits longer before trying again, so a broken peer cannot cause a flapping storm. Pure; the
// driver adds jitter with its own random source.

/** Seconds to wait in Idle after `failures` consecutive failures (0 failures: no wait). */
export function idleHoldDelay(failures: number, first: number, max: number): number {
  if (failures <= 0) return 0;
  return Math.min(max, first * 2 ** Math.min(failures - 1, 30));
}

/** Spreads a delay by +-25% so that many sessions failing together do not retry in lockstep. */
export function withJitter(seconds: number, random: () => number): number {
  return seconds * (0.75 + 0.5 * random());
}
