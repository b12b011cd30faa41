// Types of wait.mjs for the TypeScript tests.
import type { Lab } from './fabric.mjs';
export function until<T>(fn: () => T | undefined | false | null | Promise<T | undefined | false | null>, ms: number, step?: number): Promise<T | undefined>;
export function pingStream(lab: Lab, from: string, source: string, to: string, count: number, intervalMs: number): Promise<{ transmitted: number; received: number; intervalMs: number; text: string }>;
