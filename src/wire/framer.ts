// Stream framing: turns arbitrary TCP chunks into whole BGP messages. Zero-copy where a message
// lies inside one chunk; a message spread over chunks is copied once, into a buffer of its own
// length allocated when its header is complete, so a message sent one octet per segment costs
// O(length), not O(length^2). Checks marker, length and type as soon as a header is complete, so a
// desynchronised stream is caught before its garbage length is waited for.
// Must not import anything outside src/wire.

import { HEADER_LENGTH, MAX_MESSAGE_LENGTH } from './constants.js';
import { checkHeader } from './messages.js';

export class Framer {
  /** The negotiated maximum message length (4096, or 65535 after RFC 8654). */
  maxLength: number;
  /** The message being assembled across chunks: its header first, then (once known) all of it. */
  #partial: Buffer | undefined;
  #filled = 0;
  /** The length from the partial message's header, once the header is complete (0 before). */
  #length = 0;

  constructor(maxLength = MAX_MESSAGE_LENGTH) {
    this.maxLength = maxLength;
  }

  /** Octets held back waiting for the rest of a message. */
  get buffered(): number {
    return this.#filled;
  }

  /** Returns the whole messages completed by `chunk`; throws BgpProtocolError on a bad header. */
  push(chunk: Buffer): Buffer[] {
    const out: Buffer[] = [];
    let p = 0;
    if (this.#partial) {
      p = this.#continue(chunk, out);
      if (this.#partial) return out;
    }
    while (chunk.length - p >= HEADER_LENGTH) {
      const length = checkHeader(chunk, p, this.maxLength);
      if (chunk.length - p < length) break;
      out.push(chunk.subarray(p, p + length));
      p += length;
    }
    if (p < chunk.length) this.#begin(chunk, p);
    return out;
  }

  /** Keeps the tail of `chunk` from `p`: a message that continues in later chunks. */
  #begin(chunk: Buffer, p: number): void {
    const rest = chunk.length - p;
    this.#length = rest >= HEADER_LENGTH ? checkHeader(chunk, p, this.maxLength) : 0;
    this.#partial = Buffer.allocUnsafe(this.#length || HEADER_LENGTH);
    chunk.copy(this.#partial, 0, p);
    this.#filled = rest;
  }

  /** Adds the start of `chunk` to the partial message; returns how many octets it took. */
  #continue(chunk: Buffer, out: Buffer[]): number {
    let p = 0;
    if (this.#length === 0) {
      const take = Math.min(HEADER_LENGTH - this.#filled, chunk.length);
      chunk.copy(this.#partial!, this.#filled, 0, take);
      this.#filled += take;
      p = take;
      if (this.#filled < HEADER_LENGTH) return p;
      this.#length = checkHeader(this.#partial!, 0, this.maxLength);
      if (this.#length > HEADER_LENGTH) {
        const whole = Buffer.allocUnsafe(this.#length);
        this.#partial!.copy(whole, 0, 0, HEADER_LENGTH);
        this.#partial = whole;
      }
    }
    const take = Math.min(this.#length - this.#filled, chunk.length - p);
    chunk.copy(this.#partial!, this.#filled, p, p + take);
    this.#filled += take;
    p += take;
    if (this.#filled === this.#length) {
      out.push(this.#partial!);
      this.#partial = undefined;
      this.#filled = 0;
      this.#length = 0;
    }
    return p;
  }
}
