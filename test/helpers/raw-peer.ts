// A scripted BGP peer over node:net for driver tests: sends exactly what the test says, records
// every message it receives, and can stop reading to play a stuck peer.
import { type Server, type Socket, createServer, connect } from 'node:net';
import { type BgpMessage, type Capability, type CodecContext, Framer, decodeMessage, encodeMessage, encodeOpen, makeContext, type OpenMessage } from '../../src/wire/index.js';

const ctx = makeContext({ extendedMessage: false });
/** What we accept: extended messages too (a test peer may have negotiated them). */
const rxCtx = makeContext({ extendedMessage: true });

/** An OPEN for IPv4 unicast with route refresh and 4-octet AS, and `extra` capabilities beside them. */
export function openOf(asn: number, bgpId: number, holdTime = 90, extra: Capability[] = []): OpenMessage {
  return { type: 'open', version: 4, myAs: asn, holdTime, bgpId, params: [[{ type: 'multiprotocol', afi: 1, safi: 1 }, { type: 'route-refresh', code: 2 }, { type: 'four-octet-as', asn }, ...extra]] };
}

export class RawConnection {
  readonly socket: Socket;
  readonly received: BgpMessage[] = [];
  readonly #framer = new Framer(65535);
  closed = false;

  /** `rx`: what the session negotiated for what it receives (a 2-octet AS peer, ADD-PATH). */
  constructor(socket: Socket, rx: CodecContext = rxCtx) {
    this.socket = socket;
    socket.on('data', (d) => {
      for (const f of this.#framer.push(d)) this.received.push(decodeMessage(f, rx));
    });
    socket.on('close', () => (this.closed = true));
    socket.on('error', () => (this.closed = true));
  }

  send(m: BgpMessage): void {
    for (const b of encodeMessage(m, ctx)) this.socket.write(b);
  }

  sendOpen(open: OpenMessage): void {
    this.socket.write(encodeOpen(open));
  }

  of<T extends BgpMessage['type']>(type: T): Extract<BgpMessage, { type: T }>[] {
    return this.received.filter((m) => m.type === type) as Extract<BgpMessage, { type: T }>[];
  }
}

/** A listening scripted peer on loopback; `connections` fills as the session connects. */
export class RawPeer {
  readonly server: Server;
  readonly connections: RawConnection[] = [];
  onConnection?: (c: RawConnection) => void;

  constructor() {
    this.server = createServer((s) => {
      const c = new RawConnection(s);
      this.connections.push(c);
      this.onConnection?.(c);
    });
  }

  async listen(): Promise<number> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', () => r()));
    return (this.server.address() as { port: number }).port;
  }

  async close(): Promise<void> {
    for (const c of this.connections) c.socket.destroy();
    await new Promise((r) => this.server.close(r));
  }
}

export async function dial(port: number): Promise<RawConnection> {
  const s = connect(port, '127.0.0.1');
  await new Promise((r) => s.once('connect', r));
  return new RawConnection(s);
}

/** Lets real socket I/O happen (timers are virtual in these tests). */
export function settle(ms = 50): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export async function until(pred: () => boolean, ms = 3000): Promise<boolean> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) return false;
    await settle(10);
  }
  return true;
}

/** Ports this process has handed out: the kernel may offer a just-closed port again. */
const handedOut = new Set<number>();

/**
 * A TCP port free on loopback now (for a daemon started as a separate process), never one this
 * process had before: two calls in a row could otherwise get the same port for BGP and the API.
 */
export async function freePort(): Promise<number> {
  for (;;) {
    const s = createServer();
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
    const port = (s.address() as { port: number }).port;
    await new Promise((r) => s.close(r));
    if (handedOut.has(port)) continue;
    handedOut.add(port);
    return port;
  }
}

/**
 * A session from `localAddress` to a passive daemon on `port`: OPEN, KEEPALIVE, then the wait
 * until `up()` says the daemon has it Established (the connection is returned either way). `rx`:
 * what the session negotiated for what it receives.
 */
export async function establishFrom(port: number, localAddress: string, open: OpenMessage, up: () => boolean, rx?: CodecContext): Promise<RawConnection> {
  const c = await dialFrom(port, localAddress, rx);
  c.sendOpen(open);
  c.send({ type: 'keepalive' });
  await until(up, 5000);
  return c;
}

/** Dials `port` on 127.0.0.1 from a loopback address of our choosing (one per simulated peer). */
export async function dialFrom(port: number, localAddress: string, rx?: CodecContext): Promise<RawConnection> {
  const s = connect({ port, host: '127.0.0.1', localAddress });
  await new Promise((r, j) => s.once('connect', r).once('error', j));
  return new RawConnection(s, rx);
}
