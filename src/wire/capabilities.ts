// BGP capabilities (RFC 5492) carried in OPEN: decode and encode, one entry per capability code.
// RFC 4760, 2918, 5291, 6793, 4724, 7911, 8654, 8950, 7313, 9234, 9494, FQDN (as FRR sends it).
// Must not import anything outside src/wire.

import { CapabilityCode, ErrorCode, OpenSubcode } from './constants.js';
import { BgpProtocolError } from './error.js';
import type { Reader } from './reader.js';
import type { Writer } from './writer.js';

export interface AfiSafi {
  readonly afi: number;
  readonly safi: number;
}

/** RFC 7911: 1 receive, 2 send, 3 both. */
export interface AddPathEntry extends AfiSafi {
  readonly sendReceive: number;
}
/** RFC 4724: per-AFI flags, 0x80 = forwarding state preserved. */
export interface GracefulRestartEntry extends AfiSafi {
  readonly flags: number;
}
/** RFC 9494: per-AFI flags (0x80 forwarding preserved) and the long-lived stale time in seconds. */
export interface LongLivedGrEntry extends AfiSafi {
  readonly flags: number;
  readonly staleTime: number;
}
/** RFC 8950: IPv4 NLRI (afi, safi) that may carry a next hop of `nextHopAfi`. */
export interface ExtendedNextHopEntry extends AfiSafi {
  readonly nextHopAfi: number;
}

export type Capability =
  | { readonly type: 'multiprotocol'; readonly afi: number; readonly safi: number }
  | { readonly type: 'route-refresh'; readonly code: 2 | 128 }
  | { readonly type: 'extended-next-hop'; readonly entries: readonly ExtendedNextHopEntry[] }
  | { readonly type: 'extended-message' }
  | { readonly type: 'role'; readonly role: number }
  /** `flags` is the 4-bit field: 0x8 Restart State (R), 0x4 Notification (N, RFC 8538). */
  | { readonly type: 'graceful-restart'; readonly flags: number; readonly restartTime: number; readonly entries: readonly GracefulRestartEntry[] }
  | { readonly type: 'four-octet-as'; readonly asn: number }
  | { readonly type: 'add-path'; readonly entries: readonly AddPathEntry[] }
  | { readonly type: 'enhanced-route-refresh' }
  | { readonly type: 'long-lived-graceful-restart'; readonly entries: readonly LongLivedGrEntry[] }
  | { readonly type: 'fqdn'; readonly hostname: string; readonly domain: string }
  | { readonly type: 'unknown'; readonly code: number; readonly value: Buffer };

function bad(code: number, reason: string): BgpProtocolError {
  // RFC 4271 6.2: a recognized but malformed optional parameter is OPEN error, subcode 0.
  return new BgpProtocolError(ErrorCode.OPEN_MESSAGE, OpenSubcode.UNSPECIFIC, undefined, `capability ${code}: ${reason}`);
}

function entries<T>(r: Reader, code: number, size: number, read: () => T): T[] {
  if (r.remaining % size !== 0) throw bad(code, `length ${r.remaining} is not a multiple of ${size}`);
  const out: T[] = [];
  while (r.remaining > 0) out.push(read());
  return out;
}

function exact(r: Reader, code: number, n: number): void {
  if (r.remaining !== n) throw bad(code, `length ${r.remaining}, expected ${n}`);
}

