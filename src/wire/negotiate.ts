// What two OPENs negotiate for the codec (RFC 5492 capabilities): 4-octet AS (RFC 6793), extended
// messages (RFC 8654), ADD-PATH per AFI/SAFI and direction (RFC 7911 4). Pure; the session layer
// adds what needs configuration (hold time, AFI/SAFIs it is willing to carry).
// Must not import anything outside src/wire.

import type { AddPathEntry, Capability } from './capabilities.js';
import { type AfiSafiKey, type CodecContext, afiSafiKey } from './context.js';
import { capabilitiesOf, type OpenMessage } from './open.js';

const RECEIVE = 1;
const SEND = 2;

function find<T extends Capability['type']>(caps: Capability[], type: T): Extract<Capability, { type: T }> | undefined {
  return caps.find((c) => c.type === type) as Extract<Capability, { type: T }> | undefined;
}

function addPathEntries(caps: Capability[]): AddPathEntry[] {
  return caps.flatMap((c) => (c.type === 'add-path' ? c.entries : []));
}

/** AFI/SAFIs on which `sender` may send path ids and `receiver` accepts them. */
function addPathDirection(sender: Capability[], receiver: Capability[]): Set<AfiSafiKey> {
  const out = new Set<AfiSafiKey>();
  const rx = addPathEntries(receiver);
  for (const s of addPathEntries(sender)) {
    if ((s.sendReceive & SEND) === 0) continue;
    if (rx.some((r) => r.afi === s.afi && r.safi === s.safi && (r.sendReceive & RECEIVE) !== 0)) out.add(afiSafiKey(s.afi, s.safi));
  }
  return out;
}

/** The contexts for what we send (`tx`) and what we receive (`rx`), given our OPEN and theirs. */
export function negotiateContexts(ours: OpenMessage, theirs: OpenMessage): { tx: CodecContext; rx: CodecContext } {
  const a = capabilitiesOf(ours);
  const b = capabilitiesOf(theirs);
  const as4 = find(a, 'four-octet-as') !== undefined && find(b, 'four-octet-as') !== undefined;
  const extendedMessage = find(a, 'extended-message') !== undefined && find(b, 'extended-message') !== undefined;
  return {
    tx: { as4, extendedMessage, addPath: addPathDirection(a, b) },
    rx: { as4, extendedMessage, addPath: addPathDirection(b, a) },
  };
}
