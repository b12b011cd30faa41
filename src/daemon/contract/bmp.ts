// BMP monitoring stations (RFC 7854), like FRR's `show bmp`.

import { Closed, Nullable, Type, type Static } from './common.js';

export const BmpCollector = Closed({
  address: Type.String(),
  port: Type.Integer(),
  up: Type.Boolean({ description: 'the connection to the collector is up' }),
  dumping: Type.Boolean({ description: 'the initial dump is still being sent' }),
  messages: Type.Integer({ description: 'BMP messages sent' }),
  octets: Type.Integer(),
  resyncs: Type.Integer({ description: 'times the collector fell too far behind and was dropped (a whole dump followed)' }),
  lastError: Nullable(Type.String()),
});
export type BmpCollector = Static<typeof BmpCollector>;

export const BmpStatus = Closed({ collectors: Type.Array(BmpCollector) });
export type BmpStatus = Static<typeof BmpStatus>;