export function decodeCapability(code: number, r: Reader): Capability {
  switch (code) {
    case CapabilityCode.MULTIPROTOCOL: {
      exact(r, code, 4);
      const afi = r.u16();
      r.u8(); // reserved
      return { type: 'multiprotocol', afi, safi: r.u8() };
    }
    case CapabilityCode.ROUTE_REFRESH:
    case CapabilityCode.ROUTE_REFRESH_OLD:
      exact(r, code, 0);
      return { type: 'route-refresh', code };
    case CapabilityCode.EXTENDED_NEXT_HOP:
      return { type: 'extended-next-hop', entries: entries(r, code, 6, () => ({ afi: r.u16(), safi: r.u16(), nextHopAfi: r.u16() })) };
    case CapabilityCode.EXTENDED_MESSAGE:
      exact(r, code, 0);
      return { type: 'extended-message' };
    case CapabilityCode.ROLE:
      exact(r, code, 1);
      return { type: 'role', role: r.u8() };
    case CapabilityCode.GRACEFUL_RESTART: {
      if (r.remaining < 2 || (r.remaining - 2) % 4 !== 0) throw bad(code, `length ${r.remaining}`);
      const word = r.u16();
      const list = entries(r, code, 4, () => ({ afi: r.u16(), safi: r.u8(), flags: r.u8() }));
      return { type: 'graceful-restart', flags: word >>> 12, restartTime: word & 0xfff, entries: list };
    }
    case CapabilityCode.FOUR_OCTET_AS:
      exact(r, code, 4);
      return { type: 'four-octet-as', asn: r.u32() };
    case CapabilityCode.ADD_PATH:
      return { type: 'add-path', entries: entries(r, code, 4, () => ({ afi: r.u16(), safi: r.u8(), sendReceive: r.u8() })) };
    case CapabilityCode.ENHANCED_ROUTE_REFRESH:
      exact(r, code, 0);
      return { type: 'enhanced-route-refresh' };
    case CapabilityCode.LONG_LIVED_GRACEFUL_RESTART:
      return { type: 'long-lived-graceful-restart', entries: entries(r, code, 7, () => ({ afi: r.u16(), safi: r.u8(), flags: r.u8(), staleTime: r.u24() })) };
    case CapabilityCode.FQDN: {
      const hostname = r.bytes(r.u8()).toString('utf8');
      const domain = r.bytes(r.u8()).toString('utf8');
      if (r.remaining !== 0) throw bad(code, 'trailing octets');
      return { type: 'fqdn', hostname, domain };
    }
    default:
      return { type: 'unknown', code, value: Buffer.from(r.rest()) };
  }
}

export function capabilityCode(c: Capability): number {
  switch (c.type) {
    case 'multiprotocol': return CapabilityCode.MULTIPROTOCOL;
    case 'route-refresh': return c.code;
    case 'extended-next-hop': return CapabilityCode.EXTENDED_NEXT_HOP;
    case 'extended-message': return CapabilityCode.EXTENDED_MESSAGE;
    case 'role': return CapabilityCode.ROLE;
    case 'graceful-restart': return CapabilityCode.GRACEFUL_RESTART;
    case 'four-octet-as': return CapabilityCode.FOUR_OCTET_AS;
    case 'add-path': return CapabilityCode.ADD_PATH;
    case 'enhanced-route-refresh': return CapabilityCode.ENHANCED_ROUTE_REFRESH;
    case 'long-lived-graceful-restart': return CapabilityCode.LONG_LIVED_GRACEFUL_RESTART;
    case 'fqdn': return CapabilityCode.FQDN;
    case 'unknown': return c.code;
  }
}

/** Writes code, length and value of one capability. */
export function encodeCapability(w: Writer, c: Capability): void {
  w.u8(capabilityCode(c));
  const at = w.reserve(1);
  switch (c.type) {
    case 'multiprotocol': w.u16(c.afi).u8(0).u8(c.safi); break;
    case 'extended-next-hop': for (const e of c.entries) w.u16(e.afi).u16(e.safi).u16(e.nextHopAfi); break;
    case 'role': w.u8(c.role); break;
    case 'graceful-restart':
      w.u16(((c.flags & 0xf) << 12) | (c.restartTime & 0xfff));
      for (const e of c.entries) w.u16(e.afi).u8(e.safi).u8(e.flags);
      break;
    case 'four-octet-as': w.u32(c.asn); break;
    case 'add-path': for (const e of c.entries) w.u16(e.afi).u8(e.safi).u8(e.sendReceive); break;
    case 'long-lived-graceful-restart': for (const e of c.entries) w.u16(e.afi).u8(e.safi).u8(e.flags).u24(e.staleTime); break;
    case 'fqdn': {
      const h = Buffer.from(c.hostname, 'utf8');
      const d = Buffer.from(c.domain, 'utf8');
      w.u8(h.length).bytes(h).u8(d.length).bytes(d);
      break;
    }
    case 'unknown': w.bytes(c.value); break;
    case 'route-refresh':
    case 'extended-message':
    case 'enhanced-route-refresh':
      break;
  }
  w.patch(at, 1);
}

/** Decodes the capabilities in one Capabilities optional parameter. */
export function decodeCapabilities(r: Reader): Capability[] {
  const out: Capability[] = [];
  while (r.remaining > 0) {
    if (r.remaining < 2) throw bad(0, 'truncated capability header');
    const code = r.u8();
    const len = r.u8();
    if (len > r.remaining) throw bad(code, `length ${len} runs past the parameter`);
    out.push(decodeCapability(code, r.sub(len, ErrorCode.OPEN_MESSAGE, OpenSubcode.UNSPECIFIC)));
  }
  return out;
}

