// Between the Loc-RIB and the kernel: which route each prefix should have in the kernel (its best
// path and multipath set as ECMP next hops, through the FIB filter route-map), never our own
// routes or a next hop that is one of our addresses. It sees the RIB only through its kernel
// view: ids, the paths chosen for them, and pins that keep an id alive while a kernel route for
// it exists.

import { isIPv6 } from 'node:net';
import { networkInterfaces } from 'node:os';
import { readFileSync } from 'node:fs';
import type { FibConfig } from '../config/types.js';
import type { Clock, TimerHandle } from '../fsm/index.js';
import { AF_INET, AF_INET6, type Family, Fib, type FibEvents, type KernelRoute, type Nexthop, RT_TABLE_MAIN, openRouteMonitor, openRtnetlink } from '../fib/index.js';
import { type KernelPath, KernelView, type Position, type Rib, type RouteMap, evaluateRouteMap, maskWord } from '../rib/index.js';
import { Afi, type AfiCode, addressToOctets, ipv4ToString, ipv6ToString, isLinkLocalIpv6, linkBandwidthOf } from '../wire/index.js';
import type { DaemonEvents } from './events.js';

/** Our routes' protocol number in the kernel ("proto nodebgp" with the iproute2 name file we ship). */
export const RTPROT_NODEBGP = 201;

export interface FibBridgeOptions {
  readonly config: FibConfig;
  readonly rib: Rib;
  readonly filter: () => RouteMap | undefined;
  /** Our address on the session with a peer (its interface takes IPv6 link-local next hops), by peer index. */
  readonly localAddressOfPeer: (peerIndex: number) => string | undefined;
  readonly events?: DaemonEvents;
  readonly clock: Clock;
  /** Hears the kernel's routes not ours: each change, and all of them again after addresses change (next-hop tracking). */
  readonly otherRoutes?: {
    kernelRoute(r: KernelRoute, removed: boolean): void;
    kernelRoutes(routes: readonly KernelRoute[]): void;
    /** Whether routes silently gone matter (next hops resolved through gateway routes): worth a dump of the table. */
    readonly wantsReread: boolean;
  };
}

/** The kernel's reports as the daemon's events, prefixes as text. */
function fibEvents(events: DaemonEvents): FibEvents {
  return {
    routeError: (family, dst, len, errno) => events.fibError?.(kernelPrefixText(family, dst, len), errno, `the kernel refused the route (errno ${errno})`),
    transportError: (e) => events.fibError?.(undefined, 0, `netlink: ${e.message}`),
    routeRestored: (family, dst, len) => events.fibRestored?.(kernelPrefixText(family, dst, len)),
  };
}

function kernelPrefixText(family: Family, dst: Buffer, len: number): string {
  return `${family === 4 ? ipv4ToString(dst.readUInt32BE(0)) : ipv6ToString(dst)}/${len}`;
}

const familyOf = (afi: AfiCode): Family => (afi === Afi.IPV4 ? 4 : 6);
const afiOf = (f: Family): AfiCode => (f === 4 ? Afi.IPV4 : Afi.IPV6);

export class FibBridge {
  readonly fib: Fib;
  readonly #o: FibBridgeOptions;
  readonly #view: KernelView;
  /** Our own addresses as hex: a next hop among them is never installed. */
  #own = ownAddresses();
  /** Our directly connected subnets: a BGP route for one of them never replaces the connected route. */
  #connected = connectedSubnets();
  /**
   * Interface index per peer for link-local next hops, kept for one turn of the event loop: a batch
   * resolves thousands of routes through the same few peers, and each lookup reads sysfs.
   */
  readonly #ifindexes = new Map<number, number | undefined>();
  readonly #ipv4Nexthops = new Map<number, { nexthop: Nexthop; key: string }>();
  #addressTimer: TimerHandle | undefined;

