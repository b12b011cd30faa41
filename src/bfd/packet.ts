// The BFD control packet (RFC 5880 4.1) over Buffers: decode with the reception checks that need
// only the packet (RFC 5880 6.8.6, first paragraph), and encode. Pure: no I/O, no timers.
// Must not import rib, api, daemon, pino or prom-client.

import { BFD_VERSION, BfdState, type BfdStateCode, CONTROL_PACKET_LENGTH } from './constants.js';

export interface ControlPacket {
  readonly version: number;
  readonly diag: number;
  readonly state: BfdStateCode;
  readonly poll: boolean;
  readonly final: boolean;
  /** C: Control Plane Independent. */
  readonly cpi: boolean;
  /** A: an authentication section follows. */
  readonly auth: boolean;
  /** D: Demand mode. */
  readonly demand: boolean;
  /** M: Multipoint (reserved, must be zero). */
  readonly multipoint: boolean;
  readonly detectMult: number;
  readonly length: number;
  readonly myDiscriminator: number;
  readonly yourDiscriminator: number;
  /** Intervals in microseconds, as on the wire. */
  readonly desiredMinTxUs: number;
  readonly requiredMinRxUs: number;
  readonly requiredMinEchoRxUs: number;
}

/** A packet the reception rules discard, with the rule that discarded it. */
export class BfdPacketError extends Error {
  constructor(readonly rule: 'version' | 'length' | 'detect-mult' | 'multipoint' | 'my-discriminator' | 'your-discriminator', message: string) {
    super(message);
  }
}

const P = 0x20;
const F = 0x10;
const C = 0x08;
const A = 0x04;
const D = 0x02;
const M = 0x01;

/** Decodes one control packet (the UDP payload); throws BfdPacketError for what 6.8.6 discards. */
export function decodeControl(b: Buffer): ControlPacket {
  if (b.length < CONTROL_PACKET_LENGTH) throw new BfdPacketError('length', `packet of ${b.length} octets is shorter than ${CONTROL_PACKET_LENGTH}`);
  const version = b[0] >>> 5;
  // RFC 5880 6.8.6: version other than 1, discard.
  if (version !== BFD_VERSION) throw new BfdPacketError('version', `version ${version} (expected ${BFD_VERSION})`);
  const flags = b[1];
  const auth = (flags & A) !== 0;
  const length = b[3];
  // With A set the minimum is 26 (the authentication section's type and length); the Length field
  // must not claim more than the payload holds.
  const min = auth ? CONTROL_PACKET_LENGTH + 2 : CONTROL_PACKET_LENGTH;
  if (length < min) throw new BfdPacketError('length', `Length field ${length} is below ${min}`);
  if (length > b.length) throw new BfdPacketError('length', `Length field ${length} exceeds the ${b.length} octets received`);
  const detectMult = b[2];
  if (detectMult === 0) throw new BfdPacketError('detect-mult', 'Detect Mult is zero');
  if ((flags & M) !== 0) throw new BfdPacketError('multipoint', 'Multipoint (M) bit is set');
  const myDiscriminator = b.readUInt32BE(4);
  if (myDiscriminator === 0) throw new BfdPacketError('my-discriminator', 'My Discriminator is zero');
  const yourDiscriminator = b.readUInt32BE(8);
  const state = (flags >>> 6) as BfdStateCode;
  // Your Discriminator may be zero only while the sender is Down or AdminDown.
  if (yourDiscriminator === 0 && state !== BfdState.ADMIN_DOWN && state !== BfdState.DOWN) throw new BfdPacketError('your-discriminator', 'Your Discriminator is zero in state Init or Up');
  return {
    version,
    diag: b[0] & 0x1f,
    state,
    poll: (flags & P) !== 0,
    final: (flags & F) !== 0,
    cpi: (flags & C) !== 0,
    auth,
    demand: (flags & D) !== 0,
    multipoint: false,
    detectMult,
    length,
    myDiscriminator,
    yourDiscriminator,
    desiredMinTxUs: b.readUInt32BE(12),
    requiredMinRxUs: b.readUInt32BE(16),
    requiredMinEchoRxUs: b.readUInt32BE(20),
  };
}

export interface ControlFields {
  readonly diag: number;
  readonly state: BfdStateCode;
  readonly poll?: boolean;
  readonly final?: boolean;
  readonly cpi?: boolean;
  readonly demand?: boolean;
  readonly detectMult: number;
  readonly myDiscriminator: number;
  readonly yourDiscriminator: number;
  readonly desiredMinTxUs: number;
  readonly requiredMinRxUs: number;
  readonly requiredMinEchoRxUs?: number;
}

/** Encodes a control packet without authentication (24 octets). */
export function encodeControl(f: ControlFields, out: Buffer = Buffer.allocUnsafe(CONTROL_PACKET_LENGTH)): Buffer {
  out[0] = (BFD_VERSION << 5) | (f.diag & 0x1f);
  out[1] = (f.state << 6) | (f.poll ? P : 0) | (f.final ? F : 0) | (f.cpi ? C : 0) | (f.demand ? D : 0);
  out[2] = f.detectMult;
  out[3] = CONTROL_PACKET_LENGTH;
  out.writeUInt32BE(f.myDiscriminator >>> 0, 4);
  out.writeUInt32BE(f.yourDiscriminator >>> 0, 8);
  out.writeUInt32BE(f.desiredMinTxUs >>> 0, 12);
  out.writeUInt32BE(f.requiredMinRxUs >>> 0, 16);
  out.writeUInt32BE((f.requiredMinEchoRxUs ?? 0) >>> 0, 20);
  return out;
}
