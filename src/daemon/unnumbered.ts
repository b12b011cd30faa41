// Unnumbered neighbors (FRR's `neighbor eth1 interface`): a neighbor named by its interface, whose
// IPv6 link-local address is learned from the router advertisements heard there (we send ours,
// so the neighbor learns us) or from its own connection. The session goes to `fe80::...%eth1`;
// IPv4 routes travel with IPv6 next hops (RFC 8950) and are installed `via inet6 fe80::... dev
// eth1` by the FIB bridge. The interface going down or away ends the session at once (FRR's
// fast-external-failover); it starts again when the neighbor is heard on the link.
// Which address the neighbor has is src/nd/link-neighbor.ts's rule; sockets and ticks are
// src/nd/advertiser.ts's.

import { isIP } from 'node:net';
import type { Clock, Session } from '../fsm/index.js';
import { type AdvertiserOptions, LinkNeighbor, RawIcmpv6Socket, RawSocketError, RouterAdvertiser } from '../nd/index.js';
import { CeaseSubcode, addressToOctets, isLinkLocalIpv6 } from '../wire/index.js';
import { raiseCapabilities } from './capabilities.js';
import type { DaemonEvents } from './events.js';
import type { Peer } from './peer.js';

export interface UnnumberedOptions {
  readonly clock: Clock;
  readonly events: DaemonEvents;
  /** Every neighbor (configure() picks out the interface ones). */
  readonly peers: () => Iterable<Peer>;
  /** Whether sessions may start (the daemon has started). */
  readonly started: () => boolean;
  /** A neighbor's address was learned, changed or forgotten (its BFD session follows). */
  readonly learned: (p: Peer) => void;
  /** The advertiser's socket and link reader, for tests. */
  readonly advertiser?: Pick<AdvertiserOptions, 'socket' | 'readLink'>;
}

/** The raw ICMPv6 socket, NET_RAW made effective for it first (capabilities.ts); says so when not permitted. */
function openRawSocket(): RawIcmpv6Socket {
  const caps = raiseCapabilities(['NET_RAW']);
  try {
    return new RawIcmpv6Socket();
  } catch (e) {
    if (e instanceof RawSocketError && caps.unavailable.length > 0) throw new RawSocketError(`${e.message}; NET_RAW is not permitted to nodebgpd (in a pod: add NET_RAW to the container's capabilities)`, e.errno);
    throw e;
  }
}

export class Unnumbered {
  readonly #o: UnnumberedOptions;
  readonly #links = new Map<string, LinkNeighbor>();
  /** The interface neighbors by interface, as of the last configure(). */
  #byInterface = new Map<string, Peer>();
  readonly #advertiser: RouterAdvertiser;

