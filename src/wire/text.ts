// Text forms of wire values for logs, the CLI and the API: addresses, prefixes, communities,
// AFI/SAFI names. Formatting only; parsing operator input is ip-num's job in src/config.
// Must not import anything outside src/wire.

import { Afi, Safi, WellKnownCommunity } from './constants.js';
import { type NlriBlock, nlriCount, stride } from './nlri.js';

export function ipv4ToString(n: number): string {
  return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

/** RFC 5952 text of an IPv6 address given as octets. */
export function ipv6ToString(b: Uint8Array, offset = 0): string {
  const groups: number[] = [];
  for (let i = 0; i < 8; i++) groups.push((b[offset + 2 * i] << 8) | b[offset + 2 * i + 1]);
  // RFC 5952 4.2: compress the longest run (of two or more) of zero groups, the first on a tie.
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

function wordsToBytes(words: Uint32Array, at: number, count: number): Uint8Array {
  const b = new Uint8Array(count * 4);
  for (let i = 0; i < count; i++) {
    const w = words[at + i];
    b[4 * i] = w >>> 24;
    b[4 * i + 1] = (w >>> 16) & 255;
    b[4 * i + 2] = (w >>> 8) & 255;
    b[4 * i + 3] = w & 255;
  }
  return b;
}

/** Entry `i` of a block as "a.b.c.d/len" or "x::/len". */
export function prefixToString(block: NlriBlock, i: number): string {
  const base = i * stride(block.afi);
  const len = block.words[base + 1];
  if (block.afi === Afi.IPV4) return `${ipv4ToString(block.words[base + 2])}/${len}`;
  return `${ipv6ToString(wordsToBytes(block.words, base + 2, 4))}/${len}`;
}

export type PrefixText = { prefix: string; pathId: number };

/** The block as strings, or as {prefix, pathId} objects when path identifiers are on the wire. */
export function nlriToText(block: NlriBlock): string[] | PrefixText[] {
  const n = nlriCount(block);
  const st = stride(block.afi);
  if (!block.addPath) return Array.from({ length: n }, (_, i) => prefixToString(block, i));
  return Array.from({ length: n }, (_, i) => ({ prefix: prefixToString(block, i), pathId: block.words[i * st] }));
}

/** Whether 16 octets at `offset` are an IPv6 link-local address (fe80::/10, RFC 4291 2.5.6). */
export function isLinkLocalIpv6(b: Uint8Array, offset = 0): boolean {
  return b[offset] === 0xfe && (b[offset + 1] & 0xc0) === 0x80;
}

/** A next hop field of 4, 16 or 32 octets as one or two addresses. */
export function nextHopToText(nh: Buffer): string[] {
  if (nh.length === 4) return [ipv4ToString(nh.readUInt32BE(0))];
  if (nh.length === 16) return [ipv6ToString(nh)];
  if (nh.length === 32) return [ipv6ToString(nh, 0), ipv6ToString(nh, 16)];
  return [nh.toString('hex')];
}

const COMMUNITY_NAMES = new Map<number, string>([
  [WellKnownCommunity.GRACEFUL_SHUTDOWN, 'graceful-shutdown'],
  [WellKnownCommunity.ACCEPT_OWN, 'accept-own'],
  [WellKnownCommunity.LLGR_STALE, 'llgr-stale'],
  [WellKnownCommunity.NO_LLGR, 'no-llgr'],
  [WellKnownCommunity.BLACKHOLE, 'blackhole'],
  [WellKnownCommunity.NO_EXPORT, 'no-export'],
  [WellKnownCommunity.NO_ADVERTISE, 'no-advertise'],
  [WellKnownCommunity.NO_EXPORT_SUBCONFED, 'no-export-subconfed'],
  [WellKnownCommunity.NO_PEER, 'no-peer'],
]);

export function communityToString(c: number): string {
  return COMMUNITY_NAMES.get(c) ?? `${c >>> 16}:${c & 0xffff}`;
}

/**
 * An address the system already validated (a socket's, or one from checked config) as octets:
 * 4 for IPv4, 16 for IPv6. Not for operator input: that goes through src/config.
 */
export function addressToOctets(address: string): Buffer {
  // A zone (fe80::1%eth0) does not belong to the address.
  let a = address.split('%')[0];
  if (!a.includes(':')) return Buffer.from(a.split('.').map(Number));
  // RFC 4291 2.2 (3): the last 32 bits may be written as IPv4 (::ffff:10.1.2.3).
  const last = a.lastIndexOf(':');
  if (a.slice(last + 1).includes('.')) {
    const o = a.slice(last + 1).split('.').map(Number);
    a = `${a.slice(0, last + 1)}${((o[0] << 8) | o[1]).toString(16)}:${((o[2] << 8) | o[3]).toString(16)}`;
  }
  const [head, tail] = a.split('::');
  const groups = (s: string | undefined) => (s ? s.split(':') : []);
  const h = groups(head);
  const t = groups(tail);
  const all = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  const b = Buffer.alloc(16);
  all.forEach((g, i) => b.writeUInt16BE(parseInt(g, 16) || 0, 2 * i));
  return b;
}

/**
 * One text per address, as the kernel reports a peer (RFC 5952 for IPv6, IPv4-mapped IPv6 as
 * IPv4): configuration, the API and accepted connections all match on it.
 */
export function canonicalAddress(address: string): string {
  const a = address.trim();
  if (!looksLikeAddress(a)) return address;
  const raw = addressToOctets(a);
  if (raw.length === 4) return ipv4ToString(raw.readUInt32BE(0));
  const mapped = raw.subarray(0, 10).every((x) => x === 0) && raw[10] === 0xff && raw[11] === 0xff;
  return mapped ? ipv4ToString(raw.readUInt32BE(12)) : ipv6ToString(raw);
}

const IPV4_TEXT = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** Whether text is an IPv4 address or an IPv6 one (RFC 4291 2.2 forms, a zone allowed). */
function looksLikeAddress(text: string): boolean {
  if (IPV4_TEXT.test(text)) return true;
  const a = text.split('%')[0];
  if (!/^[0-9a-fA-F:.]+$/.test(a) || a.split('::').length > 2) return false;
  const last = a.lastIndexOf(':');
  if (last < 0) return false;
  const v4 = a.slice(last + 1).includes('.');
  if (v4 && !IPV4_TEXT.test(a.slice(last + 1))) return false;
  let head = v4 ? a.slice(0, last + 1) : a;
  if (v4 && !head.endsWith('::')) head = head.slice(0, -1);
  const groups = head.split('::').flatMap((part) => (part ? part.split(':') : []));
  if (!groups.every((g) => /^[0-9a-fA-F]{1,4}$/.test(g))) return false;
  const count = groups.length + (v4 ? 2 : 0);
  return a.includes('::') ? count < 8 : count === 8;
}

export function afiSafiName(afi: number, safi: number): string {
  const a = afi === Afi.IPV4 ? 'ipv4' : afi === Afi.IPV6 ? 'ipv6' : `afi${afi}`;
  const s = safi === Safi.UNICAST ? 'unicast' : safi === Safi.MULTICAST ? 'multicast' : `safi${safi}`;
  return `${a}-${s}`;
}