  constructor(o: FibBridgeOptions) {
    this.#o = o;
    const c = o.config;
    this.#view = new KernelView(o.rib, (afi, id) => this.fib.dirty(familyOf(afi), id));
    const events: FibEvents = { ...fibEvents(o.events ?? {}), ...(o.otherRoutes ? { otherRoute: (r: KernelRoute, removed: boolean) => o.otherRoutes!.kernelRoute(r, removed) } : {}) };
    const socket = openRtnetlink({ writerThread: o.clock });
    const monitor = openRouteMonitor(socket.portId);
    this.fib = new Fib(socket, {
      route: (f, id) => this.#route(f, id),
      prefix: (f, id) => kernelPrefix(f, this.#view.prefix(afiOf(f), id)),
      installed: (f, id, yes) => (yes ? this.#view.pin(afiOf(f), id) : this.#view.unpin(afiOf(f), id)),
      idOf: (f, dst, len) => this.#view.idOf(afiOf(f), positionOfKernel(dst, len)),
    }, { table: c.table ?? RT_TABLE_MAIN, metric: c.metric ?? 20, protocol: c.protocol ?? RTPROT_NODEBGP }, {
      ...events,
      // Addresses come and go in bursts (an interface up with several): look again once they settle.
      addressesChanged: () => {
        if (this.#addressTimer) o.clock.clearTimeout(this.#addressTimer);
        this.#addressTimer = o.clock.setTimeout(() => {
          this.refreshAll();
          void this.#rereadOtherRoutes();
        }, 500);
      },
    }, monitor);
    for (const p of [...socket.problems, ...monitor.problems]) events.transportError?.(new Error(p));
  }

  /** Stops writing to the kernel (what is there stays) and releases the sockets and the timer. */
  close(): void {
    if (this.#addressTimer) this.#o.clock.clearTimeout(this.#addressTimer);
    this.#addressTimer = undefined;
    this.fib.close();
  }

  /**
   * The kernel's other routes again: an address removed takes the IPv4 routes through it with
   * it, and the kernel tells no one (connected routes it does tell of). A dump reads our routes
   * too, so only when some next hop resolves through a gateway route.
   */
  async #rereadOtherRoutes(): Promise<void> {
    const others = this.#o.otherRoutes;
    if (!others?.wantsReread) return;
    const c = this.fib.options;
    const routes = await this.fib.routes();
    others.kernelRoutes(routes.filter((r) => r.protocol !== c.protocol || r.table !== c.table));
  }

  /** Everything again (a new filter, or our addresses changed). */
  refreshAll(): void {
    this.#own = ownAddresses();
    this.#connected = connectedSubnets();
    for (const afi of [Afi.IPV4, Afi.IPV6] as const) this.#view.forEach(afi, (id) => this.fib.dirty(familyOf(afi), id));
  }

  #route(f: Family, id: number): KernelRoute | null {
    const choice = this.#view.route(afiOf(f), id);
    const best = choice?.paths[0];
    if (!choice || !best || best.local) return null;
    // Connected routes win, as zebra's administrative distance has it: a peer announcing the
    // node's own subnet must not make the LAN reachable only through it (IPv6 connected routes
    // have metric 256, ours would win).
    if (this.#connected.lengths.has(choice.prefix.len) && this.#connected.keys.has(subnetKey(f, choice.prefix.words, choice.prefix.len))) return null;
    const filter = this.#o.filter();
    if (filter && !this.#permitted(filter, f, choice.prefix, best)) return null;
    let nexthops: Nexthop[] = [];
    const seen: string[] = [];
    const used: KernelPath[] = [];
    let resolved = false;
    for (const p of choice.paths) {
      // A next hop resolved through another route: the kernel gets that route's gateways.
      const hops = p.gateways ? p.gateways.map((g) => ({ nexthop: g.ifindex ? { gateway: g.address, ifindex: g.ifindex } : { gateway: g.address }, key: `${g.address.toString('hex')}%${g.ifindex}` })) : [this.#nexthop(p)];
      resolved ||= p.gateways !== undefined;
      for (const nh of hops) {
        if (!nh) continue;
        const key = nh.key;
        if (seen.includes(key) || this.#own.has(key)) continue;
        seen.push(key);
        nexthops.push(nh.nexthop);
        used.push(p);
      }
    }
    if (nexthops.length === 0) return null;
    if (nexthops.length > 1 && !resolved) nexthops = weighted(nexthops, used.map((p) => linkBandwidthOf(p.attrs.extendedCommunities)));
    const o = this.fib.options;
    const p = kernelPrefix(f, choice.prefix);
    return { family: f === 4 ? AF_INET : AF_INET6, dst: p.dst, len: p.len, table: o.table, protocol: o.protocol, metric: o.metric, nexthops };
  }

  #permitted(map: RouteMap, f: Family, prefix: Position, best: KernelPath): boolean {
    const words = f === 4 ? [prefix.words[0]] : [...prefix.words];
    const r = evaluateRouteMap(map, { afi: f === 4 ? 1 : 2, words, length: prefix.len, attrs: best.attrs, asPath: best.asPath, nextHop: best.nextHop, peerAddress: best.peerAddress, weight: best.weight }, { policies: this.#o.rib.policy.policies });
    return r.verdict === 'permit';
  }

  /**
   * The kernel next hop of a path: its IPv4 next hop; or the MP_REACH one (global, else the
   * link-local one with the interface toward the peer).
   */
  #nexthop(p: KernelPath): { nexthop: Nexthop; key: string } | undefined {
    const nh = p.nextHop;
    if (typeof nh === 'number') return nh === 0 ? undefined : this.#ipv4Nexthop(nh >>> 0);
    if (nh.length === 4) return nh.readUInt32BE(0) === 0 ? undefined : this.#ipv4Nexthop(nh.readUInt32BE(0));
    const global = nh.subarray(0, 16);
    if (!global.every((x) => x === 0) && !isLinkLocalIpv6(global)) return { nexthop: { gateway: Buffer.from(global) }, key: global.toString('hex') };
    const linkLocal = nh.length >= 32 ? nh.subarray(16, 32) : global;
    const ifindex = this.#ifindexOf(p.peerIndex);
    return ifindex ? { nexthop: { gateway: Buffer.from(linkLocal), ifindex }, key: `${linkLocal.toString('hex')}%${ifindex}` } : undefined;
  }

  /** An IPv4 next hop, made once per address (a table has few; the kernel encoder only reads it). */
  #ipv4Nexthop(address: number): { nexthop: Nexthop; key: string } {
    let n = this.#ipv4Nexthops.get(address);
    if (!n) {
      if (this.#ipv4Nexthops.size >= 4096) this.#ipv4Nexthops.clear();
      const gateway = Buffer.alloc(4);
      gateway.writeUInt32BE(address, 0);
      n = { nexthop: { gateway }, key: gateway.toString('hex') };
      this.#ipv4Nexthops.set(address, n);
    }
    return n;
  }

  #ifindexOf(peerIndex: number): number | undefined {
    if (this.#ifindexes.size === 0) queueMicrotask(() => this.#ifindexes.clear());
    if (!this.#ifindexes.has(peerIndex)) this.#ifindexes.set(peerIndex, ifindexOfAddress(this.#o.localAddressOfPeer(peerIndex)));
    return this.#ifindexes.get(peerIndex);
  }
}

function kernelPrefix(f: Family, p: Position): { dst: Buffer; len: number } {
  // Every octet is written: pooled memory needs no zeroing.
  const dst = Buffer.allocUnsafe(f === 4 ? 4 : 16);
  for (let i = 0; i < dst.length / 4; i++) dst.writeUInt32BE(p.words[i] >>> 0, i * 4);
  return { dst, len: p.len };
}

function positionOfKernel(dst: Buffer, len: number): Position {
  const w = [0, 0, 0, 0] as [number, number, number, number];
  for (let i = 0; i < dst.length / 4; i++) w[i] = dst.readUInt32BE(i * 4);
  return { words: w, len };
}

function subnetKey(f: Family, words: readonly number[], len: number): string {
  return `${f}|${words.slice(0, f === 4 ? 1 : 4).map((w) => (w >>> 0).toString(16)).join(':')}/${len}`;
}

/** The subnets of our interface addresses (networkInterfaces' CIDRs), as subnetKey()s, and their lengths (most routes' length is none of them: no key to build). */
function connectedSubnets(): { keys: Set<string>; lengths: Set<number> } {
  const out = new Set<string>();
  const lengths = new Set<number>();
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) {
      if (!a.cidr) continue;
      const len = Number(a.cidr.split('/')[1]);
      const raw = addressToOctets(a.address.split('%')[0]);
      const words: number[] = [];
      for (let i = 0; i < raw.length; i += 4) words.push(maskWord(raw.readUInt32BE(i), len - i * 8));
      out.add(subnetKey(raw.length === 4 ? 4 : 6, words, len));
      lengths.add(len);
    }
  }
  return { keys: out, lengths };
}

function ownAddresses(): Set<string> {
  const out = new Set<string>();
  for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) out.add(addressToOctets(a.address.split('%')[0]).toString('hex'));
  return out;
}

/** The index of the interface that holds `address` (Linux sysfs), for link-local next hops. */
export function ifindexOfAddress(address: string | undefined): number | undefined {
  if (address === undefined) return undefined;
  // A link-local address with its zone (an unnumbered session) names the interface itself.
  const zone = address.split('%')[1];
  if (zone !== undefined) return /^\d+$/.test(zone) ? Number(zone) : sysfsIfindex(zone);
  for (const [name, list] of Object.entries(networkInterfaces())) {
    if (list?.some((a) => a.address === address || (isIPv6(address) && a.address.split('%')[0] === address))) return sysfsIfindex(name);
  }
  return undefined;
}

function sysfsIfindex(name: string): number | undefined {
  try {
    return Number(readFileSync(`/sys/class/net/${name}/ifindex`, 'utf8').trim());
  } catch {
    return undefined;
  }
}

/**
 * Weighted ECMP from the paths' link bandwidth communities (draft-ietf-idr-link-bandwidth): each
 * next hop's share is its bandwidth over the set's total, in hundredths as FRR's zebra has it (at
 * least 1). Only when every path carries one: otherwise plain ECMP, as FRR does by default.
 */
export function weighted(nexthops: readonly Nexthop[], bandwidths: readonly (number | undefined)[]): Nexthop[] {
  if (bandwidths.some((b) => b === undefined || b <= 0)) return [...nexthops];
  const total = bandwidths.reduce<number>((a, b) => a + b!, 0);
  return nexthops.map((n, i) => ({ ...n, weight: Math.max(1, Math.floor((bandwidths[i]! * 100) / total)) }));
}
