// NLRI in compact form: prefixes as numbers in one Uint32Array, no object per prefix.
// RFC 4271 4.3 (prefix encoding), RFC 4760 (IPv6), RFC 7911 (path identifiers).
// Must not import anything outside src/wire.

import { Afi, type AfiCode, ErrorCode, UpdateSubcode } from './constants.js';
import { BgpProtocolError } from './error.js';
import type { Writer } from './writer.js';

/**
 * A run of prefixes of one AFI. Each entry is `stride(afi)` words:
 * [pathId, length, address word 0 (, 1, 2, 3 for IPv6)], address words big-endian and unmasked
 * beyond the octets the wire carried. `addPath` says whether path identifiers are on the wire.
 */
export interface NlriBlock {
  readonly afi: AfiCode;
  readonly addPath: boolean;
  readonly words: Uint32Array;
}

export function stride(afi: AfiCode): number {
  return afi === Afi.IPV4 ? 3 : 6;
}

export function nlriCount(block: NlriBlock): number {
  return block.words.length / stride(block.afi);
}

export function emptyNlri(afi: AfiCode, addPath = false): NlriBlock {
  return EMPTY[(afi - 1) * 2 + (addPath ? 1 : 0)];
}

/** Octets one entry takes on the wire. */
export function entryWireLength(block: NlriBlock, index: number): number {
  const len = block.words[index * stride(block.afi) + 1];
  return (block.addPath ? 5 : 1) + ((len + 7) >>> 3);
}

const scratch = new Uint32Array(4096 * 6);
const NO_WORDS = new Uint32Array(0);
// Empty blocks are shared (a zero-length typed array cannot change), indexed (afi - 1) * 2 + addPath.
const EMPTY: readonly NlriBlock[] = [
  Object.freeze({ afi: Afi.IPV4, addPath: false, words: NO_WORDS }),
  Object.freeze({ afi: Afi.IPV4, addPath: true, words: NO_WORDS }),
  Object.freeze({ afi: Afi.IPV6, addPath: false, words: NO_WORDS }),
  Object.freeze({ afi: Afi.IPV6, addPath: true, words: NO_WORDS }),
];

/**
 * Decodes the prefixes in buf[start, end). A prefix length beyond the AFI's width, or a prefix
 * running past the field, is RFC 4271 3/10 (Invalid Network Field): RFC 7606 5.3 resets the session
 * because the rest of the field can no longer be located.
 */
export function decodeNlri(buf: Buffer, start: number, end: number, afi: AfiCode, addPath: boolean): NlriBlock {
  const maxLen = afi === Afi.IPV4 ? 32 : 128;
  const st = stride(afi);
  let p = start;
  if (p === end) return emptyNlri(afi, addPath);
  // Each entry takes at least one octet (five with a path id), which bounds the count.
  const bound = Math.ceil((end - p) / (addPath ? 5 : 1)) * st;
  const out = bound <= scratch.length ? scratch : new Uint32Array(bound);
  let n = 0;
  while (p < end) {
    let pathId = 0;
    if (addPath) {
      if (p + 5 > end) throw invalidNetwork(buf, p, end);
      pathId = ((buf[p] << 24) | (buf[p + 1] << 16) | (buf[p + 2] << 8) | buf[p + 3]) >>> 0;
      p += 4;
    }
    const len = buf[p++];
    if (len > maxLen) throw invalidNetwork(buf, p - 1, end);
    const octets = (len + 7) >>> 3;
    if (p + octets > end) throw invalidNetwork(buf, p - 1, end);
    out[n] = pathId;
    out[n + 1] = len;
    if (afi === Afi.IPV4) {
      let a = 0;
      for (let i = 0; i < 4; i++) a = (a << 8) | (i < octets ? buf[p + i] : 0);
      out[n + 2] = a >>> 0;
    } else {
      for (let w = 0; w < 4; w++) {
        let a = 0;
        for (let i = 0; i < 4; i++) {
          const o = w * 4 + i;
          a = (a << 8) | (o < octets ? buf[p + o] : 0);
        }
        out[n + 2 + w] = a >>> 0;
      }
    }
    p += octets;
    n += st;
  }
  return { afi, addPath, words: out.slice(0, n) };
}

function invalidNetwork(buf: Buffer, p: number, end: number): BgpProtocolError {
  return new BgpProtocolError(ErrorCode.UPDATE_MESSAGE, UpdateSubcode.INVALID_NETWORK_FIELD, Buffer.from(buf.subarray(p, Math.min(end, p + 17))), 'invalid NLRI prefix');
}

/** Writes entries [from, to) of a block. */
export function encodeNlri(w: Writer, block: NlriBlock, from = 0, to = nlriCount(block)): void {
  const st = stride(block.afi);
  const words = block.words;
  for (let i = from; i < to; i++) {
    const base = i * st;
    if (block.addPath) w.u32(words[base]);
    encodePrefix(w, words[base + 1], words, base + 2);
  }
}

/** RFC 4271 4.3: a prefix as its length and the octets that length needs; key words from `at`. */
export function encodePrefix(w: Writer, len: number, words: ArrayLike<number>, at = 0): void {
  w.u8(len);
  const octets = (len + 7) >>> 3;
  for (let o = 0; o < octets; o++) w.u8(words[at + (o >>> 2)] >>> (24 - 8 * (o & 3)));
}

/** Builds a block from entries given as [pathId, length, ...address words]. */
export function nlriFrom(afi: AfiCode, addPath: boolean, entries: readonly (readonly number[])[]): NlriBlock {
  const st = stride(afi);
  const words = new Uint32Array(entries.length * st);
  entries.forEach((e, i) => {
    for (let k = 0; k < st; k++) words[i * st + k] = (e[k] ?? 0) >>> 0;
  });
  return { afi, addPath, words };
}

/** Entries [from, to) as a block sharing the same memory. */
export function sliceNlri(block: NlriBlock, from: number, to: number): NlriBlock {
  const st = stride(block.afi);
  return { afi: block.afi, addPath: block.addPath, words: block.words.subarray(from * st, to * st) };
}
