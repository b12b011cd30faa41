// Prefixes of trie nodes as text (logs, API), and IPv4/IPv6 words as addresses.
// Must not import fsm, api, daemon, node:net or metrics libraries.

import { Afi, type AfiCode, ipv4ToString, ipv6ToString } from '../wire/index.js';

/** The prefix of key words `w` and length `len` as text ("10.0.0.0/24", "2001:db8::/32"). */
export function prefixText(afi: AfiCode, w: readonly number[], len: number): string {
  if (afi === Afi.IPV4) return `${ipv4ToString(w[0])}/${len}`;
  const b = Buffer.alloc(16);
  for (let i = 0; i < 4; i++) b.writeUInt32BE(w[i] >>> 0, 4 * i);
  return `${ipv6ToString(b)}/${len}`;
}
