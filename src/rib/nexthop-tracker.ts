// Next-hop tracking: whether each BGP next hop resolves, through which route, to which gateways
// and at what IGP cost, as zebra's nexthop tracking answers FRR's bgpd. RFC 4271 9.1.2.1: a route
// whose NEXT_HOP does not resolve is excluded from the decision; 9.1.2.2 e: the IGP cost to the
// next hop breaks ties. A next hop resolves through the longest route covering it, kernel routes
// other than ours (connected, static, other daemons) or the Loc-RIB's best routes, recursively:
// a BGP route's own next hop is resolved in turn. A next hop whose chain comes back to itself is
// a loop and does not resolve; the default route resolves nothing unless configured (FRR's
// `ip nht resolve-via-default`). An eBGP neighbor one hop away must give a next hop on a connected
// subnet (FRR's connected check).
// Resolutions are cached per next hop and recomputed by refresh() when routes change; a next hop
// seen for the first time is resolved at once. Must not import fsm, api, daemon, node:net or
// metrics libraries.

import { Afi, type AfiCode, ipv4ToString, ipv6ToString } from '../wire/index.js';
import type { LocRib } from './loc-rib.js';
import type { Path, RibPeer } from './path.js';
import { maskWord, samePrefixBits } from './prefix-bits.js';

/** Where the kernel sends a packet: a gateway (4 or 16 octets) out of an interface (0: any). */
export interface Gateway {
  readonly address: Buffer;
  readonly ifindex: number;
}

/** The longest kernel route (not ours) covering an address, as resolution reads it. */
export interface KernelCover {
  readonly prefix: string;
  readonly len: number;
  readonly metric: number;
  /** Its gateways; none for a connected route (the next hop itself is the gateway). */
  readonly gateways: readonly Gateway[];
  /** The interface of a connected route. */
  readonly ifindex: number;
}

/** The kernel's routes other than ours. */
export interface KernelRoutes {
  /** The longest route covering `words` no shorter than `minLen`; only connected ones when asked. */
  match(afi: AfiCode, words: readonly number[], minLen: number, connectedOnly: boolean): KernelCover | undefined;
}

export interface Resolution {
  readonly reachable: boolean;
  /** IGP cost: the metric of the kernel route the chain ends in (0 when connected); Infinity when unreachable. */
  readonly metric: number;
  /** The next hop is on a connected subnet: the kernel takes it as the gateway. */
  readonly connected: boolean;
  /** Otherwise, the gateways it resolves to. */
  readonly gateways: readonly Gateway[];
  /** The route it resolves through ("10.0.2.0/24 (bgp)"), or why it does not resolve. */
  readonly via: string;
}

export interface NexthopTrackerOptions {
  /** The default route may resolve next hops (FRR's `ip nht resolve-via-default`; default false). */
  readonly resolveViaDefault?: boolean;
  /** Whether a peer's next hops must be connected (an eBGP neighbor one hop away). */
  readonly connectedOnly: (peer: RibPeer) => boolean;
}

/** Next hops cached at most (distinct next hops; past it the cache starts over). */
const MAX_TRACKED = 65_536;
/** Routes looked at for one next hop at most (recursion through BGP routes and ECMP). */
const MAX_STEPS = 64;

const LOCAL: Resolution = Object.freeze({ reachable: true, metric: 0, connected: true, gateways: [], via: 'local' });
const CONNECTED_LINK_LOCAL: Resolution = Object.freeze({ reachable: true, metric: 0, connected: true, gateways: [], via: 'link-local, the session\'s interface' });
const NO_NEXTHOP: Resolution = Object.freeze({ reachable: false, metric: Infinity, connected: false, gateways: [], via: 'no next hop' });

interface Target {
  readonly afi: AfiCode;
  readonly words: readonly number[];
  readonly connectedOnly: boolean;
}

export class NexthopTracker {
  readonly #tables: (afi: AfiCode) => LocRib;
  readonly #kernel: KernelRoutes;
  readonly #o: NexthopTrackerOptions;
  /** Cached resolutions by key (see keyOf): IPv4 keys are numbers, IPv6 keys strings. */
  #cache = new Map<number | string, Resolution>();
  readonly #targets = new Map<number | string, Target>();

  constructor(tables: (afi: AfiCode) => LocRib, kernel: KernelRoutes, o: NexthopTrackerOptions) {
    this.#tables = tables;
    this.#kernel = kernel;
    this.#o = o;
  }

  /** The decision's IGP cost of a path: Infinity when its next hop does not resolve. */
  readonly cost = (p: Path): number => {
    const r = this.resolutionOf(p);
    return r.reachable ? r.metric : Infinity;
  };

