// Types of checks.mjs for the TypeScript tests.
import type { Lab } from './fabric.mjs';
export interface CheckResult {
  readonly name: string;
  readonly ok: boolean;
  readonly saw: string;
}
export function waitConverged(lab: Lab, ms?: number): Promise<boolean | undefined>;
export function fabricChecks(lab: Lab): (() => Promise<CheckResult>)[];
export function unnumberedChecks(lab: Lab): (() => Promise<CheckResult>)[];
export function reflectorChecks(lab: Lab): (() => Promise<CheckResult>)[];
export function runChecks(lab: Lab, name: 'fabric' | 'fabric-rr' | 'fabric-unnumbered'): Promise<CheckResult[]>;
