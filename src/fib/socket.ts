// The rtnetlink socket: the `netlink` package's raw socket (libuv-polled, prebuilt N-API), loaded
// on first use. A send of a batch is one sendmsg; rtnetlink applies it inside that call, so the
// time a batch takes is the kernel's work: the request socket sends bulk from a writer thread
// (send-worker.ts, started and ended by writer.ts) so that this work runs beside the event loop.
// Replies (errors, acknowledgements, dumps) arrive as 'message' events. Must not import rib, api,
// daemon, pino or prom-client.

import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { attachMonitorFilter, forceReceiveBuffer, netlinkFd, sendDatagram, setNoEnobufs } from './netlink-options.js';
import { OnDemandWriter, type Timers, type WriterThread } from './writer.js';

export interface NetlinkTransport {
  /** The socket's netlink port id: notifications caused by our own requests carry it. */
  readonly portId: number;
  send(message: Buffer): void;
  /** Socket options that could not be set (the socket works; see netlink-options.ts for what each guards). */
  readonly problems: readonly string[];
  onMessage(fn: (datagram: Buffer) => void): void;
  onError(fn: (e: Error) => void): void;
  close(): void;
}

interface RawSocket {
  send(msg: Buffer, options?: object, callback?: (e?: Error) => void): void;
  on(event: 'message', fn: (msg: Buffer) => void): void;
  on(event: 'error', fn: (e: Error) => void): void;
  setRecvBufferSize(n: number): void;
  setSendBufferSize(n: number): void;
  addMembership(group: number): void;
  address(): { port: number };
  close(): void;
}

const NETLINK_ROUTE = 0;
/** rtnetlink multicast groups of address and route changes (linux/rtnetlink.h). */
const RTNLGRP_IPV4_IFADDR = 5;
const RTNLGRP_IPV4_ROUTE = 7;
const RTNLGRP_IPV6_IFADDR = 9;
const RTNLGRP_IPV6_ROUTE = 11;

function rawSocket(): RawSocket {
  const require = createRequire(import.meta.url);
  // The raw socket's module alone: the package's index loads every family it speaks (nl80211,
  // WireGuard, generic netlink; 580 KB of source, 1.2 MB of idle RSS) and we use none of them.
  const { RawNetlinkSocket } = require('netlink/dist/raw.js') as { RawNetlinkSocket: new (protocol: number, options?: object) => RawSocket };
  return new RawNetlinkSocket(NETLINK_ROUTE, {});
}

/** The writer script beside this module: compiled JavaScript, or the TypeScript source under a loader. */
function writerUrl(): URL {
  const js = new URL('./send-worker.js', import.meta.url);
  return existsSync(fileURLToPath(js)) ? js : new URL('./send-worker.ts', import.meta.url);
}

/** A writer thread on `fd` (send-worker.ts); `exited` when it ends, asked or not. */
function startThread(fd: number, onError: (e: Error) => void, exited: () => void): WriterThread {
  const w = new Worker(writerUrl(), { workerData: { fd }, name: 'nodebgp-netlink' });
  w.unref();
  w.on('message', (m: { errno: number }) => onError(sendError(m.errno)));
  w.on('error', (e) => onError(new Error(`netlink writer thread failed: ${e.message}`)));
  w.on('exit', exited);
  return {
    // A batch that owns its memory moves to the thread instead of being copied.
    post: (m) => {
      if (m.byteOffset === 0 && m.buffer.byteLength === m.length) w.postMessage(m, [m.buffer as ArrayBuffer]);
      else w.postMessage(m);
    },
    end: () => w.postMessage('close'),
  };
}

const sendError = (errno: number) => new Error(`netlink send failed (errno ${errno})`);

