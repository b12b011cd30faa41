// BFD sessions (RFC 5880/5881), like FRR's `show bfd peers json`.

import { Closed, Nullable, Time, Type, type Static } from './common.js';

const ms = (description?: string) => Nullable(Type.Number(description ? { description } : {}));

export const BfdSession = Closed({
  peer: Type.String(),
  strict: Type.Boolean({ description: 'the BGP session waits for BFD Up (RFC 9384 strict mode)' }),
  configured: Closed({ transmitIntervalMs: Type.Number(), receiveIntervalMs: Type.Number(), detectMultiplier: Type.Integer(), passive: Type.Boolean() }),
  state: Type.Enum(['AdminDown', 'Down', 'Init', 'Up']),
  remoteState: Nullable(Type.String()),
  localDiag: Type.String(),
  remoteDiag: Type.String(),
  localDiscriminator: Nullable(Type.Integer()),
  remoteDiscriminator: Nullable(Type.Integer()),
  transmitIntervalMs: ms('negotiated'),
  receiveIntervalMs: ms('negotiated'),
  detectionTimeMs: ms(),
  remoteDetectMultiplier: Nullable(Type.Integer()),
  upSince: Nullable(Time),
  lastStateChange: Nullable(Time),
  upTransitions: Type.Integer(),
  downTransitions: Type.Integer(),
  packetsSent: Type.Integer(),
  packetsReceived: Type.Integer(),
  packetsDiscarded: Type.Integer(),
  error: Nullable(Type.String({ description: 'why the session cannot run (a socket error)' })),
});
export type BfdSession = Static<typeof BfdSession>;

export const BfdSessions = Closed({
  sessions: Type.Array(BfdSession),
  unmatchedPackets: Type.Integer({ description: 'packets for no configured session' }),
});
export type BfdSessions = Static<typeof BfdSessions>;
