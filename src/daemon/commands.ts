// The daemon's command vocabulary: what the API and the CLI may ask, and what a reload reports.

export class CommandError extends Error {
  constructor(readonly code: 'not-found' | 'invalid' | 'conflict' | 'restart-needed', message: string) {
    super(message);
  }
}

/** An origination asked for at runtime or configured (the API's body, contract Announce, is one). */
export interface AnnounceRequest {
  readonly prefix: string;
  readonly communities?: readonly string[];
  readonly med?: number;
  readonly localPref?: number;
  /** The link bandwidth community (draft-ietf-idr-link-bandwidth), in Mbps: receivers with several paths weigh them by it (weighted ECMP). */
  readonly linkBandwidth?: number;
  /** Next hop to announce (default: our address on each session). */
  readonly nextHop?: string;
}

export type { ReloadResult, SoftResetResult } from './contract/index.js';

/** Reload results list at most this many names per change; `counts` has the full numbers. */
export const RELOAD_LISTED = 100;