  /** How a path's next hop resolves (cached). */
  resolutionOf(p: Path): Resolution {
    if (p.peer.local) return LOCAL;
    const nh = p.nextHop;
    const connectedOnly = this.#o.connectedOnly(p.peer);
    // The decision reads this for every path it looks at: a cached IPv4 next hop costs one lookup.
    if (typeof nh === 'number' && nh !== 0) {
      const hit = this.#cache.get(connectedOnly ? -1 - (nh >>> 0) : nh >>> 0);
      if (hit) return hit;
    } else if (typeof nh !== 'number') {
      const keys = this.#bufferKeys.get(nh);
      const hit = keys && this.#cache.get(keys[connectedOnly ? 1 : 0]);
      if (hit) return hit;
    }
    const a = addressOf(nh);
    if (a === 'link-local') return CONNECTED_LINK_LOCAL;
    if (a === 'none') return NO_NEXTHOP;
    const key = typeof nh === 'number' ? keyOf(a, connectedOnly) : this.#bufferKey(nh, a, connectedOnly);
    const hit = this.#cache.get(key);
    if (hit) return hit;
    if (this.#cache.size >= MAX_TRACKED) {
      this.#cache = new Map();
      this.#targets.clear();
      this.#recursive = 0;
      this.#sorted = { [Afi.IPV4]: undefined, [Afi.IPV6]: undefined };
    }
    const target = { ...a, connectedOnly };
    const r = this.#resolve(target, [], { steps: 0 });
    this.#cache.set(key, r);
    this.#targets.set(key, target);
    if (!connectedOnly) {
      this.#recursive++;
      this.#sorted[target.afi] = undefined;
    }
    return r;
  }

  #recursive = 0;
  /** Keys of next hop octets (paths share interned ones), without and with the connected check. */
  #bufferKeys = new WeakMap<Buffer, [number | string, number | string]>();

