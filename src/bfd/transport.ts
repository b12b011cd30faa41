// RFC 5881 single-hop transport over node:dgram: one receiving socket per address family on UDP
// 3784 with the kernel TTL-255 filter (ttl-filter.ts), and one sending socket per session bound to
// its own source port in 49152-65535 (4: "the same UDP source port MUST be used for all BFD
// Control packets associated with a particular session") and sending with TTL 255.
// Must not import rib, api, daemon, pino or prom-client.

import { type Socket, createSocket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import { BFD_CONTROL_PORT, SINGLE_HOP_TTL, SOURCE_PORT_MAX, SOURCE_PORT_MIN } from './constants.js';
import { attachTtlFilter } from './ttl-filter.js';

export interface Received {
  readonly packet: Buffer;
  readonly from: string;
  readonly fromPort: number;
}

export interface Sender {
  readonly sourcePort: number;
  send(packet: Buffer): void;
  close(): void;
}

function bind(socket: Socket, port: number, address: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (e: Error) => reject(e);
    socket.once('error', onError);
    socket.bind({ port, address, exclusive: true }, () => {
      socket.off('error', onError);
      resolve();
    });
  });
}

export class BfdTransport {
  readonly #port: number;
  readonly #onPacket: (r: Received) => void;
  readonly #onWarning: (message: string) => void;
  readonly #receivers = new Map<4 | 6, Promise<Socket>>();
  readonly #senders = new Set<Socket>();
  #nextPort = SOURCE_PORT_MIN + Math.floor(Math.random() * (SOURCE_PORT_MAX - SOURCE_PORT_MIN));

  constructor(onPacket: (r: Received) => void, onWarning: (message: string) => void, port = BFD_CONTROL_PORT) {
    this.#port = port;
    this.#onPacket = onPacket;
    this.#onWarning = onWarning;
  }

  /** Opens (once) the receiving socket of a family; rejects with a readable reason (port in use). */
  listen(family: 4 | 6): Promise<Socket> {
    let p = this.#receivers.get(family);
    if (!p) {
      p = this.#openReceiver(family);
      this.#receivers.set(family, p);
      p.catch(() => this.#receivers.delete(family));
    }
    return p;
  }

  async #openReceiver(family: 4 | 6): Promise<Socket> {
    const s = family === 6 ? createSocket({ type: 'udp6', ipv6Only: true }) : createSocket('udp4');
    try {
      await bind(s, this.#port, family === 6 ? '::' : '0.0.0.0');
    } catch (e) {
      s.close();
      const code = (e as NodeJS.ErrnoException).code;
      const why = code === 'EADDRINUSE' ? 'is in use (another BFD daemon on this host, such as FRR bfdd or BIRD?)' : code === 'EACCES' ? 'needs root or CAP_NET_BIND_SERVICE' : `cannot be bound (${(e as Error).message})`;
      throw new Error(`BFD: UDP port ${this.#port} (IPv${family}) ${why}`);
    }
    try {
      attachTtlFilter(s, family === 6);
    } catch (e) {
      this.#onWarning(`BFD: the TTL 255 check (RFC 5881 5) could not be installed on the IPv${family} socket: ${(e as Error).message}; packets are accepted whatever their TTL`);
    }
    s.on('message', (packet, rinfo) => this.#onPacket({ packet, from: rinfo.address, fromPort: rinfo.port }));
    s.on('error', (e) => this.#onWarning(`BFD: receive socket error: ${e.message}`));
    return s;
  }

  /** A socket for one session: source port from the RFC 5881 range, TTL 255, optionally a local address. */
  async openSender(peer: string, local?: string): Promise<Sender> {
    const ipv6 = isIPv6(peer);
    const span = SOURCE_PORT_MAX - SOURCE_PORT_MIN + 1;
    for (let tries = 0; tries < 64; tries++) {
      const port = this.#nextPort;
      this.#nextPort = SOURCE_PORT_MIN + ((port - SOURCE_PORT_MIN + 1) % span);
      const s = ipv6 ? createSocket({ type: 'udp6', ipv6Only: true }) : createSocket('udp4');
      try {
        await bind(s, port, local ?? (ipv6 ? '::' : '0.0.0.0'));
      } catch (e) {
        s.close();
        if ((e as NodeJS.ErrnoException).code === 'EADDRINUSE') continue;
        throw new Error(`BFD: cannot bind a source port for ${peer}${local ? ` from ${local}` : ''}: ${(e as Error).message}`);
      }
      s.setTTL(SINGLE_HOP_TTL);
      // A cut link fails every send (10 per second): report the first failure of a run only.
      let failing = false;
      const sent = (e: Error | null) => {
        if (e && !failing) this.#onWarning(`BFD: sending to ${peer} fails: ${e.message}`);
        failing = e !== null;
      };
      // Replies to our source port are not expected; drain anything that arrives.
      s.on('message', () => undefined);
      this.#senders.add(s);
      return {
        sourcePort: port,
        send: (packet) => s.send(packet, this.#port, peer, sent),
        close: () => {
          this.#senders.delete(s);
          s.close();
        },
      };
    }
    throw new Error(`BFD: no free source port in ${SOURCE_PORT_MIN}-${SOURCE_PORT_MAX} for ${peer}`);
  }

  async close(): Promise<void> {
    for (const s of this.#senders) s.close();
    this.#senders.clear();
    for (const p of this.#receivers.values()) {
      try {
        (await p).close();
      } catch {
        // never opened
      }
    }
    this.#receivers.clear();
  }
}
