// The rtnetlink socket: the `netlink` package's raw socket (libuv-polled, prebuilt N-API), loaded
// on first use. A send of a batch is one sendmsg; rtnetlink applies it inside that call, so the
// time a batch takes is the kernel's work. Replies (errors, acknowledgements, dumps) arrive as
// 'message' events. Must not import rib, api, daemon, pino or prom-client.

import { createRequire } from 'node:module';

export interface NetlinkTransport {
  /** The socket's netlink port id: notifications caused by our own requests carry it. */
  readonly portId: number;
  send(message: Buffer): void;
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
  const { RawNetlinkSocket } = require('netlink') as { RawNetlinkSocket: new (protocol: number, options?: object) => RawSocket };
  return new RawNetlinkSocket(NETLINK_ROUTE, {});
}

function transport(s: RawSocket): NetlinkTransport {
  let onError: (e: Error) => void = () => undefined;
  s.on('error', (e) => onError(e));
  return {
    portId: s.address().port,
    send: (m) => s.send(m, {}, (e) => e && onError(e)),
    onMessage: (fn) => s.on('message', fn),
    onError: (fn) => {
      onError = fn;
    },
    close: () => s.close(),
  };
}

/**
 * A NETLINK_ROUTE socket that receives every route change in the namespace (who removed what),
 * so that a route of ours removed by someone else can be put back, and every address change (our
 * own addresses and connected subnets decide what is installed).
 */
export function openRouteMonitor(): NetlinkTransport {
  const s = rawSocket();
  try {
    s.setRecvBufferSize(16 * 1024 * 1024);
  } catch {
    // capped by net.core.rmem_max: an overflow is reported as an error and answered with a resync
  }
  for (const g of [RTNLGRP_IPV4_IFADDR, RTNLGRP_IPV4_ROUTE, RTNLGRP_IPV6_IFADDR, RTNLGRP_IPV6_ROUTE]) s.addMembership(g);
  return transport(s);
}

/** Opens a NETLINK_ROUTE socket in the current network namespace. */
export function openRtnetlink(): NetlinkTransport {
  const s = rawSocket();
  // Room for error replies of large batches and for a full-table dump at start.
  try {
    s.setRecvBufferSize(16 * 1024 * 1024);
    s.setSendBufferSize(4 * 1024 * 1024);
  } catch {
    // the system caps them (net.core.rmem_max); the defaults still work, errors may be dropped
  }
  return transport(s);
}
