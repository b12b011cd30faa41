// What the session-level fuzz runs share: a seeded generator whose seed the run prints (replay with
// FUZZ_SEED), the captured UPDATEs to mutate, the mutations of a whole message, and a look at the
// in-process daemon's Loc-RIB.
import type { Daemon } from '../../src/daemon/daemon.js';
import { parsePrefix } from '../../src/config/prefix.js';
import { DAEMONS, loadFixtures } from './fixtures.js';

/** Whether `daemon`'s Loc-RIB has a best path for `prefix` ("10.0.0.0/24", "2001:db8::/48"). */
export function hasBest(daemon: Daemon, prefix: string): boolean {
  const p = parsePrefix(prefix);
  const table = daemon.rib.table(p.afi);
  return Boolean(table.best(table.trie.get(p.words[0], p.words[1], p.words[2], p.words[3], p.length)));
}

/** `rand(n)`: 0..n-1 from the seed (FUZZ_SEED, else the clock); `seconds` (FUZZ_SECONDS, else `seconds`). */
export function fuzzRun(comment: (text: string) => void, seconds: number): { seconds: number; rand: (n: number) => number } {
  let seed = Number(process.env.FUZZ_SEED ?? Date.now() % 100000);
  const run = Number(process.env.FUZZ_SECONDS ?? seconds);
  comment(`FUZZ_SEED=${seed} FUZZ_SECONDS=${run}`);
  const rand = (n: number) => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return n > 0 ? (seed >>> 8) % n : 0;
  };
  return { seconds: run, rand };
}

/** Captured UPDATEs of sessions with 4-octet ASNs and no ADD-PATH, as the fixtures hold them. */
export function capturedUpdates(): Buffer[] {
  return DAEMONS.flatMap((d) => loadFixtures(d))
    .filter((f) => f.expected.type === 'update' && f.context.as4 && f.context.addPath.length === 0)
    .map((f) => Buffer.from(f.hex, 'hex'))
    .filter((b) => b.length > 24);
}

/** A copy of `b` with octets past the marker flipped. */
export function flipped(b: Buffer, rand: (n: number) => number): Buffer {
  const m = Buffer.from(b);
  for (let i = 0; i < 1 + rand(4); i++) m[16 + rand(m.length - 16)] ^= 1 + rand(255);
  return m;
}

/** A copy of `b` with one octet of the body (a length, a type, a value) set at random. */
export function octetSet(b: Buffer, rand: (n: number) => number): Buffer {
  const m = Buffer.from(b);
  m[19 + rand(m.length - 19)] = rand(256);
  return m;
}

/** `b` cut short, its length field saying so. */
export function truncated(b: Buffer, rand: (n: number) => number): Buffer {
  const n = Math.max(23, b.length - 1 - rand(b.length - 23));
  const out = Buffer.from(b.subarray(0, n));
  out.writeUInt16BE(n, 16);
  return out;
}

/** `b` with random octets after it, its length field saying so. */
export function trailed(b: Buffer, rand: (n: number) => number): Buffer {
  const out = Buffer.concat([b, Buffer.from(Array.from({ length: 1 + rand(16) }, () => rand(256)))]);
  out.writeUInt16BE(out.length, 16);
  return out;
}
