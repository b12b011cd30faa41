// Peers as the RIB sees them, and paths: (peer, path id, interned attributes, next hop).
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

/** A path as readers see it: a snapshot made by the Loc-RIB's store (src/rib/path-store.ts). */
export class Path {
  readonly peer: RibPeer;
  /** RFC 7911 path identifier as received (0 without ADD-PATH). */
  readonly pathId: number;
  readonly entry: AttrEntry;
  /** IPv4 next hop as a number, or the MP_REACH next hop octets (IPv6, or RFC 8950). */
  readonly nextHop: number | Buffer;
  /** Policy weight (local to this router, FRR's `set weight`). */
  readonly weight: number;
  /** RFC 4724 / RFC 7313: kept from a restarting (or refreshing) peer until it sends it again or its time runs out. */
  readonly stale: boolean;
  /** When it was received or originated: whole seconds on the RIB's clock. */
  readonly at: number;

  constructor(peer: RibPeer, pathId: number, entry: AttrEntry, nextHop: number | Buffer, weight = 0, stale = false, at = 0) {
    this.peer = peer;
    this.pathId = pathId;
    this.entry = entry;
    this.nextHop = nextHop;
    this.weight = weight;
    this.stale = stale;
    this.at = at;
  }
}

/** Whether two paths of one prefix are the same path: the same (peer, path id). */
export function samePath(a: Path, b: Path): boolean {
  return a.peer.index === b.peer.index && a.pathId === b.pathId;
}

/** The key of (peer, path id) in one number (peer index below 2^16, path id below 2^32). */
export function pathKey(peerIndex: number, pathId: number): number {
  return peerIndex * 0x100000000 + (pathId >>> 0);
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
