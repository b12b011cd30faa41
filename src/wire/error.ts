// The codec's one error type: a protocol error that maps 1:1 to a NOTIFICATION (RFC 4271 4.5, 6).
// Must not import anything outside src/wire.

const NO_DATA = Buffer.alloc(0);

export class BgpProtocolError extends Error {
  readonly code: number;
  readonly subcode: number;
  /** The NOTIFICATION Data field the RFC prescribes for this error. */
  readonly data: Buffer;

  constructor(code: number, subcode: number, data: Buffer = NO_DATA, message?: string) {
    super(message ?? `BGP protocol error ${code}/${subcode}`);
    this.name = 'BgpProtocolError';
    this.code = code;
    this.subcode = subcode;
    this.data = data;
  }
}

export function isBgpProtocolError(e: unknown): e is BgpProtocolError {
  return e instanceof BgpProtocolError;
}

/** A 2-octet big-endian value, the data of several header and OPEN errors. */
export function u16Data(value: number): Buffer {
  const b = Buffer.allocUnsafe(2);
  b.writeUInt16BE(value & 0xffff, 0);
  return b;
}