function transport<H>(s: RawSocket, problems: string[], writer?: { fd: number; timers: Timers<H> }): NetlinkTransport {
  let onError: (e: Error) => void = () => undefined;
  // The package calls these from native code: an exception escaping one of them is a C++
  // exception there, and the process aborts ("terminate called ... Napi::Error"). None may escape.
  const contained = <T>(fn: (x: T) => void) => (x: T) => {
    try {
      fn(x);
    } catch (e) {
      queueMicrotask(() => onError(e instanceof Error ? e : new Error(String(e))));
    }
  };
  s.on('error', contained((e: Error) => onError(e)));
  const queued = (m: Buffer) => s.send(m, {}, contained((e?: Error) => e && onError(e)));
  const report = (e: Error) => onError(e);
  // With the descriptor, short datagrams go out synchronously (in order with the thread's); a
  // failure is told after the caller's send has returned, as the thread's and the package's are.
  const onDemand = writer && new OnDemandWriter((exited) => startThread(writer.fd, report, exited), (m) => {
    const errno = sendDatagram(writer.fd, m);
    if (errno !== 0) queueMicrotask(() => report(sendError(errno)));
  }, writer.timers, report);
  return {
    portId: s.address().port,
    problems,
    send: onDemand ? (m) => onDemand.send(m) : queued,
    onMessage: (fn) => s.on('message', contained(fn)),
    onError: (fn) => {
      onError = fn;
    },
    // The socket closes after the thread has sent what was posted (its descriptor must not be reused under it).
    close: onDemand ? () => onDemand.close(() => s.close()) : () => s.close(),
  };
}

/**
 * Applies each option on the socket's descriptor; one that fails is listed, the others still apply.
 * The descriptor is returned too (undefined, and listed, when it cannot be found).
 */
function applyOptions(s: RawSocket, options: Record<string, (fd: number) => void>): { fd?: number; problems: string[] } {
  const problems: string[] = [];
  let fd: number;
  try {
    fd = netlinkFd(s.address().port);
  } catch (e) {
    return { problems: [(e as Error).message] };
  }
  for (const [name, apply] of Object.entries(options)) {
    try {
      apply(fd);
    } catch (e) {
      problems.push(`${name}: ${(e as Error).message}`);
    }
  }
  return { fd, problems };
}

/** Receive buffer of both sockets: error replies of large batches, a full-table dump at start. */
const RECEIVE_BUFFER = 16 * 1024 * 1024;

/**
 * A NETLINK_ROUTE socket that receives every address change in the namespace (our own addresses
 * and connected subnets decide what is installed) and every route removal another port asked for
 * (who removed what), so that a route of ours removed by someone else can be put back. `ownPort`:
 * the port of our request socket, whose changes the kernel filters out before queueing.
 */
export function openRouteMonitor(ownPort: number): NetlinkTransport {
  const s = rawSocket();
  for (const g of [RTNLGRP_IPV4_IFADDR, RTNLGRP_IPV4_ROUTE, RTNLGRP_IPV6_IFADDR, RTNLGRP_IPV6_ROUTE]) s.addMembership(g);
  return transport(s, applyOptions(s, {
    filter: (fd) => attachMonitorFilter(fd, ownPort),
    noEnobufs: setNoEnobufs,
    receiveBuffer: (fd) => forceReceiveBuffer(fd, RECEIVE_BUFFER),
  }).problems);
}

/** The request socket's send buffer asked for; the system cuts it to twice net.core.wmem_max. */
const SEND_BUFFER = 4 * 1024 * 1024;

/**
 * Opens a NETLINK_ROUTE socket in the current network namespace for requests. `writerThread`:
 * bulk datagrams are sent from a thread of its own, started and ended on these timers
 * (writer.ts; without a descriptor to give it, everything goes from the event loop, listed in
 * `problems`). `sendBuffer`: the octets asked for the send buffer (what a host's cap gives can be
 * asked directly: 212,992 is what the default cap makes of SEND_BUFFER).
 */
export function openRtnetlink<H>(options: { writerThread?: Timers<H>; sendBuffer?: number } = {}): NetlinkTransport {
  const s = rawSocket();
  try {
    s.setSendBufferSize(options.sendBuffer ?? SEND_BUFFER);
  } catch {
    // the system caps it (net.core.wmem_max); a batch is one datagram of at most BATCH_OCTETS and a route (fib.ts)
  }
  const { fd, problems } = applyOptions(s, {
    noEnobufs: setNoEnobufs,
    receiveBuffer: (fd) => forceReceiveBuffer(fd, RECEIVE_BUFFER),
  });
  // Without a descriptor (listed in problems already) the requests go from the event loop.
  const timers = options.writerThread;
  return transport(s, problems, timers && fd !== undefined ? { fd, timers } : undefined);
}
