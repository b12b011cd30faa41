// The rtnetlink socket: the `netlink` package's raw socket (libuv-polled, prebuilt N-API), loaded
// on first use. A send of a batch is one sendmsg; rtnetlink applies it inside that call, so the
// time a batch takes is the kernel's work. Replies (errors, acknowledgements, dumps) arrive as
// 'message' events. Must not import rib, api, daemon, pino or prom-client.

import { createRequire } from 'node:module';

export interface NetlinkTransport {
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
  close(): void;
}

const NETLINK_ROUTE = 0;

/** Opens a NETLINK_ROUTE socket in the current network namespace. */
export function openRtnetlink(): NetlinkTransport {
  const require = createRequire(import.meta.url);
  const { RawNetlinkSocket } = require('netlink') as { RawNetlinkSocket: new (protocol: number, options?: object) => RawSocket };
  const s = new RawNetlinkSocket(NETLINK_ROUTE, {});
  // Room for error replies of large batches and for a full-table dump at start.
  try {
    s.setRecvBufferSize(16 * 1024 * 1024);
    s.setSendBufferSize(4 * 1024 * 1024);
  } catch {
    // the system caps them (net.core.rmem_max); the defaults still work, errors may be dropped
  }
  let onError: (e: Error) => void = () => undefined;
  s.on('error', (e) => onError(e));
  return {
    send: (m) => s.send(m, {}, (e) => e && onError(e)),
    onMessage: (fn) => s.on('message', fn),
    onError: (fn) => {
      onError = fn;
    },
    close: () => s.close(),
  };
}
