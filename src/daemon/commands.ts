// The daemon's command vocabulary: what the API and the CLI may ask, and what a reload reports.

export class CommandError extends Error {
  constructor(readonly code: 'not-found' | 'invalid' | 'conflict' | 'restart-needed', message: string) {
    super(message);
  }
}

export interface AnnounceRequest {
  readonly prefix: string;
  readonly communities?: readonly string[];
  readonly med?: number;
  readonly localPref?: number;
  /** Next hop to announce (default: our address on each session). */
  readonly nextHop?: string;
}

export type SoftResetResult = { in?: 'from-memory' | 'route-refresh' | 'not-possible'; out?: 'resent' };

/** What a reload did. Lists hold at most RELOAD_LISTED entries; `counts` has the full numbers. */
export interface ReloadResult {
  readonly changed: boolean;
  readonly added: readonly string[];
  readonly removed: readonly string[];
  readonly reset: readonly string[];
  readonly soft: readonly string[];
  readonly policyChanged: boolean;
  readonly originated: readonly string[];
  readonly withdrawn: readonly string[];
  readonly counts: { readonly added: number; readonly removed: number; readonly reset: number; readonly soft: number; readonly originated: number; readonly withdrawn: number };
}

export const RELOAD_LISTED = 100;
