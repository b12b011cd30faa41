// The passive side of transport: TCP servers on the listen addresses. Each accepted connection is
// routed by its source address to a configured session (or a dynamic-neighbor range); any other
// source is refused. TCP-MD5 keys are installed on the listening sockets per neighbor, so the
// kernel verifies the signature from the first SYN.
// Must not import rib, api, daemon, pino or prom-client.

import { BlockList, type Server, type Socket, createServer, isIPv6 } from 'node:net';
import { fdOf, setMd5Key, setTtl } from './socket-options.js';
import type { Session } from './session.js';
import { SEND_QUEUE_OCTETS } from './connection.js';

export interface ListenerOptions {
  readonly addresses: readonly string[];
  readonly port: number;
}

/** Routes a connection to a session, or refuses it: undefined (unknown source) or the reason as a word. */
export type Router = (remoteAddress: string) => Session | string | undefined;

export class ListenError extends Error {}

/** A dynamic-neighbor listen range: connections from inside it get a session made for them. */
export interface DynamicRange {
  readonly prefix: string;
  readonly length: number;
  /** Creates (or finds) the session for a new source address in the range; undefined or a reason refuses it. */
  readonly session: (remoteAddress: string) => Session | string | undefined;
}

/**
 * Routes by exact neighbor address first, then by dynamic-neighbor range (first match); any other
 * source gets no session and is refused.
 */
export function neighborRouter(neighbors: { get(address: string): Session | undefined }, ranges: readonly DynamicRange[] = []): Router {
  const lists = ranges.map((r) => {
    const list = new BlockList();
    list.addSubnet(r.prefix, r.length, isIPv6(r.prefix) ? 'ipv6' : 'ipv4');
    return { list, range: r };
  });
  return (remote) => {
    const known = neighbors.get(remote);
    if (known) return known;
    const family = isIPv6(remote) ? 'ipv6' : 'ipv4';
    const hit = lists.find((l) => l.list.check(remote, family));
    return hit?.range.session(remote);
  };
}

/** IPv4-mapped IPv6 addresses (::ffff:a.b.c.d) as plain IPv4. */
export function normalizeAddress(address: string): string {
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}

/**
 * Connections the kernel queues before they are accepted: as many as it allows (it caps the number
 * at net.core.somaxconn, 4096 by default), so that an operator who raises that for more clients
 * dialing at once needs nothing else.
 */
const LISTEN_BACKLOG = 65535;

export class Listener {
  readonly #servers: Server[] = [];
  readonly #options: ListenerOptions;
  readonly #route: Router;
  readonly #keys = new Map<string, { password: string; prefixLength?: number }>();
  refused = 0;
  /** Called for each refused connection, with the router's reason ('unknown-source' when it gave none). */
  onRefused?: (remoteAddress: string, reason: string) => void;

  constructor(options: ListenerOptions, route: Router) {
    this.#options = options;
    this.#route = route;
  }

  async start(): Promise<void> {
    for (const address of this.#options.addresses) {
      // Node sets one high-water mark for both directions of accepted sockets; reads are not held by it.
      const server = createServer({ pauseOnConnect: false, highWaterMark: SEND_QUEUE_OCTETS }, (socket) => this.#accept(socket));
      await new Promise<void>((resolve, reject) => {
        server.once('error', (e: NodeJS.ErrnoException) => {
          const hint = e.code === 'EADDRINUSE' ? 'another BGP speaker already listens there; stop it or set another listen port'
            : e.code === 'EACCES' ? 'binding to a port below 1024 needs root or CAP_NET_BIND_SERVICE'
            : e.code === 'EADDRNOTAVAIL' ? 'the address is not configured on any interface'
            : e.message;
          reject(new ListenError(`cannot listen on [${address}]:${this.#options.port}: ${e.code ?? 'error'} (${hint})`));
        });
        // A fabric's nodes dial at once after a reflector restarts: 511 (Node's default) pending
        // connections overflowed 3,700 times with 2,000 clients.
        server.listen({ host: address, port: this.#options.port, ipv6Only: isIPv6(address), backlog: LISTEN_BACKLOG }, () => resolve());
      });
      this.#servers.push(server);
      // RFC 5082 3: a GTSM peer drops what arrives with a TTL below 255, the SYN-ACK of its own
      // connection included, and the kernel sends that from the listening socket. 255 here; each
      // accepted connection then gets its neighbor's TTL.
      try {
        setTtl(fdOf(server), isIPv6(address), 255);
      } catch {
        // Without koffi the SYN-ACK keeps the system TTL: GTSM peers dialing us will not connect.
      }
      for (const [peer, k] of this.#keys) this.#install(server, peer, k.password, k.prefixLength);
    }
  }

  /** The ports actually bound (port 0 asks the system for one). */
  get ports(): number[] {
    return this.#servers.map((s) => (s.address() as { port: number }).port);
  }

  /** Installs (or with undefined, removes) the TCP-MD5 key for a neighbor or a range of them. */
  setPassword(peer: string, password: string | undefined, prefixLength?: number): void {
    if (password) this.#keys.set(peer, { password, prefixLength });
    else this.#keys.delete(peer);
    for (const s of this.#servers) this.#install(s, peer, password ?? '', prefixLength);
  }

  #install(server: Server, peer: string, password: string, prefixLength?: number): void {
    const addr = server.address();
    if (!addr || typeof addr === 'string') return;
    if (isIPv6(addr.address) !== isIPv6(peer)) return;
    setMd5Key(fdOf(server), peer, password, prefixLength);
  }

  #accept(socket: Socket): void {
    const remote = normalizeAddress(socket.remoteAddress ?? '');
    const session = this.#route(remote);
    if (session === undefined || typeof session === 'string') {
      this.refused++;
      this.onRefused?.(remote, session ?? 'unknown-source');
      socket.destroy();
      return;
    }
    session.acceptInbound(socket);
  }

  async close(): Promise<void> {
    await Promise.all(this.#servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
    this.#servers.length = 0;
  }
}
