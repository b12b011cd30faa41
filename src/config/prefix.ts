// Operator text to wire forms: prefixes and addresses from config and API input, parsed with
// ip-num (off the hot path). Errors say what was wrong and what is allowed.

import { IPv4, IPv4CidrRange, IPv6, IPv6CidrRange, Validator } from 'ip-num';

export interface ParsedPrefix {
  readonly afi: 1 | 2;
  /** Four 32-bit words (IPv4 uses the first), unsigned. */
  readonly words: readonly [number, number, number, number];
  readonly length: number;
  readonly text: string;
}

export class ParseError extends Error {}

function words128(v: bigint): [number, number, number, number] {
  return [Number((v >> 96n) & 0xffffffffn), Number((v >> 64n) & 0xffffffffn), Number((v >> 32n) & 0xffffffffn), Number(v & 0xffffffffn)];
}

/** Canonical dotted-quad IPv4 prefix text, the form nearly every configured prefix has. */
const DOTTED_PREFIX = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

/**
 * The common case without ip-num: a canonical IPv4 prefix with its host bits zero. ip-num takes
 * about 25 us a prefix, which made 200,000 originations cost 5 s at start and on reload. Anything
 * else (IPv6, leading zeros, out of range, host bits set) is undefined and goes the long way,
 * which also words the error.
 */
function fastIpv4Prefix(t: string): ParsedPrefix | undefined {
  const m = DOTTED_PREFIX.exec(t);
  if (!m) return undefined;
  let value = 0;
  for (let i = 1; i <= 4; i++) {
    const octet = m[i];
    if (octet.length > 1 && octet[0] === '0') return undefined;
    const n = Number(octet);
    if (n > 255) return undefined;
    value = value * 256 + n;
  }
  const lenText = m[5];
  if (lenText.length > 1 && lenText[0] === '0') return undefined;
  const length = Number(lenText);
  if (length > 32) return undefined;
  const host = length === 32 ? 0 : 2 ** (32 - length) - 1;
  if (value % (host + 1) !== 0) return undefined;
  return { afi: 1, words: [value, 0, 0, 0], length, text: t };
}

/** "10.244.1.0/26" or "2001:db8::/48"; host bits must be zero. */
export function parsePrefix(text: string): ParsedPrefix {
  const t = text.trim();
  const fast = fastIpv4Prefix(t);
  if (fast) return fast;
  if (t.includes(':')) {
    if (!Validator.isValidIPv6CidrNotation(t)[0]) throw new ParseError(`"${text}" is not an IPv6 prefix (like 2001:db8::/48)`);
    const r = IPv6CidrRange.fromCidr(t);
    const first = r.getFirst().getValue();
    const given = IPv6.fromString(t.split('/')[0]).getValue();
    if (first !== given) throw new ParseError(`"${text}" has host bits set; did you mean ${r.getFirst().toString()}/${r.cidrPrefix.getValue()}?`);
    return { afi: 2, words: words128(first), length: Number(r.cidrPrefix.getValue()), text: t };
  }
  if (!Validator.isValidIPv4CidrNotation(t)[0]) throw new ParseError(`"${text}" is not an IPv4 prefix (like 10.244.1.0/26)`);
  const r = IPv4CidrRange.fromCidr(t);
  const first = r.getFirst().getValue();
  const given = IPv4.fromDecimalDottedString(t.split('/')[0]).getValue();
  if (first !== given) throw new ParseError(`"${text}" has host bits set; did you mean ${r.getFirst().toString()}/${r.cidrPrefix.getValue()}?`);
  return { afi: 1, words: [Number(first), 0, 0, 0], length: Number(r.cidrPrefix.getValue()), text: t };
}

/** A dotted IPv4 address (router ID, cluster ID, next hop) as a number. */
export function parseIpv4(text: string): number {
  if (!Validator.isValidIPv4String(text.trim())[0]) throw new ParseError(`"${text}" is not an IPv4 address (like 10.0.0.1)`);
  return Number(IPv4.fromDecimalDottedString(text.trim()).getValue());
}

/** An IPv6 address as 16 octets. */
export function parseIpv6(text: string): Buffer {
  if (!Validator.isValidIPv6String(text.trim())[0]) throw new ParseError(`"${text}" is not an IPv6 address (like 2001:db8::1)`);
  const v = IPv6.fromString(text.trim()).getValue();
  const b = Buffer.alloc(16);
  words128(v).forEach((w, i) => b.writeUInt32BE(w, 4 * i));
  return b;
}

/** "64512:100" (or a well-known name) as a 32-bit community. */
export function parseCommunity(text: string): number {
  const names: Record<string, number> = {
    'no-export': 0xffffff01, 'no-advertise': 0xffffff02, 'no-export-subconfed': 0xffffff03, 'no-peer': 0xffffff04,
    'graceful-shutdown': 0xffff0000, blackhole: 0xffff029a, 'accept-own': 0xffff0001,
  };
  const t = text.trim().toLowerCase();
  if (t in names) return names[t];
  const m = /^(\d+):(\d+)$/.exec(t);
  if (!m || Number(m[1]) > 0xffff || Number(m[2]) > 0xffff) throw new ParseError(`"${text}" is not a community (like 64512:100, or no-export)`);
  return ((Number(m[1]) << 16) | Number(m[2])) >>> 0;
}
