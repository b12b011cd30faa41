// Peers as the RIB sees them, and paths: immutable (peer, path id, interned attributes, next hop).
// Must not import fsm, api, daemon, node:net or metrics libraries.

import { addressToOctets } from '../wire/index.js';
import type { AttrEntry } from './attr-table.js';

export interface RibPeer {
  /** Small integer; 0 is this router (locally originated routes). */
  readonly index: number;
  readonly address: string;
  /** The address as 16 octets (IPv4 mapped) for the lowest-peer-address tie-breaker. */
  readonly addressOctets: Buffer;
  readonly asn: number;
  readonly bgpId: number;
  readonly ibgp: boolean;
  readonly local: boolean;
  readonly rrClient: boolean;
}

export class Path {
  readonly peer: RibPeer;
  /** RFC 7911 path identifier as received (0 without ADD-PATH). */
  readonly pathId: number;
  readonly entry: AttrEntry;
  /** IPv4 next hop as a number, or the MP_REACH next hop octets (IPv6, or RFC 8950). */
  readonly nextHop: number | Buffer;
  /** Policy weight (local to this router, FRR's `set weight`). */
  readonly weight: number;
  /** RFC 4724: kept from a restarting peer until it resends or its time runs out. */
  readonly stale: boolean;

  constructor(peer: RibPeer, pathId: number, entry: AttrEntry, nextHop: number | Buffer, weight = 0, stale = false) {
    this.peer = peer;
    this.pathId = pathId;
    this.entry = entry;
    this.nextHop = nextHop;
    this.weight = weight;
    this.stale = stale;
  }
}

/** 16 octets for an address text (IPv4 as ::ffff:a.b.c.d), for ordering. */
export function addressOctets(address: string): Buffer {
  const raw = addressToOctets(address);
  if (raw.length === 16) return raw;
  const b = Buffer.alloc(16);
  b[10] = 0xff;
  b[11] = 0xff;
  raw.copy(b, 12);
  return b;
}