  #bufferKey(nh: Buffer, a: { afi: AfiCode; words: readonly number[] }, connectedOnly: boolean): number | string {
    let keys = this.#bufferKeys.get(nh);
    if (!keys) this.#bufferKeys.set(nh, (keys = [keyOf(a, false), keyOf(a, true)]));
    return keys[connectedOnly ? 1 : 0];
  }

  /** How many tracked next hops resolve through routes (not only connected subnets). */
  get recursive(): number {
    return this.#recursive;
  }

  /** How many tracked next hops resolve and how many do not (metrics: no text per next hop). */
  counts(): { reachable: number; unreachable: number } {
    let reachable = 0;
    for (const r of this.#cache.values()) if (r.reachable) reachable++;
    return { reachable, unreachable: this.#cache.size - reachable };
  }

  /** Next hops tracked now, with how each resolves. */
  entries(): { nexthop: string; connectedOnly: boolean; resolution: Resolution }[] {
    return [...this.#targets.entries()].map(([key, t]) => ({ nexthop: textOf(t), connectedOnly: t.connectedOnly, resolution: this.#cache.get(key)! }));
  }

  /**
   * Whether a change of this route can change a resolution: it covers a tracked next hop that is
   * resolved recursively (connected ones are the kernel's alone). A binary search over those next
   * hops, kept sorted: every Loc-RIB change asks.
   */
  covers(afi: AfiCode, w: readonly number[], len: number): boolean {
    const sorted = (this.#sorted[afi] ??= this.#sortedTargets(afi));
    if (sorted.length === 0) return false;
    // The first tracked address at or after the prefix's first address, and whether it is inside.
    const first = w.map((x, i) => maskWord(x, len - i * 32));
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareWords(sorted[mid], first) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo < sorted.length && samePrefixBits(sorted[lo], w, len);
  }

  /** Recursively resolved next hops of a family, sorted (rebuilt after the set changes). */
  #sorted: Record<AfiCode, (readonly number[])[] | undefined> = { [Afi.IPV4]: undefined, [Afi.IPV6]: undefined };

  #sortedTargets(afi: AfiCode): (readonly number[])[] {
    return [...this.#targets.values()].filter((t) => t.afi === afi && !t.connectedOnly).map((t) => t.words).sort(compareWords);
  }

  /**
   * Resolves every tracked next hop again (routes changed). Returns the keys whose resolution
   * changed, with a test of paths against them.
   */
  refresh(): { changed: { nexthop: string; before: Resolution; after: Resolution }[]; affects: (p: Path) => boolean } {
    const next = new Map<number | string, Resolution>();
    const changed: { nexthop: string; before: Resolution; after: Resolution }[] = [];
    const changedKeys = new Set<number | string>();
    for (const [key, t] of this.#targets) {
      const before = this.#cache.get(key)!;
      const after = this.#resolve(t, [], { steps: 0 });
      next.set(key, after);
      if (!sameResolution(before, after)) {
        changed.push({ nexthop: textOf(t), before, after });
        changedKeys.add(key);
      }
    }
    this.#cache = next;
    const affects = (p: Path) => {
      if (p.peer.local) return false;
      const a = addressOf(p.nextHop);
      return typeof a === 'object' && changedKeys.has(keyOf(a, this.#o.connectedOnly(p.peer)));
    };
    return { changed, affects };
  }

  #resolve(t: Target, visiting: string[], budget: { steps: number }): Resolution {
    const self = `${t.afi}:${t.words.join('.')}`;
    if (visiting.includes(self)) return unreachable(`loop: ${textOf(t)} resolves through itself`);
    const minLen = this.#o.resolveViaDefault ? 0 : 1;
    const kernel = this.#kernel.match(t.afi, t.words, minLen, t.connectedOnly);
    if (t.connectedOnly) {
      return kernel && kernel.gateways.length === 0 ? connectedVia(kernel) : unreachable('not on a connected subnet (eBGP neighbor one hop away)');
    }
    const table = this.#tables(t.afi);
    const [w0, w1, w2, w3] = [t.words[0] ?? 0, t.words[1] ?? 0, t.words[2] ?? 0, t.words[3] ?? 0];
    // BGP routes covering it, most specific first; a kernel route at least as specific wins (its
    // administrative distance is lower: connected, static).
    const covers = [...table.trie.covering(w0, w1, w2, w3, table.trie.width)].reverse();
    let loop: string | undefined;
    for (const node of covers) {
      const len = table.trie.len(node);
      if (len < minLen || (kernel && kernel.len >= len)) break;
      const paths = table.chosen(node).filter((p) => !p.peer.local);
      if (paths.length === 0) continue;
      const gateways: Gateway[] = [];
      let metric = Infinity;
      for (const p of paths) {
        if (++budget.steps > MAX_STEPS) return unreachable('resolution too deep');
        const a = addressOf(p.nextHop);
        if (typeof a !== 'object') continue;
        const r = this.#resolve({ ...a, connectedOnly: this.#o.connectedOnly(p.peer) }, [...visiting, self], budget);
        if (!r.reachable) {
          if (r.via.startsWith('loop')) loop = r.via;
          continue;
        }
        metric = Math.min(metric, r.metric);
        const own = r.connected ? [{ address: gatewayOctets(a), ifindex: 0 }] : r.gateways;
        for (const g of own) if (!gateways.some((x) => x.address.equals(g.address) && x.ifindex === g.ifindex)) gateways.push(g);
      }
      if (gateways.length > 0) return { reachable: true, metric, connected: false, gateways, via: `${table.textOf(node)} (bgp)` };
    }
    if (kernel) return kernel.gateways.length === 0 ? connectedVia(kernel) : { reachable: true, metric: kernel.metric, connected: false, gateways: kernel.gateways, via: `${kernel.prefix} (kernel)` };
    return unreachable(loop ?? 'no route');
  }
}

function unreachable(why: string): Resolution {
  return { reachable: false, metric: Infinity, connected: false, gateways: [], via: why };
}

function connectedVia(k: KernelCover): Resolution {
  return { reachable: true, metric: 0, connected: true, gateways: [], via: `${k.prefix} (connected)` };
}

/**
 * The address a next hop is resolved as: IPv4 (also an IPv4-mapped IPv6 one, as IPv6 routes over
 * an IPv4 session carry, and FRR tracks them as IPv4), the global IPv6 address, or a link-local
 * one (RFC 2545 3: on the session's own link), or none.
 */
function addressOf(nh: number | Buffer): { afi: AfiCode; words: readonly number[] } | 'link-local' | 'none' {
  if (typeof nh === 'number') return nh === 0 ? 'none' : { afi: Afi.IPV4, words: [nh >>> 0] };
  if (nh.length === 4) return { afi: Afi.IPV4, words: [nh.readUInt32BE(0)] };
  const words = [0, 4, 8, 12].map((o) => nh.readUInt32BE(o));
  if (words[0] === 0 && words[1] === 0 && words[2] === 0xffff) return { afi: Afi.IPV4, words: [words[3]] };
  if (words.every((w) => w === 0)) return nh.length >= 32 ? 'link-local' : 'none';
  if ((words[0] & 0xffc00000) >>> 0 === 0xfe800000) return 'link-local';
  return { afi: Afi.IPV6, words };
}

/** The cache key of an address: IPv4 ones are numbers (negative when only connected routes count). */
function keyOf(a: { afi: AfiCode; words: readonly number[] }, connectedOnly: boolean): number | string {
  if (a.afi === Afi.IPV4) return connectedOnly ? -1 - a.words[0] : a.words[0];
  return (connectedOnly ? 'c' : 'r') + a.words.map((w) => w.toString(16)).join(':');
}

/** The gateway octets of a next hop resolved as an address (IPv4, or the global IPv6 address). */
function gatewayOctets(a: { afi: AfiCode; words: readonly number[] }): Buffer {
  const b = Buffer.alloc(a.words.length * 4);
  a.words.forEach((w, i) => b.writeUInt32BE(w >>> 0, i * 4));
  return b;
}

function textOf(t: Target): string {
  if (t.afi === Afi.IPV4) return ipv4ToString(t.words[0]);
  const b = Buffer.alloc(16);
  t.words.forEach((w, i) => b.writeUInt32BE(w >>> 0, i * 4));
  return ipv6ToString(b);
}

function compareWords(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return (a[i] >>> 0) - (b[i] >>> 0);
  return 0;
}

function sameResolution(a: Resolution, b: Resolution): boolean {
  return a.reachable === b.reachable && a.metric === b.metric && a.connected === b.connected && a.via === b.via && a.gateways.length === b.gateways.length
    && a.gateways.every((g, i) => g.address.equals(b.gateways[i].address) && g.ifindex === b.gateways[i].ifindex);
}
