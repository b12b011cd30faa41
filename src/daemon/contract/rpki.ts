// RPKI caches and origin validation (RFC 8210, RFC 6811), like FRR's `show rpki cache-connection`
// and `show rpki prefix`.

import { Closed, Nullable, Type, type Static } from './common.js';

export const RpkiState = Type.Enum(['valid', 'invalid', 'notfound'], { description: 'RFC 6811 origin validation state' });
export type RpkiState = Static<typeof RpkiState>;

export const RpkiCache = Closed({
  address: Type.String(),
  port: Type.Integer(),
  preference: Type.Integer({ description: 'lower is preferred' }),
  connected: Type.Boolean(),
  inUse: Type.Boolean({ description: 'routes are judged against this cache\'s VRPs now (the most preferred caches with data)' }),
  state: Type.Enum(['idle', 'connecting', 'querying', 'receiving', 'established']),
  protocolVersion: Type.Integer({ description: 'RTR version spoken: 1 (RFC 8210) or 0 (RFC 6810)' }),
  sessionId: Nullable(Type.Integer()),
  serial: Nullable(Type.Integer()),
  refreshInterval: Type.Integer({ description: 'seconds; the cache\'s own with version 1' }),
  retryInterval: Type.Integer(),
  expireInterval: Type.Integer(),
  vrps: Closed({ ipv4: Type.Integer(), ipv6: Type.Integer() }),
  updates: Type.Integer({ description: 'serials applied from Serial Queries' }),
  resets: Type.Integer({ description: 'whole tables applied from Reset Queries' }),
  errors: Type.Integer({ description: 'protocol errors, sent or received' }),
  lastError: Nullable(Type.String()),
});
export type RpkiCache = Static<typeof RpkiCache>;

export const RpkiStatus = Closed({ caches: Type.Array(RpkiCache) });
export type RpkiStatus = Static<typeof RpkiStatus>;

export const Vrp = Closed({ prefix: Type.String(), maxLength: Type.Integer(), asn: Type.Integer() });
export type Vrp = Static<typeof Vrp>;

export const RpkiValidation = Closed({
  prefix: Type.String(),
  originAs: Type.Integer(),
  state: RpkiState,
  covering: Type.Array(Vrp, { description: 'the VRPs covering the prefix, from the caches in use' }),
});
export type RpkiValidation = Static<typeof RpkiValidation>;
