// Health, configuration, logging, memory and the answers to writes.

import { Closed, Nullable, Ok, Time, Type, type Static } from './common.js';

export const Health = Closed({ ok: Type.Boolean() });
export const Ready = Closed({ ok: Type.Boolean(), listening: Type.Array(Type.Integer(), { description: 'BGP ports listened on' }) });
export type Ready = Static<typeof Ready>;

const Listed = Type.Array(Type.String(), { description: 'at most 100 listed; `counts` has the numbers' });
export const ReloadResult = Closed({
  changed: Type.Boolean(),
  added: Listed,
  removed: Listed,
  reset: Listed,
  soft: Listed,
  policyChanged: Type.Boolean(),
  originated: Listed,
  withdrawn: Listed,
  counts: Closed({ added: Type.Integer(), removed: Type.Integer(), reset: Type.Integer(), soft: Type.Integer(), originated: Type.Integer(), withdrawn: Type.Integer() }),
  also: Type.Array(Type.Enum(['dynamicNeighbors', 'aggregates', 'fib.filter', 'mrt', 'rpki', 'bmp']), { description: 'other sections that changed, applied at once' }),
}, { description: 'what a reload changed: neighbors added, removed, reset (hard) or updated in place (soft), prefixes originated and withdrawn' });
export type ReloadResult = Static<typeof ReloadResult>;

export const LastReload = Nullable(Closed({ at: Time, ok: Type.Boolean(), result: Type.Optional(ReloadResult), error: Type.Optional(Type.String()) }), { description: 'null: none since the start' });
export type LastReload = Static<typeof LastReload>;
export const LastReloadAnswer = Closed({ lastReload: LastReload });

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const;
export const LogLevel = Type.Enum(LOG_LEVELS);
export type LogLevel = Static<typeof LogLevel>;
/** The level in force: a level above, or `silent` (nothing logged). */
export const CurrentLogLevel = Type.Enum([...LOG_LEVELS, 'silent']);
export type CurrentLogLevel = Static<typeof CurrentLogLevel>;
export const LogLevelAnswer = Closed({ level: CurrentLogLevel });

export const Compacted = Closed({ heapBefore: Type.Integer(), heapAfter: Type.Integer(), rssAfter: Type.Integer() }, { description: 'bytes' });
export type Compacted = Static<typeof Compacted>;

export const SoftResetResult = Closed({
  in: Type.Optional(Type.Enum(['from-memory', 'route-refresh', 'not-possible'], { description: 'from kept routes, by ROUTE-REFRESH (RFC 2918/7313), or not possible' })),
  out: Type.Optional(Type.Literal('resent')),
});
export type SoftResetResult = Static<typeof SoftResetResult>;

// --- requests -----------------------------------------------------------------------------------

export const Announce = Closed({
  prefix: Type.String(),
  communities: Type.Optional(Type.Array(Type.String(), { maxItems: 256 })),
  nextHop: Type.Optional(Type.String({ description: 'default: our address on each session' })),
  med: Type.Optional(Type.Integer({ minimum: 0, maximum: 4294967295 })),
  localPref: Type.Optional(Type.Integer({ minimum: 0, maximum: 4294967295 })),
  linkBandwidth: Type.Optional(Type.Integer({ minimum: 1, maximum: 25600, description: 'link bandwidth extended community in Mbps: receivers weigh their multipath next hops by it (FRR `set extcommunity bandwidth`)' })),
});
export type Announce = Static<typeof Announce>;
export const Message = Closed({ message: Type.Optional(Type.String({ maxLength: 255, description: 'RFC 9003 shutdown communication' })) });
export const SoftResetRequest = Closed({ direction: Type.Optional(Type.Enum(['in', 'out', 'both'])) });
export const RibDumpRequest = Closed({ name: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$', description: 'file name in mrt.directory; default rib.YYYYMMDD.HHMMSS.mrt (UTC)' })) });

// --- answers to writes --------------------------------------------------------------------------

export const Announced = Ok({ announced: Type.String() });
export const Withdrawn = Ok({ withdrawn: Type.String() });
export const NeighborDone = Ok({ neighbor: Type.String(), done: Type.Optional(SoftResetResult) });
export const Reloaded = Ok({ result: ReloadResult });
export const LogLevelSet = Ok({ level: LogLevel });
export const RibDumped = Ok({
  file: Type.String(),
  prefixes: Type.Integer(),
  paths: Type.Integer(),
  bytes: Type.Integer(),
  seconds: Type.Number(),
});
export type RibDumped = Static<typeof RibDumped>;
