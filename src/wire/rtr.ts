// The RPKI-to-Router protocol's PDUs (RFC 8210 version 1, RFC 6810 version 0): a framer for the
// byte stream from a cache, a decoder for one PDU and encoders for what a router sends. Pure
// functions over Buffers; the session driver owns the socket and the timers.
// Must not import anything outside src/wire.

/** RFC 8210 5: PDU types. */
export const RtrPduType = {
  SERIAL_NOTIFY: 0,
  SERIAL_QUERY: 1,
  RESET_QUERY: 2,
  CACHE_RESPONSE: 3,
  IPV4_PREFIX: 4,
  IPV6_PREFIX: 6,
  END_OF_DATA: 7,
  CACHE_RESET: 8,
  ROUTER_KEY: 9,
  ERROR_REPORT: 10,
} as const;

/** RFC 8210 12: Error Report codes. */
export const RtrErrorCode = {
  CORRUPT_DATA: 0,
  INTERNAL_ERROR: 1,
  NO_DATA_AVAILABLE: 2,
  INVALID_REQUEST: 3,
  UNSUPPORTED_VERSION: 4,
  UNSUPPORTED_PDU_TYPE: 5,
  WITHDRAWAL_OF_UNKNOWN: 6,
  DUPLICATE_ANNOUNCEMENT: 7,
  UNEXPECTED_VERSION: 8,
} as const;

const ERROR_NAMES: Record<number, string> = {
  0: 'corrupt-data', 1: 'internal-error', 2: 'no-data-available', 3: 'invalid-request', 4: 'unsupported-protocol-version',
  5: 'unsupported-pdu-type', 6: 'withdrawal-of-unknown-record', 7: 'duplicate-announcement', 8: 'unexpected-protocol-version',
};

export function rtrErrorName(code: number): string {
  return ERROR_NAMES[code] ?? `error-${code}`;
}

export const RTR_HEADER_LENGTH = 8;
/**
 * The largest PDU a router accepts. RFC 8210 leaves it open; the largest real ones are Error
 * Reports and Router Keys (an SPKI of about 91 octets). Bounded so a cache cannot make us buffer
 * without end.
 */
export const RTR_MAX_PDU_LENGTH = 64 * 1024;

/** A protocol error to report to the cache (RFC 8210 5.11) before the connection is dropped. */
export class RtrError extends Error {
  readonly code: number;
  /** The offending PDU, sent back encapsulated in the Error Report. */
  readonly pdu: Buffer;

  constructor(code: number, message: string, pdu: Buffer = Buffer.alloc(0)) {
    super(message);
    this.name = 'RtrError';
    this.code = code;
    this.pdu = pdu;
  }
}

/** One Validated ROA Payload (RFC 6811 2): prefix, maximum length and origin AS. */
export interface Vrp {
  readonly afi: 1 | 2;
  /** The prefix as four 32-bit words (IPv4 in the first). */
  readonly words: readonly [number, number, number, number];
  readonly length: number;
  readonly maxLength: number;
  readonly asn: number;
}

export type RtrPdu =
  | { readonly type: 'serial-notify'; readonly version: number; readonly sessionId: number; readonly serial: number }
  | { readonly type: 'cache-response'; readonly version: number; readonly sessionId: number }
  | { readonly type: 'prefix'; readonly version: number; readonly announce: boolean; readonly vrp: Vrp }
  | {
    readonly type: 'end-of-data'; readonly version: number; readonly sessionId: number; readonly serial: number;
    /** RFC 8210 6: the cache's timers (version 1 only), seconds. */
    readonly timers?: { readonly refresh: number; readonly retry: number; readonly expire: number };
  }
  | { readonly type: 'cache-reset'; readonly version: number }
  | { readonly type: 'router-key'; readonly version: number }
  | { readonly type: 'error-report'; readonly version: number; readonly code: number; readonly text: string; readonly pdu: Buffer }
  /** A query (types 1 and 2): what a cache receives, never a router. */
  | { readonly type: 'query'; readonly version: number; readonly pduType: number };

