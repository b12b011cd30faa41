// The benchmark table: N IPv4 prefixes (mixed lengths /21-/24, no overlaps, from 11.0.0.0) in about N/5
// attribute sets (AS paths 2-7 long starting with the sender's AS, 0-3 communities, a MED on a
// third), as pre-encoded UPDATEs. Deterministic for a given N: senders with different first ASes
// send the same prefixes; `prepend` repeats the first AS so that one sender's paths are longer
// than another's for every prefix. With an IPv6 next hop (16 octets), N IPv6 prefixes instead
// (mostly /48, some /32-/44, from 2a00::), in MP_REACH_NLRI (RFC 4760), the same attribute sets.
import { Afi, asSequence, encodeAnnouncements, encodePathAttributes, ipv6ToString, makeContext, nlriFrom } from '../../dist/wire/index.js';

/** The next IPv6 prefix of length `len` at or above `next` (the top 64 bits, a BigInt): its NLRI entry and text. */
function ipv6Prefix(next, len) {
  const size = 1n << BigInt(64 - len);
  const at = ((next + size - 1n) / size) * size;
  const w0 = Number(at >> 32n);
  const w1 = Number(at & 0xffffffffn);
  const octets = Buffer.alloc(16);
  octets.writeUInt32BE(w0, 0);
  octets.writeUInt32BE(w1, 4);
  return { entry: [0, len, w0, w1, 0, 0], end: at + size, text: `${ipv6ToString(octets)}/${len}` };
}

export function buildTable(n, { firstAs = 65001, nextHop = 0x0a5a0002, perSet = 5, avoid = [], prepend = 0 } = {}) {
  const v6 = typeof nextHop !== 'number';
  let seed = 42;
  const rand = (k) => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return (seed >>> 8) % k;
  };
  const ctx = makeContext();
  const updates = [];
  let next = 0x0b000000; // 11.0.0.0 upwards
  let next6 = 0x2a00n << 48n; // 2a00:: upwards (the top 64 bits)
  let prefixes = 0;
  let last = '';
  for (let s = 0; prefixes < n; s++) {
    const asns = Array.from({ length: 1 + prepend }, () => firstAs);
    const hops = 1 + rand(6);
    for (let i = 0; i < hops; i++) {
      let a;
      do a = 64600 + rand(300); while (avoid.includes(a));
      asns.push(a);
    }
    const attrs = { origin: rand(3), asPath: asSequence(...asns), ...(v6 ? {} : { nextHop }) };
    if (rand(3) === 0) attrs.med = rand(1000);
    const nc = rand(4);
    if (nc > 0) attrs.communities = Array.from({ length: nc }, () => ((64600 << 16) | rand(1000)) >>> 0);
    const entries = [];
    for (let i = 0; i < perSet && prefixes < n; i++, prefixes++) {
      if (v6) {
        const p = ipv6Prefix(next6, [48, 48, 48, 48, 44, 40, 36, 32][rand(8)]);
        entries.push(p.entry);
        last = p.text;
        next6 = p.end;
        continue;
      }
      // Mostly /24, some shorter: about 800 addresses a prefix, so 1M prefixes fit below 60.0.0.0.
      const len = [24, 24, 24, 24, 24, 23, 22, 21][rand(8)];
      next = Math.ceil(next / 2 ** (32 - len)) * 2 ** (32 - len); // align to the prefix length
      entries.push([0, len, next >>> 0]);
      last = `${next >>> 24}.${(next >>> 16) & 255}.${(next >>> 8) & 255}.${next & 255}/${len}`;
      next += 2 ** (32 - len);
    }
    updates.push(...encodeAnnouncements(encodePathAttributes(attrs, ctx), nlriFrom(v6 ? Afi.IPV6 : Afi.IPV4, false, entries), ctx,
      v6 ? { safi: 1, nextHop } : undefined));
  }
  return { updates, sets: updates.length, prefixes, last };
}
