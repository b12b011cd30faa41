// Socket options the `netlink` package does not set, through koffi (FFI to libc) on the socket's
// file descriptor (found through /proc: the package does not expose it):
// - NETLINK_NO_ENOBUFS: an overflowing netlink socket otherwise reports ENOBUFS as a socket error;
//   the package's native poll handler turns that error into an uncaught C++ exception and the
//   process aborts ("terminate called after throwing an instance of 'Napi::Error'"), observed
//   with 20,000 routes installed and the route monitor subscribed.
// - SO_RCVBUFFORCE: SO_RCVBUF is capped by net.core.rmem_max (208 KB by default); nodebgpd holds
//   CAP_NET_ADMIN for its routes anyway, which lifts the cap.
// - SO_ATTACH_FILTER: a classic BPF program run by the kernel before a notification is queued,
//   so the route monitor never receives the notifications of our own changes.
// And send(2) on that descriptor, for the writer thread (send-worker.ts).
// Must not import rib, api, daemon, pino or prom-client.

import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { createRequire } from 'node:module';

const SOL_SOCKET = 1;
const SO_ATTACH_FILTER = 26;
const SO_RCVBUFFORCE = 33;
const SOL_NETLINK = 270;
const NETLINK_NO_ENOBUFS = 5;

const BPF_LD_W_ABS = 0x20;
const BPF_LD_H_ABS = 0x28;
const BPF_JEQ_K = 0x15;
const BPF_RET_K = 0x06;

/** rtnetlink message types the route monitor reads (linux/rtnetlink.h). */
const RTM_NEWADDR = 20;
const RTM_DELADDR = 21;
const RTM_NEWROUTE = 24;
const RTM_DELROUTE = 25;

interface Libc {
  send(fd: number, buf: Uint8Array, len: number, flags: number): number;
  setsockoptInt(fd: number, level: number, name: number, value: Int32Array, len: number): number;
  setsockoptProg(fd: number, level: number, name: number, prog: { len: number; filter: Buffer }, len: number): number;
  errno(): number;
}

let libc: Libc | undefined;

function load(): Libc {
  if (libc) return libc;
  const require = createRequire(import.meta.url);
  const koffi = require('koffi');
  const lib = koffi.load('libc.so.6');
  koffi.struct('nodebgp_nl_fprog', { len: 'uint16_t', filter: 'void *' });
  const errnoLocation = lib.func('int *__errno_location()');
  libc = {
    send: lib.func('send', 'long', ['int', 'const uint8_t *', 'size_t', 'int']),
    setsockoptInt: lib.func('setsockopt', 'int', ['int', 'int', 'int', 'int32_t *', 'uint32_t']),
    setsockoptProg: lib.func('setsockopt', 'int', ['int', 'int', 'int', 'const nodebgp_nl_fprog *', 'uint32_t']),
    errno: () => koffi.decode(errnoLocation(), 'int'),
  };
  return libc;
}

function check(rc: number, what: string): void {
  if (rc < 0) throw new Error(`${what} on the netlink socket failed (errno ${load().errno()})`);
}

/** This process's NETLINK_ROUTE socket bound to `portId`: its inode in /proc/net/netlink, then its fd. */
export function netlinkFd(portId: number): number {
  // sk Eth Pid Groups Rmem Wmem Dump Locks Drops Inode
  const row = readFileSync('/proc/self/net/netlink', 'utf8').split('\n').slice(1).map((l) => l.trim().split(/\s+/))
    .find((f) => f.length >= 10 && f[1] === '0' && Number(f[2]) === portId >>> 0);
  if (!row) throw new Error(`no netlink socket with port ${portId >>> 0} in /proc/self/net/netlink`);
  const target = `socket:[${row[9]}]`;
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`) === target) return Number(fd);
    } catch {
      // closed between the listing and the read
    }
  }
  throw new Error(`the netlink socket with port ${portId >>> 0} has no descriptor in /proc/self/fd`);
}

const EINTR = 4;

/** One datagram on the socket `fd` (a batch of requests); 0, or the errno of the failure. */
export function sendDatagram(fd: number, datagram: Uint8Array): number {
  const c = load();
  for (;;) {
    if (c.send(fd, datagram, datagram.length, 0) >= 0) return 0;
    const errno = c.errno();
    if (errno !== EINTR) return errno;
  }
}

const setInt = (fd: number, level: number, name: number, value: number, what: string) => check(load().setsockoptInt(fd, level, name, Int32Array.of(value), 4), what);

/** Overflows drop messages silently instead of raising the socket error the package aborts on. */
export function setNoEnobufs(fd: number): void {
  setInt(fd, SOL_NETLINK, NETLINK_NO_ENOBUFS, 1, 'NETLINK_NO_ENOBUFS');
}

/** The receive buffer, beyond net.core.rmem_max (needs CAP_NET_ADMIN; throws without it). */
export function forceReceiveBuffer(fd: number, bytes: number): void {
  setInt(fd, SOL_SOCKET, SO_RCVBUFFORCE, bytes, 'SO_RCVBUFFORCE');
}

/**
 * The route monitor's filter: address changes, and route changes not asked for by `ownPort`
 * (removals of ours to put back; others' routes for next-hop tracking).
 * Classic BPF loads are big-endian and the netlink header is host order (little-endian here),
 * so the constants are compared byte-swapped. A notification skb holds one message.
 */
export function monitorFilterProgram(ownPort: number): Buffer {
  const swap16 = (v: number) => ((v & 0xff) << 8) | (v >> 8);
  const swap32 = (v: number) => Buffer.from(Uint32Array.of(v >>> 0).buffer).readUInt32BE(0);
  const ACCEPT = 7;
  const DROP = 8;
  const insns: [number, number, number, number][] = [
    /* 0 */ [BPF_LD_H_ABS, 0, 0, 4], // nlmsg_type
    /* 1 */ [BPF_JEQ_K, ACCEPT - 2, 0, swap16(RTM_NEWADDR)],
    /* 2 */ [BPF_JEQ_K, ACCEPT - 3, 0, swap16(RTM_DELADDR)],
    /* 3 */ [BPF_JEQ_K, 1, 0, swap16(RTM_NEWROUTE)],
    /* 4 */ [BPF_JEQ_K, 0, DROP - 5, swap16(RTM_DELROUTE)],
    /* 5 */ [BPF_LD_W_ABS, 0, 0, 12], // nlmsg_pid: the port whose request caused it
    /* 6 */ [BPF_JEQ_K, DROP - 7, 0, swap32(ownPort)],
    /* 7 */ [BPF_RET_K, 0, 0, 0xffffffff],
    /* 8 */ [BPF_RET_K, 0, 0, 0],
  ];
  const b = Buffer.alloc(insns.length * 8);
  insns.forEach(([code, jt, jf, k], i) => {
    b.writeUInt16LE(code, i * 8);
    b[i * 8 + 2] = jt;
    b[i * 8 + 3] = jf;
    b.writeUInt32LE(k >>> 0, i * 8 + 4);
  });
  return b;
}

/** Attaches the monitor filter to the socket. */
export function attachMonitorFilter(fd: number, ownPort: number): void {
  const filter = monitorFilterProgram(ownPort);
  check(load().setsockoptProg(fd, SOL_SOCKET, SO_ATTACH_FILTER, { len: filter.length / 8, filter }, 16), 'SO_ATTACH_FILTER');
}
