// The event stream's payloads (GET /v1/events, Server-Sent Events), like `gobgp monitor`.

import { Closed, FamilyName, Nullable, Time, Type, type Static } from './common.js';
import { SessionState } from './neighbors.js';
import { Path } from './paths.js';

/** `event: session`: a neighbor's session changed state. */
export const SessionEvent = Closed({ neighbor: Type.String(), from: SessionState, to: SessionState, at: Time });
export type SessionEvent = Static<typeof SessionEvent>;

/** `event: route`: a prefix's best path changed (null: no route any more). */
export const RouteEvent = Closed({ family: FamilyName, prefix: Type.String(), best: Nullable(Path) });
export type RouteEvent = Static<typeof RouteEvent>;
