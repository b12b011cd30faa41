// OPEN messages (RFC 4271 4.2) with RFC 9072 extended optional parameters length, and the checks
// that need no configuration: version, hold time 1-2 s, BGP identifier zero.
// Peer AS and identifier-collision checks need the session's configuration: they live in src/fsm.
// Must not import anything outside src/wire.

import { BGP_VERSION, ErrorCode, MessageType, OpenSubcode, OptionalParameterType } from './constants.js';
import { type Capability, decodeCapabilities, encodeCapability } from './capabilities.js';
import { BgpProtocolError, u16Data } from './error.js';
import { beginMessage, endMessage } from './header.js';
import { Reader } from './reader.js';
import { Writer } from './writer.js';

export interface OpenMessage {
  readonly type: 'open';
  readonly version: number;
  /** The 2-octet My Autonomous System field (AS_TRANS when the real AS needs 4 octets). */
  readonly myAs: number;
  readonly holdTime: number;
  readonly bgpId: number;
  /** One entry per Capabilities optional parameter (some speakers send one per capability). */
  readonly params: readonly (readonly Capability[])[];
  /** RFC 9072 extended length form was used although the parameters would fit 255 octets. */
  readonly extendedParams?: true;
}

function openError(subcode: number, reason: string, data?: Buffer): BgpProtocolError {
  return new BgpProtocolError(ErrorCode.OPEN_MESSAGE, subcode, data, reason);
}

export function decodeOpen(buf: Buffer, start: number, end: number): OpenMessage {
  const r = new Reader(buf, start, end, ErrorCode.OPEN_MESSAGE, OpenSubcode.UNSPECIFIC);
  const version = r.u8();
  // RFC 4271 6.2: the data is the largest supported version, as 2 octets.
  if (version !== BGP_VERSION) throw openError(OpenSubcode.UNSUPPORTED_VERSION, `version ${version}`, u16Data(BGP_VERSION));
  const myAs = r.u16();
  const holdTime = r.u16();
  if (holdTime === 1 || holdTime === 2) throw openError(OpenSubcode.UNACCEPTABLE_HOLD_TIME, `hold time ${holdTime}`);
  const bgpId = r.u32();
  // RFC 6286 2.2: a BGP identifier of zero is invalid.
  if (bgpId === 0) throw openError(OpenSubcode.BAD_BGP_IDENTIFIER, 'BGP identifier 0', Buffer.alloc(4));
  let optLen = r.u8();
  let extended = false;
  // RFC 9072 2: Optional Parameters Length 255 followed by type 255 marks the extended form.
  if (optLen === 255 && r.remaining > 0 && buf[r.pos] === OptionalParameterType.EXTENDED_LENGTH) {
    r.u8();
    optLen = r.u16();
    extended = true;
  }
  if (optLen !== r.remaining) throw openError(OpenSubcode.UNSPECIFIC, `optional parameters length ${optLen}, ${r.remaining} octets follow`);
  const params: Capability[][] = [];
  let paramBytes = 0;
  while (r.remaining > 0) {
    const type = r.u8();
    const len = extended ? r.u16() : r.u8();
    paramBytes += 2 + len;
    const value = r.sub(len);
    if (type !== OptionalParameterType.CAPABILITIES) {
      throw openError(OpenSubcode.UNSUPPORTED_OPTIONAL_PARAMETER, `optional parameter type ${type}`);
    }
    params.push(decodeCapabilities(value));
  }
  const msg: { -readonly [K in keyof OpenMessage]: OpenMessage[K] } = { type: 'open', version, myAs, holdTime, bgpId, params };
  if (extended && paramBytes <= 255) msg.extendedParams = true;
  return msg;
}

export function encodeOpen(msg: OpenMessage): Buffer {
  const encodedParams = msg.params.map((caps) => {
    const w = new Writer(64);
    for (const c of caps) encodeCapability(w, c);
    return Buffer.from(w.finish());
  });
  const plainLength = encodedParams.reduce((n, p) => n + 2 + p.length, 0);
  const extended = msg.extendedParams === true || plainLength > 255 || encodedParams.some((p) => p.length > 255);
  const w = new Writer(64 + plainLength);
  const start = beginMessage(w, MessageType.OPEN);
  w.u8(msg.version).u16(msg.myAs).u16(msg.holdTime).u32(msg.bgpId);
  if (extended) {
    w.u8(255).u8(OptionalParameterType.EXTENDED_LENGTH);
    const at = w.reserve(2);
    for (const p of encodedParams) w.u8(OptionalParameterType.CAPABILITIES).u16(p.length).bytes(p);
    w.patch(at, 2);
  } else {
    w.u8(plainLength);
    for (const p of encodedParams) w.u8(OptionalParameterType.CAPABILITIES).u8(p.length).bytes(p);
  }
  endMessage(w, start);
  return Buffer.from(w.finish());
}

/** All capabilities of an OPEN, in order, whatever parameters they came in. */
export function capabilitiesOf(msg: OpenMessage): Capability[] {
  return msg.params.flat();
}
