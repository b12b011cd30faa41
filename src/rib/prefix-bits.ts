// Prefix bits of 32-bit words: masking, and whether two keys agree on their first bits (prefix
// lists, next-hop tracking, the kernel's routes). Pure. Must not import fsm, api, daemon, node:net
// or metrics libraries.

/** The first `bits` bits of a word, unsigned. */
export function maskWord(w: number, bits: number): number {
  if (bits >= 32) return w >>> 0;
  if (bits <= 0) return 0;
  return (w & (0xffffffff << (32 - bits))) >>> 0;
}

/** Whether two keys (1 or 4 words) agree on their first `bits` bits: `a` lies inside `b`/`bits`. */
export function samePrefixBits(a: readonly number[], b: readonly number[], bits: number): boolean {
  for (let i = 0; i * 32 < bits; i++) if (maskWord(a[i] ?? 0, bits - 32 * i) !== maskWord(b[i] ?? 0, bits - 32 * i)) return false;
  return true;
}
