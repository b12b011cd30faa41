// Stream framing: turns arbitrary TCP chunks into whole BGP messages. Zero-copy where a message
// lies inside one chunk. Checks marker, length and type as soon as a header is complete, so a
// desynchronised stream is caught before its garbage length is waited for.
// Must not import anything outside src/wire.

import { HEADER_LENGTH, MAX_MESSAGE_LENGTH } from './constants.js';
import { checkHeader } from './messages.js';

export class Framer {
  /** The negotiated maximum message length (4096, or 65535 after RFC 8654). */
  maxLength: number;
  #pending: Buffer | undefined;

  constructor(maxLength = MAX_MESSAGE_LENGTH) {
    this.maxLength = maxLength;
  }

  /** Octets held back waiting for the rest of a message. */
  get buffered(): number {
    return this.#pending?.length ?? 0;
  }

  /** Returns the whole messages completed by `chunk`; throws BgpProtocolError on a bad header. */
  push(chunk: Buffer): Buffer[] {
    let buf = chunk;
    if (this.#pending) {
      buf = Buffer.concat([this.#pending, chunk]);
      this.#pending = undefined;
    }
    const out: Buffer[] = [];
    let p = 0;
    while (buf.length - p >= HEADER_LENGTH) {
      const length = checkHeader(buf, p, this.maxLength);
      if (buf.length - p < length) break;
      out.push(buf.subarray(p, p + length));
      p += length;
    }
    if (p < buf.length) this.#pending = Buffer.from(buf.subarray(p));
    return out;
  }
}
