// Loads the golden wire fixtures captured from FRR, BIRD and GoBGP (scripts/capture-fixtures.sh).
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type CodecContext, Afi, Safi, afiSafiKey, makeContext } from '../../src/wire/index.js';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const DAEMONS = ['frr', 'bird', 'gobgp'] as const;

export interface WireFixture {
  readonly file: string;
  readonly source: string;
  readonly peer: string;
  readonly context: { as4: boolean; extendedMessage: boolean; addPath: string[] };
  readonly hex: string;
  readonly expected: Record<string, unknown>;
}

const NAMES: Record<string, number> = {
  'ipv4-unicast': afiSafiKey(Afi.IPV4, Safi.UNICAST),
  'ipv6-unicast': afiSafiKey(Afi.IPV6, Safi.UNICAST),
};

export function fixtureContext(f: WireFixture): CodecContext {
  return makeContext({ as4: f.context.as4, extendedMessage: f.context.extendedMessage, addPath: new Set(f.context.addPath.map((n) => NAMES[n])) });
}

export function loadFixtures(daemon: string): WireFixture[] {
  const dir = join(ROOT, 'fixtures', 'wire', daemon);
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => ({ file: `${daemon}/${f}`, ...JSON.parse(readFileSync(join(dir, f), 'utf8')) }));
}
