// The kernel's routes other than ours in our table (connected subnets, static routes, other
// daemons'), as next-hop tracking reads them: the longest route covering an address. Kept from
// the FIB's dump at start and its route notifications since.

import { AF_INET, type KernelRoute } from '../fib/index.js';
import { type Gateway, type KernelCover, type KernelRoutes, maskWord } from '../rib/index.js';
import { Afi, type AfiCode, ipv4ToString, ipv6ToString } from '../wire/index.js';

/** rtm_type of a route that forwards (linux/rtnetlink.h RTN_UNICAST). */
const RTN_UNICAST = 1;

export class KernelRouteTable implements KernelRoutes {
  readonly #table: number;
  /** Routes by family, then by length, then by masked address (hex): the routes of that prefix (metrics differ). */
  readonly #routes: Record<AfiCode, Map<number, Map<string, KernelRoute[]>>> = { [Afi.IPV4]: new Map(), [Afi.IPV6]: new Map() };

  constructor(table: number) {
    this.#table = table;
  }

  /** A route added or changed (`removed` false), or removed. Returns whether the table changed. */
  update(r: KernelRoute, removed: boolean): boolean {
    if (r.table !== this.#table) return false;
    const afi: AfiCode = r.family === AF_INET ? Afi.IPV4 : Afi.IPV6;
    const byLen = this.#routes[afi];
    const key = r.dst.toString('hex');
    const same = (x: KernelRoute) => x.metric === r.metric;
    let atLen = byLen.get(r.len);
    const list = atLen?.get(key) ?? [];
    const kept = list.filter((x) => !same(x));
    if (!removed && r.type === RTN_UNICAST) kept.push(r);
    if (kept.length === list.length && removed) return false;
    if (kept.length === 0) {
      atLen?.delete(key);
      if (atLen?.size === 0) byLen.delete(r.len);
      return true;
    }
    if (!atLen) byLen.set(r.len, (atLen = new Map()));
    atLen.set(key, kept.sort((a, b) => a.metric - b.metric));
    return true;
  }

  /** Forgets every route (a fresh dump follows). */
  clear(): void {
    this.#routes[Afi.IPV4].clear();
    this.#routes[Afi.IPV6].clear();
  }

  match(afi: AfiCode, words: readonly number[], minLen: number, connectedOnly: boolean): KernelCover | undefined {
    const byLen = this.#routes[afi];
    const lengths = [...byLen.keys()].filter((l) => l >= minLen).sort((a, b) => b - a);
    const width = afi === Afi.IPV4 ? 4 : 16;
    for (const len of lengths) {
      const key = masked(words, len, width).toString('hex');
      const routes = byLen.get(len)!.get(key);
      const r = routes?.find((x) => !connectedOnly || x.nexthops.length === 0);
      if (r) return coverOf(afi, r);
    }
    return undefined;
  }
}

function masked(words: readonly number[], len: number, width: number): Buffer {
  const b = Buffer.alloc(width);
  for (let i = 0; i < width / 4; i++) b.writeUInt32BE(maskWord(words[i] ?? 0, len - i * 32), i * 4);
  return b;
}

function coverOf(afi: AfiCode, r: KernelRoute): KernelCover {
  const prefix = `${afi === Afi.IPV4 ? ipv4ToString(r.dst.readUInt32BE(0)) : ipv6ToString(r.dst)}/${r.len}`;
  const gateways: Gateway[] = r.nexthops.map((n) => ({ address: n.gateway, ifindex: n.ifindex ?? 0 }));
  return { prefix, len: r.len, metric: r.metric, gateways, ifindex: r.oif ?? 0 };
}
