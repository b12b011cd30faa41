// A bounded big-endian reader over a Buffer. Every read checks its bounds and throws the codec's
// own error (never a RangeError), so a truncated field maps to the NOTIFICATION its caller chooses.
// Must not import anything outside src/wire.

import { BgpProtocolError } from './error.js';

export class Reader {
  buf: Buffer;
  pos: number;
  end: number;
  /** The error thrown when a read would cross `end`. */
  #code: number;
  #subcode: number;

  constructor(buf: Buffer, start = 0, end = buf.length, code = 1, subcode = 2) {
    this.buf = buf;
    this.pos = start;
    this.end = end;
    this.#code = code;
    this.#subcode = subcode;
  }

  /** Points this reader at another range, so a hot loop can reuse one reader. */
  reset(buf: Buffer, start: number, end: number, code: number, subcode: number): this {
    this.buf = buf;
    this.pos = start;
    this.end = end;
    this.#code = code;
    this.#subcode = subcode;
    return this;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  #need(n: number): void {
    if (this.pos + n > this.end) {
      throw new BgpProtocolError(this.#code, this.#subcode, Buffer.alloc(0), `truncated: need ${n} octets, have ${this.end - this.pos}`);
    }
  }

  u8(): number {
    this.#need(1);
    return this.buf[this.pos++];
  }

  u16(): number {
    this.#need(2);
    const b = this.buf;
    const p = this.pos;
    this.pos = p + 2;
    return (b[p] << 8) | b[p + 1];
  }

  u24(): number {
    this.#need(3);
    const b = this.buf;
    const p = this.pos;
    this.pos = p + 3;
    return (b[p] << 16) | (b[p + 1] << 8) | b[p + 2];
  }

  u32(): number {
    this.#need(4);
    const b = this.buf;
    const p = this.pos;
    this.pos = p + 4;
    return ((b[p] << 24) | (b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3]) >>> 0;
  }

  /** A zero-copy view of the next n octets. */
  bytes(n: number): Buffer {
    this.#need(n);
    const p = this.pos;
    this.pos = p + n;
    return this.buf.subarray(p, p + n);
  }

  /** A child reader capped to the next n octets; this reader moves past them. */
  sub(n: number, code = this.#code, subcode = this.#subcode): Reader {
    this.#need(n);
    const p = this.pos;
    this.pos = p + n;
    return new Reader(this.buf, p, p + n, code, subcode);
  }

  rest(): Buffer {
    const p = this.pos;
    this.pos = this.end;
    return this.buf.subarray(p, this.end);
  }
}
