// Paths for RIB tests.
import { AttrTable, Path, type RibPeer, addressOctets } from '../../src/rib/index.js';
import { type AsPathSegment, type PathAttributes, asPathFrom } from '../../src/wire/index.js';

export const table = new AttrTable();

export function peer(address: string, asn: number, bgpId: number, over: Partial<RibPeer> = {}): RibPeer {
  return { index: bgpId, address, addressOctets: addressOctets(address), asn, bgpId, ibgp: false, local: false, rrClient: false, ...over };
}

export const seq = (...asns: number[]): AsPathSegment => ({ type: 2, asns });
export const set = (...asns: number[]): AsPathSegment => ({ type: 1, asns });
export const confed = (...asns: number[]): AsPathSegment => ({ type: 3, asns });

export function path(p: RibPeer, attrs: PathAttributes, opts: { pathId?: number; weight?: number } = {}): Path {
  return new Path(p, opts.pathId ?? 0, table.acquire({ origin: 0, asPath: asPathFrom([seq(p.asn)]), nextHop: 1, ...attrs }), 1, opts.weight ?? 0);
}

export function permutations<T>(xs: readonly T[]): T[][] {
  if (xs.length <= 1) return [xs.slice()];
  return xs.flatMap((x, i) => permutations([...xs.slice(0, i), ...xs.slice(i + 1)]).map((rest) => [x, ...rest]));
}