/** Splits the byte stream into whole PDUs (the stream may break anywhere). */
export class RtrFramer {
  #pending: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): Buffer[] {
    let buf = this.#pending.length === 0 ? chunk : Buffer.concat([this.#pending, chunk]);
    const out: Buffer[] = [];
    while (buf.length >= RTR_HEADER_LENGTH) {
      const len = buf.readUInt32BE(4);
      if (len < RTR_HEADER_LENGTH || len > RTR_MAX_PDU_LENGTH) {
        throw new RtrError(RtrErrorCode.CORRUPT_DATA, `PDU length ${len} is outside ${RTR_HEADER_LENGTH}..${RTR_MAX_PDU_LENGTH}`, buf.subarray(0, RTR_HEADER_LENGTH));
      }
      if (buf.length < len) break;
      out.push(buf.subarray(0, len));
      buf = buf.subarray(len);
    }
    this.#pending = buf.length === 0 ? Buffer.alloc(0) : Buffer.from(buf);
    return out;
  }
}

function expectLength(pdu: Buffer, want: number, name: string): void {
  if (pdu.length !== want) throw new RtrError(RtrErrorCode.CORRUPT_DATA, `${name} PDU has length ${pdu.length}, want ${want}`, pdu);
}

/** Decodes one framed PDU. Versions above 1 and unknown types are errors the caller reports. */
export function decodeRtrPdu(pdu: Buffer): RtrPdu {
  const version = pdu[0];
  const type = pdu[1];
  const session = pdu.readUInt16BE(2);
  if (version > 1) throw new RtrError(RtrErrorCode.UNSUPPORTED_VERSION, `protocol version ${version} is not supported`, pdu);
  switch (type) {
    case RtrPduType.SERIAL_NOTIFY:
      expectLength(pdu, 12, 'Serial Notify');
      return { type: 'serial-notify', version, sessionId: session, serial: pdu.readUInt32BE(8) };
    case RtrPduType.SERIAL_QUERY:
    case RtrPduType.RESET_QUERY:
      return { type: 'query', version, pduType: type };
    case RtrPduType.CACHE_RESPONSE:
      expectLength(pdu, 8, 'Cache Response');
      return { type: 'cache-response', version, sessionId: session };
    case RtrPduType.IPV4_PREFIX:
    case RtrPduType.IPV6_PREFIX: {
      const v6 = type === RtrPduType.IPV6_PREFIX;
      expectLength(pdu, v6 ? 32 : 20, v6 ? 'IPv6 Prefix' : 'IPv4 Prefix');
      const length = pdu[9];
      const maxLength = pdu[10];
      const width = v6 ? 128 : 32;
      // RFC 8210 5.6: 0 <= length <= max length <= the address width.
      if (length > width || maxLength > width || maxLength < length) {
        throw new RtrError(RtrErrorCode.CORRUPT_DATA, `prefix length ${length} and max length ${maxLength} are not valid for ${v6 ? 'IPv6' : 'IPv4'}`, pdu);
      }
      const words: [number, number, number, number] = v6
        ? [pdu.readUInt32BE(12), pdu.readUInt32BE(16), pdu.readUInt32BE(20), pdu.readUInt32BE(24)]
        : [pdu.readUInt32BE(12), 0, 0, 0];
      // Host bits beyond the length are ignored, as BGP's NLRI would have them.
      for (let i = 0; i < 4; i++) {
        const keep = Math.max(0, Math.min(32, length - 32 * i));
        words[i] = keep === 0 ? 0 : keep === 32 ? words[i] >>> 0 : (words[i] & (0xffffffff << (32 - keep))) >>> 0;
      }
      return { type: 'prefix', version, announce: (pdu[8] & 1) === 1, vrp: { afi: v6 ? 2 : 1, words, length, maxLength, asn: pdu.readUInt32BE(v6 ? 28 : 16) } };
    }
    case RtrPduType.END_OF_DATA: {
      if (version === 0) {
        expectLength(pdu, 12, 'End of Data');
        return { type: 'end-of-data', version, sessionId: session, serial: pdu.readUInt32BE(8) };
      }
      expectLength(pdu, 24, 'End of Data');
      const timers = { refresh: pdu.readUInt32BE(12), retry: pdu.readUInt32BE(16), expire: pdu.readUInt32BE(20) };
      return { type: 'end-of-data', version, sessionId: session, serial: pdu.readUInt32BE(8), timers };
    }
    case RtrPduType.CACHE_RESET:
      expectLength(pdu, 8, 'Cache Reset');
      return { type: 'cache-reset', version };
    case RtrPduType.ROUTER_KEY:
      // BGPsec router keys: version 1 only; a router that does no BGPsec skips them.
      if (version === 0) throw new RtrError(RtrErrorCode.UNSUPPORTED_PDU_TYPE, 'Router Key PDU in protocol version 0', pdu);
      if (pdu.length < 32) throw new RtrError(RtrErrorCode.CORRUPT_DATA, `Router Key PDU has length ${pdu.length}`, pdu);
      return { type: 'router-key', version };
    case RtrPduType.ERROR_REPORT: {
      if (pdu.length < 16) throw new RtrError(RtrErrorCode.CORRUPT_DATA, `Error Report PDU has length ${pdu.length}`, pdu);
      const inner = pdu.readUInt32BE(8);
      if (12 + inner + 4 > pdu.length) throw new RtrError(RtrErrorCode.CORRUPT_DATA, 'Error Report: encapsulated PDU overruns the PDU', pdu);
      const textLength = pdu.readUInt32BE(12 + inner);
      if (16 + inner + textLength !== pdu.length) throw new RtrError(RtrErrorCode.CORRUPT_DATA, 'Error Report: text length does not fit the PDU', pdu);
      const text = pdu.toString('utf8', 16 + inner, 16 + inner + textLength);
      return { type: 'error-report', version, code: session, text, pdu: Buffer.from(pdu.subarray(12, 12 + inner)) };
    }
    default:
      throw new RtrError(RtrErrorCode.UNSUPPORTED_PDU_TYPE, `PDU type ${type} is not known`, pdu);
  }
}

