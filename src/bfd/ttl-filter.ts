// RFC 5881 5: a single-hop control packet must arrive with TTL (IPv4) or Hop Limit (IPv6) 255,
// which proves it was sent from the link. node:dgram cannot read a received TTL, so the check is
// done in the kernel: a classic BPF socket filter (SO_ATTACH_FILTER, set through koffi) on the
// receiving socket loads the TTL from the network header (SKF_NET_OFF + 8 for IPv4, + 7 for the
// IPv6 hop limit) and drops every packet whose value is not 255 before it is queued to the socket.
// (IP_MINTTL, used for GTSM on TCP, is not applied to UDP by Linux.)
// Must not import rib, api, daemon, pino or prom-client.

import type { Socket } from 'node:dgram';
import { createRequire } from 'node:module';
import { SINGLE_HOP_TTL } from './constants.js';

const SOL_SOCKET = 1;
const SO_ATTACH_FILTER = 26;
/** linux/filter.h: negative offsets relative to the network header. */
const SKF_NET_OFF = -0x100000;
const BPF_LD_B_ABS = 0x30;
const BPF_JEQ_K = 0x15;
const BPF_RET_K = 0x06;

interface Setsockopt {
  (fd: number, level: number, name: number, prog: { len: number; filter: Buffer }, size: number): number;
}

let setsockopt: Setsockopt | undefined;
let errno: (() => number) | undefined;

function load(): Setsockopt {
  if (setsockopt) return setsockopt;
  const require = createRequire(import.meta.url);
  const koffi = require('koffi');
  const libc = koffi.load('libc.so.6');
  // struct sock_fprog { unsigned short len; struct sock_filter *filter; }
  koffi.struct('nodebgp_sock_fprog', { len: 'uint16_t', filter: 'void *' });
  setsockopt = libc.func('int setsockopt(int, int, int, const nodebgp_sock_fprog *, uint32_t)') as Setsockopt;
  const errnoLocation = libc.func('int *__errno_location()');
  errno = () => koffi.decode(errnoLocation(), 'int');
  return setsockopt;
}

/** The four instructions: load the TTL octet; if 255 accept the whole packet, else drop it. */
export function ttlFilterProgram(ipv6: boolean): Buffer {
  const insns: [number, number, number, number][] = [
    [BPF_LD_B_ABS, 0, 0, (SKF_NET_OFF + (ipv6 ? 7 : 8)) >>> 0],
    [BPF_JEQ_K, 0, 1, SINGLE_HOP_TTL],
    [BPF_RET_K, 0, 0, 0xffffffff],
    [BPF_RET_K, 0, 0, 0],
  ];
  const b = Buffer.alloc(insns.length * 8);
  insns.forEach(([code, jt, jf, k], i) => {
    b.writeUInt16LE(code, i * 8);
    b[i * 8 + 2] = jt;
    b[i * 8 + 3] = jf;
    b.writeUInt32LE(k, i * 8 + 4);
  });
  return b;
}

/** Attaches the TTL-255 filter to a bound dgram socket; throws with the errno when the kernel refuses. */
export function attachTtlFilter(socket: Socket, ipv6: boolean): void {
  const fd = udpFd(socket);
  const filter = ttlFilterProgram(ipv6);
  const rc = load()(fd, SOL_SOCKET, SO_ATTACH_FILTER, { len: filter.length / 8, filter }, 16);
  if (rc < 0) throw new Error(`SO_ATTACH_FILTER failed (errno ${errno?.()})`);
}

/**
 * The file descriptor of a bound dgram socket. node:dgram has no public accessor; its handle sits
 * under an internal symbol (the public `_handle` getter is deprecated and warns).
 */
export function udpFd(socket: Socket): number {
  const sym = Object.getOwnPropertySymbols(socket).find((s) => s.description === 'state symbol');
  const handle = sym ? (socket as unknown as Record<symbol, { handle?: { fd?: number } }>)[sym]?.handle : undefined;
  const fd = handle?.fd;
  if (typeof fd !== 'number' || fd < 0) throw new Error('the UDP socket has no file descriptor (not bound yet?)');
  return fd;
}
