// A growable big-endian writer with reserved length fields that are back-patched, and a check of
// the negotiated maximum message size. Must not import anything outside src/wire.

import { BgpProtocolError } from './error.js';

export class Writer {
  buf: Buffer;
  pos = 0;

  constructor(initial = 256) {
    this.buf = Buffer.allocUnsafe(initial);
  }

  #room(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  u8(v: number): this {
    this.#room(1);
    this.buf[this.pos++] = v & 0xff;
    return this;
  }

  u16(v: number): this {
    this.#room(2);
    const b = this.buf;
    b[this.pos] = (v >>> 8) & 0xff;
    b[this.pos + 1] = v & 0xff;
    this.pos += 2;
    return this;
  }

  u24(v: number): this {
    this.#room(3);
    const b = this.buf;
    b[this.pos] = (v >>> 16) & 0xff;
    b[this.pos + 1] = (v >>> 8) & 0xff;
    b[this.pos + 2] = v & 0xff;
    this.pos += 3;
    return this;
  }

  u32(v: number): this {
    this.#room(4);
    const b = this.buf;
    b[this.pos] = (v >>> 24) & 0xff;
    b[this.pos + 1] = (v >>> 16) & 0xff;
    b[this.pos + 2] = (v >>> 8) & 0xff;
    b[this.pos + 3] = v & 0xff;
    this.pos += 4;
    return this;
  }

  bytes(src: Uint8Array): this {
    this.#room(src.length);
    this.buf.set(src, this.pos);
    this.pos += src.length;
    return this;
  }

  /** Reserves a 1- or 2-octet length; `patch` later writes the octets written since. */
  reserve(width: 1 | 2): number {
    const at = this.pos;
    if (width === 1) this.u8(0);
    else this.u16(0);
    return at;
  }

  /** Back-patches the length reserved at `at` with the number of octets written after it. */
  patch(at: number, width: 1 | 2): void {
    const len = this.pos - at - width;
    const max = width === 1 ? 0xff : 0xffff;
    if (len > max) throw new BgpProtocolError(0, 0, undefined, `field of ${len} octets does not fit a ${width}-octet length`);
    if (width === 1) this.buf[at] = len;
    else {
      this.buf[at] = len >>> 8;
      this.buf[at + 1] = len & 0xff;
    }
  }

  /** The written octets (a view; the writer must not be reused afterwards). */
  finish(): Buffer {
    return this.buf.subarray(0, this.pos);
  }
}