  constructor(o: UnnumberedOptions) {
    this.#o = o;
    this.#advertiser = new RouterAdvertiser({
      clock: o.clock,
      socket: openRawSocket,
      ...o.advertiser,
      events: {
        heard: (ifname, source) => this.#heard(ifname, source),
        link: (ifname, up, present) => this.#link(ifname, up, present),
        invalid: (ifname, reason) => this.#say(ifname, 'warn', 'invalid', `router advertisement refused: ${reason}`),
        unsent: (ifname, message) => this.#say(ifname, 'warn', 'unsent', `our router advertisement on ${ifname} not sent: ${message}`),
        failed: (message) => {
          for (const ifname of this.#links.keys()) this.#say(ifname, 'warn', 'failed', `router advertisements stopped: ${message}; the neighbor can still connect to us if it knows our address`);
        },
      },
    });
  }

  /** Follows the configured interface neighbors (at start and after a reload). */
  configure(): void {
    this.#byInterface = new Map();
    for (const p of this.#o.peers()) if (p.config.interface !== undefined) this.#byInterface.set(p.config.interface, p);
    for (const name of this.#links.keys()) if (!this.#byInterface.has(name)) this.#links.delete(name);
    for (const name of this.#byInterface.keys()) if (!this.#links.has(name)) this.#links.set(name, new LinkNeighbor());
    this.#advertiser.watch(this.#byInterface.keys());
    // A neighbor made anew by a reload goes to the address already heard on its link.
    for (const [ifname, p] of this.#byInterface) {
      const learned = this.#links.get(ifname)?.address;
      if (learned === undefined || p.remoteAddress !== undefined) continue;
      this.#learn(p, `${learned}%${ifname}`);
      if (this.#o.started() && p.config.enabled !== false && p.session.state === 'Idle') p.startSession();
    }
  }

  /** The counters of an interface neighbor's link (API). */
  linkOf(ifname: string): { learned: string | undefined; advertisements: { sent: number; heard: number; invalid: number }; others: number; changes: number } | undefined {
    const l = this.#links.get(ifname);
    if (!l) return undefined;
    const c = this.#advertiser.counts(ifname);
    return { learned: l.address, advertisements: { sent: c?.sent ?? 0, heard: c?.heard ?? 0, invalid: c?.invalid ?? 0 }, others: l.counts.others, changes: l.counts.changes };
  }

  /**
   * The session for a connection from a link-local source (`fe80::1%eth1`) on an interface
   * neighbor's link, if it is taken as the neighbor's; undefined otherwise.
   */
  route(remote: string): Session | undefined {
    const [address, ifname] = remote.split('%');
    if (ifname === undefined || !isIP(address) || !isLinkLocalIpv6(addressToOctets(address))) return undefined;
    const p = this.#peerOn(ifname);
    const link = this.#links.get(ifname);
    if (!p || !link || !this.#o.started()) return undefined;
    const before = link.address;
    if (!link.connected(address, this.#o.clock.now(), this.#pinned(p))) {
      this.#say(ifname, 'warn', 'ignored', `connection from ${address} on ${ifname} refused: the session with ${before} is Established`);
      return undefined;
    }
    if (before !== address) {
      if (before === undefined) this.#say(ifname, 'info', 'learned', `neighbor ${address} learned from its connection`);
      else this.#say(ifname, 'warn', 'changed', `neighbor's address changed from ${before} to ${address} (its connection)`);
      this.#learn(p, `${address}%${ifname}`);
    }
    if (p.config.enabled !== false && p.session.state === 'Idle') p.startSession();
    return p.session;
  }

  close(): void {
    this.#advertiser.close();
  }

  #peerOn(ifname: string): Peer | undefined {
    return this.#byInterface.get(ifname);
  }

  /** Established on the learned address: nothing else on the link moves it. */
  #pinned(p: Peer): boolean {
    return p.session.state === 'Established';
  }

  #heard(ifname: string, source: string): void {
    const p = this.#peerOn(ifname);
    const link = this.#links.get(ifname);
    if (!p || !link) return;
    const before = link.address;
    const r = link.heard(source, this.#o.clock.now(), this.#pinned(p));
    if (r === 'refreshed') return;
    if (r === 'ignored') {
      this.#say(ifname, 'warn', 'ignored', `another router advertises on ${ifname}: ${source} (the neighbor is ${before}); ignored`);
      return;
    }
    if (r === 'learned') this.#say(ifname, 'info', 'learned', `neighbor ${source} learned from its router advertisement`);
    else this.#say(ifname, 'warn', 'changed', `neighbor's address changed from ${before} to ${source} (${before} silent)`);
    // It may not know us yet: it hears from us within a second rather than a full interval.
    this.#advertiser.advertiseSoon(ifname);
    this.#learn(p, `${source}%${ifname}`);
    if (!this.#o.started() || p.config.enabled === false) return;
    // A session still trying the old address starts over toward the new one.
    if (p.session.state === 'Idle') p.startSession();
    else if (r === 'replaced') p.session.reset(`the neighbor's address changed to ${source}`);
  }

  #link(ifname: string, up: boolean, present: boolean): void {
    const p = this.#peerOn(ifname);
    if (!p) return;
    if (up) {
      this.#say(ifname, 'info', 'link-up', `interface ${ifname} is up: advertising, waiting to hear the neighbor`);
      return;
    }
    this.#say(ifname, 'warn', 'link-down', present ? `interface ${ifname} is down: the session ends, the neighbor's address is forgotten` : `interface ${ifname} is gone: the session ends, the neighbor's address is forgotten`);
    if (p.session.state !== 'Idle') p.session.stopFor(CeaseSubcode.ADMINISTRATIVE_RESET, 'interface-down');
    // Idle, waiting to start again after a failure: that restart has nowhere to go now.
    else p.session.close();
    this.#links.get(ifname)?.forget();
    this.#learn(p, undefined);
  }

  #learn(p: Peer, address: string | undefined): void {
    p.learn(address);
    this.#o.learned(p);
  }

  #say(ifname: string, level: 'info' | 'warn', kind: string, message: string): void {
    const p = this.#peerOn(ifname);
    if (p) this.#o.events.linkNeighbor?.(p.address, level, kind, message);
  }
}
