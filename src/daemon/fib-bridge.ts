// Between the Loc-RIB and the kernel: which route each prefix should have in the kernel (its best
// path and multipath set as ECMP next hops, through the FIB filter route-map), never our own
// routes or a next hop that is one of our addresses. A prefix installed in the kernel is held in
// the Loc-RIB (as an Adj-RIB-Out holds what it advertised) so that its node, and its id, stay
// until the kernel route is removed.

import { isIPv6 } from 'node:net';
import { networkInterfaces } from 'node:os';
import { readFileSync } from 'node:fs';
import type { FibConfig } from '../config/types.js';
import { AF_INET, AF_INET6, type Family, Fib, type FibEvents, type KernelRoute, type Nexthop, RT_TABLE_MAIN, RTPROT_BGP, openRtnetlink } from '../fib/index.js';
import { type Path, type Rib, type RouteMap, type RouteNode, evaluateRouteMap } from '../rib/index.js';
import { Afi, addressToOctets } from '../wire/index.js';

export interface FibBridgeOptions {
  readonly config: FibConfig;
  readonly rib: Rib;
  readonly filter: () => RouteMap | undefined;
  /** The interface index toward a peer (for IPv6 link-local next hops), by peer index. */
  readonly ifindexOfPeer: (peerIndex: number) => number | undefined;
  readonly events?: FibEvents;
}

const familyOf = (afi: number): Family => (afi === Afi.IPV4 ? 4 : 6);

export class FibBridge {
  readonly fib: Fib;
  readonly #o: FibBridgeOptions;
  readonly #nodes: Record<Family, (RouteNode | undefined)[]> = { 4: [], 6: [] };
  /** Our own addresses as hex: a next hop among them is never installed. */
  #own = ownAddresses();
  /**
   * Interface index per peer for link-local next hops, kept for one turn of the event loop: a batch
   * resolves thousands of routes through the same few peers, and each lookup reads sysfs.
   */
  readonly #ifindexes = new Map<number, number | undefined>();

  constructor(o: FibBridgeOptions) {
    this.#o = o;
    const c = o.config;
    this.fib = new Fib(openRtnetlink(), {
      route: (f, id) => this.#route(f, id),
      prefix: (f, id) => prefixOf(f, this.#nodes[f][id]!),
      installed: (f, id, yes) => this.#held(f, id, yes),
    }, { table: c.table ?? RT_TABLE_MAIN, metric: c.metric ?? 20, protocol: RTPROT_BGP }, o.events);
    o.rib.addListener({ changed: (afi, node) => this.changed(afi, node) });
  }

  changed(afi: number, node: RouteNode): void {
    const f = familyOf(afi);
    this.#nodes[f][node.id] = node;
    this.fib.dirty(f, node.id);
  }

  /** Everything again (a new filter, or our addresses changed). */
  refreshAll(): void {
    this.#own = ownAddresses();
    for (const afi of [Afi.IPV4, Afi.IPV6] as const) this.#o.rib.table(afi).trie.forEach((n) => this.changed(afi, n));
  }

  #held(f: Family, id: number, yes: boolean): void {
    const node = this.#nodes[f][id];
    if (!node?.value) return;
    if (yes) {
      node.value.holds++;
      return;
    }
    node.value.holds--;
    this.#o.rib.table(f === 4 ? Afi.IPV4 : Afi.IPV6).release(node);
  }

  #route(f: Family, id: number): KernelRoute | null {
    const node = this.#nodes[f][id];
    const e = node?.value;
    const best = e?.best;
    if (!node || !e || !best || best.peer.local) return null;
    const filter = this.#o.filter();
    if (filter && !this.#permitted(filter, f, node, best)) return null;
    const nexthops: Nexthop[] = [];
    const seen = new Set<string>();
    for (const p of e.multipath ?? [best]) {
      const nh = this.#nexthop(p);
      if (!nh) continue;
      const key = nh.gateway.toString('hex');
      if (seen.has(key) || this.#own.has(key)) continue;
      seen.add(key);
      nexthops.push(nh);
    }
    if (nexthops.length === 0) return null;
    const o = this.fib.options;
    const p = prefixOf(f, node);
    return { family: f === 4 ? AF_INET : AF_INET6, dst: p.dst, len: p.len, table: o.table, protocol: o.protocol, metric: o.metric, nexthops };
  }

  #permitted(map: RouteMap, f: Family, node: RouteNode, best: Path): boolean {
    const words: number[] = [];
    for (let i = 0; i < (f === 4 ? 1 : 4); i++) words.push(node.word(i));
    const r = evaluateRouteMap(map, { afi: f === 4 ? 1 : 2, words, length: node.len, attrs: best.entry.attrs, asPath: best.entry.asPath, nextHop: best.nextHop, peerAddress: best.peer.address, weight: best.weight }, { policies: this.#o.rib.policy.policies });
    return r.verdict === 'permit';
  }

  /**
   * The kernel next hop of a path: its IPv4 next hop; or the MP_REACH one (global, else the
   * link-local one with the interface toward the peer).
   */
  #nexthop(p: Path): Nexthop | undefined {
    const nh = p.nextHop;
    if (typeof nh === 'number') {
      if (nh === 0) return undefined;
      const b = Buffer.alloc(4);
      b.writeUInt32BE(nh >>> 0, 0);
      return { gateway: b };
    }
    if (nh.length === 4) return nh.readUInt32BE(0) === 0 ? undefined : { gateway: Buffer.from(nh) };
    const global = nh.subarray(0, 16);
    if (!global.every((x) => x === 0) && !(global[0] === 0xfe && (global[1] & 0xc0) === 0x80)) return { gateway: Buffer.from(global) };
    const linkLocal = nh.length >= 32 ? nh.subarray(16, 32) : global;
    const ifindex = this.#ifindexOf(p.peer.index);
    return ifindex ? { gateway: Buffer.from(linkLocal), ifindex } : undefined;
  }

  #ifindexOf(peerIndex: number): number | undefined {
    if (this.#ifindexes.size === 0) queueMicrotask(() => this.#ifindexes.clear());
    if (!this.#ifindexes.has(peerIndex)) this.#ifindexes.set(peerIndex, this.#o.ifindexOfPeer(peerIndex));
    return this.#ifindexes.get(peerIndex);
  }
}

function prefixOf(f: Family, node: RouteNode): { dst: Buffer; len: number } {
  const dst = Buffer.alloc(f === 4 ? 4 : 16);
  for (let i = 0; i < dst.length / 4; i++) dst.writeUInt32BE(node.word(i) >>> 0, i * 4);
  return { dst, len: node.len };
}

function ownAddresses(): Set<string> {
  const out = new Set<string>();
  for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) out.add(addressToOctets(a.address.split('%')[0]).toString('hex'));
  return out;
}

/** The index of the interface that holds `address` (Linux sysfs), for link-local next hops. */
export function ifindexOfAddress(address: string): number | undefined {
  for (const [name, list] of Object.entries(networkInterfaces())) {
    if (!list?.some((a) => a.address === address || (isIPv6(address) && a.address.split('%')[0] === address))) continue;
    try {
      return Number(readFileSync(`/sys/class/net/${name}/ifindex`, 'utf8').trim());
    } catch {
      return undefined;
    }
  }
  return undefined;
}
