// The clock a BFD session runs on: real timers in the worker, a virtual clock in tests (the FSM's
// VirtualClock fits this shape). Times are milliseconds; the real clock's are wall-clock based
// (timeOrigin + now) so that a worker's timestamps compare with the main thread's Date.now().

export interface BfdClock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  clearTimeout(handle: any): void;
  random(): number;
}

export const realClock: BfdClock = {
  now: () => performance.timeOrigin + performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h),
  random: Math.random,
};
