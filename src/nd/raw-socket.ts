// The raw ICMPv6 socket router advertisements travel on (node:dgram has no raw sockets), through
// koffi (FFI to libc). Non-blocking: the driver reads what is queued on its own clock, so a flood
// costs one bounded read per tick and the kernel drops the rest. Needs CAP_NET_RAW.
// Must not import anything outside src/nd.

import { createRequire } from 'node:module';
import { ICMPV6_ROUTER_ADVERT, ND_HOP_LIMIT } from './router-advert.js';

const AF_INET6 = 10;
const SOCK_RAW = 3;
const SOCK_NONBLOCK = 0o4000;
const SOCK_CLOEXEC = 0o2000000;
const IPPROTO_IPV6 = 41;
const IPPROTO_ICMPV6 = 58;
const IPV6_UNICAST_HOPS = 16;
const IPV6_MULTICAST_HOPS = 18;
const IPV6_MULTICAST_LOOP = 19;
const IPV6_RECVPKTINFO = 49;
const IPV6_RECVHOPLIMIT = 51;
/** RFC 3542 3.2: which ICMPv6 types reach the socket (a set bit blocks the type). */
const ICMP6_FILTER = 1;
const MSG_DONTWAIT = 0x40;
const EAGAIN = 11;
/** ff02::1, all nodes on the link (RFC 4861 6.2.6: unsolicited advertisements go there). */
const ALL_NODES = Buffer.from('ff020000000000000000000000000001', 'hex');

export class RawSocketError extends Error {
  constructor(message: string, readonly errno: number) {
    super(message);
  }
}

export interface RawPacket {
  readonly data: Buffer;
  /** The source address (16 octets) and the interface index of its zone. */
  readonly source: Buffer;
  readonly scopeId: number;
  readonly control: Buffer;
}

interface Libc {
  socket(domain: number, type: number, protocol: number): number;
  setsockopt(fd: number, level: number, name: number, value: Buffer, len: number): number;
  recvmsg(fd: number, msg: Record<string, unknown>, flags: number): number;
  sendto(fd: number, buf: Buffer, len: number, flags: number, addr: Buffer, addrLen: number): number;
  close(fd: number): number;
  errno(): number;
}

let libc: Libc | undefined;

function load(): Libc {
  if (libc) return libc;
  const require = createRequire(import.meta.url);
  const koffi = require('koffi');
  const lib = koffi.load('libc.so.6');
  koffi.struct('nodebgp_iovec', { base: 'void *', len: 'size_t' });
  koffi.struct('nodebgp_msghdr', { name: 'void *', namelen: 'uint32_t', iov: 'nodebgp_iovec *', iovlen: 'size_t', control: 'void *', controllen: 'size_t', flags: 'int' });
  libc = {
    socket: lib.func('int socket(int, int, int)'),
    setsockopt: lib.func('int setsockopt(int, int, int, const void *, uint32_t)'),
    recvmsg: lib.func('long recvmsg(int, _Inout_ nodebgp_msghdr *, int)'),
    sendto: lib.func('long sendto(int, const void *, size_t, int, const void *, uint32_t)'),
    close: lib.func('int close(int)'),
    errno: () => koffi.errno(),
  };
  return libc;
}

function intOpt(value: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32LE(value, 0);
  return b;
}

/** A filter passing router advertisements only. */
function raOnlyFilter(): Buffer {
  const f = Buffer.alloc(32, 0xff);
  const word = ICMPV6_ROUTER_ADVERT >> 5;
  f.writeUInt32LE((f.readUInt32LE(word * 4) & ~(1 << (ICMPV6_ROUTER_ADVERT & 31))) >>> 0, word * 4);
  return f;
}

export class RawIcmpv6Socket {
  readonly #c: Libc;
  readonly #fd: number;
  readonly #name = Buffer.alloc(28);
  readonly #data = Buffer.alloc(1500);
  readonly #control = Buffer.alloc(128);

  /** Throws RawSocketError (errno 1, EPERM, without CAP_NET_RAW). */
  constructor() {
    this.#c = load();
    const fd = this.#c.socket(AF_INET6, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_ICMPV6);
    if (fd < 0) {
      const errno = this.#c.errno();
      throw new RawSocketError(`raw ICMPv6 socket: errno ${errno}${errno === 1 ? ' (EPERM: router advertisements need CAP_NET_RAW)' : ''}`, errno);
    }
    this.#fd = fd;
    try {
      this.#set(IPPROTO_ICMPV6, ICMP6_FILTER, raOnlyFilter(), 'ICMP6_FILTER');
      this.#set(IPPROTO_IPV6, IPV6_RECVHOPLIMIT, intOpt(1), 'IPV6_RECVHOPLIMIT');
      this.#set(IPPROTO_IPV6, IPV6_RECVPKTINFO, intOpt(1), 'IPV6_RECVPKTINFO');
      this.#set(IPPROTO_IPV6, IPV6_MULTICAST_HOPS, intOpt(ND_HOP_LIMIT), 'IPV6_MULTICAST_HOPS');
      this.#set(IPPROTO_IPV6, IPV6_UNICAST_HOPS, intOpt(ND_HOP_LIMIT), 'IPV6_UNICAST_HOPS');
      this.#set(IPPROTO_IPV6, IPV6_MULTICAST_LOOP, intOpt(0), 'IPV6_MULTICAST_LOOP');
    } catch (e) {
      this.#c.close(fd);
      throw e;
    }
  }

  #set(level: number, name: number, value: Buffer, what: string): void {
    if (this.#c.setsockopt(this.#fd, level, name, value, value.length) < 0) throw new RawSocketError(`${what}: errno ${this.#c.errno()}`, this.#c.errno());
  }

  /** The next queued packet (copied), or undefined when none is. */
  receive(): RawPacket | undefined {
    const msg = { name: this.#name, namelen: this.#name.length, iov: [{ base: this.#data, len: this.#data.length }], iovlen: 1, control: this.#control, controllen: this.#control.length, flags: 0 };
    const n = this.#c.recvmsg(this.#fd, msg, MSG_DONTWAIT);
    if (n < 0) {
      const errno = this.#c.errno();
      if (errno === EAGAIN) return undefined;
      throw new RawSocketError(`recvmsg: errno ${errno}`, errno);
    }
    return {
      data: Buffer.from(this.#data.subarray(0, Number(n))),
      source: Buffer.from(this.#name.subarray(8, 24)),
      scopeId: this.#name.readUInt32LE(24),
      control: Buffer.from(this.#control.subarray(0, Number(msg.controllen))),
    };
  }

  /** Sends an ICMPv6 message to all nodes on the interface; the kernel fills the checksum. */
  sendAllNodes(ifindex: number, message: Buffer): void {
    const to = Buffer.alloc(28);
    to.writeUInt16LE(AF_INET6, 0);
    ALL_NODES.copy(to, 8);
    to.writeUInt32LE(ifindex, 24);
    if (this.#c.sendto(this.#fd, message, message.length, 0, to, to.length) < 0) {
      const errno = this.#c.errno();
      throw new RawSocketError(`sendto ff02::1 on interface ${ifindex}: errno ${errno}`, errno);
    }
  }

  close(): void {
    this.#c.close(this.#fd);
  }
}