/** A PDU that is its header alone (Reset Query, Cache Response, Cache Reset): 8 octets. */
export function encodeHeaderPdu(type: number, version: number, sessionId = 0): Buffer {
  const b = Buffer.alloc(8);
  b[0] = version;
  b[1] = type;
  b.writeUInt16BE(sessionId, 2);
  b.writeUInt32BE(8, 4);
  return b;
}

/** A header and a serial number (Serial Notify, Serial Query): 12 octets. */
export function encodeSerialPdu(type: number, version: number, sessionId: number, serial: number): Buffer {
  const b = Buffer.alloc(12);
  b[0] = version;
  b[1] = type;
  b.writeUInt16BE(sessionId, 2);
  b.writeUInt32BE(12, 4);
  b.writeUInt32BE(serial >>> 0, 8);
  return b;
}

/** RFC 8210 5.4: Reset Query (no data held from this cache, or the cache said to start over). */
export function encodeResetQuery(version: number): Buffer {
  return encodeHeaderPdu(RtrPduType.RESET_QUERY, version);
}

/** RFC 8210 5.3: Serial Query (what changed since `serial` in session `sessionId`). */
export function encodeSerialQuery(version: number, sessionId: number, serial: number): Buffer {
  return encodeSerialPdu(RtrPduType.SERIAL_QUERY, version, sessionId, serial);
}

/** RFC 8210 5.11: Error Report with the offending PDU (cut to a sane size) and a text. */
export function encodeErrorReport(version: number, code: number, pdu: Buffer, text: string): Buffer {
  const inner = pdu.subarray(0, 1024);
  const t = Buffer.from(text.slice(0, 512), 'utf8');
  const b = Buffer.alloc(16 + inner.length + t.length);
  b[0] = version;
  b[1] = RtrPduType.ERROR_REPORT;
  b.writeUInt16BE(code, 2);
  b.writeUInt32BE(b.length, 4);
  b.writeUInt32BE(inner.length, 8);
  inner.copy(b, 12);
  b.writeUInt32BE(t.length, 12 + inner.length);
  t.copy(b, 16 + inner.length);
  return b;
}
