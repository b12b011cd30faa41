// The 19-octet message header (RFC 4271 4.1): marker, length, type. Must not import outside src/wire.

import { MARKER_LENGTH } from './constants.js';
import type { Writer } from './writer.js';

/** Writes marker, a length placeholder and the type; returns where the message starts. */
export function beginMessage(w: Writer, type: number): number {
  const start = w.pos;
  for (let i = 0; i < MARKER_LENGTH; i += 4) w.u32(0xffffffff);
  w.u16(0).u8(type);
  return start;
}

/** Back-patches the length of the message begun at `start`; returns its length. */
export function endMessage(w: Writer, start: number): number {
  const len = w.pos - start;
  w.buf[start + 16] = len >>> 8;
  w.buf[start + 17] = len & 0xff;
  return len;
}
