// Socket options node:net cannot set: TCP-MD5 signatures (RFC 2385, Linux TCP_MD5SIG[_EXT]), the
// outgoing TTL / hop limit, and GTSM's minimum received TTL (RFC 5082, IP_MINTTL /
// IPV6_MINHOPCOUNT). Reached through koffi (FFI to libc); loaded only when a neighbor needs it.
// Must not import rib, api, daemon, pino or prom-client.

import { createRequire } from 'node:module';
import { isIPv6 } from 'node:net';
import { addressToOctets } from '../wire/index.js';

const AF_INET = 2;
const AF_INET6 = 10;
const SOCK_STREAM = 1;
const SOCK_NONBLOCK = 0o4000;
const SOCK_CLOEXEC = 0o2000000;
const IPPROTO_IP = 0;
const IPPROTO_TCP = 6;
const IPPROTO_IPV6 = 41;
const IP_TTL = 2;
const IP_MINTTL = 21;
const IPV6_UNICAST_HOPS = 16;
const IPV6_MINHOPCOUNT = 73;
const TCP_MD5SIG = 14;
const TCP_MD5SIG_EXT = 32;
const TCP_MD5SIG_FLAG_PREFIX = 1;
const TCP_MD5SIG_MAXKEYLEN = 80;
/** sizeof(struct tcp_md5sig): sockaddr_storage 128, flags 1, prefixlen 1, keylen 2, ifindex 4, key 80. */
const MD5SIG_SIZE = 216;

interface Libc {
  socket(domain: number, type: number, protocol: number): number;
  setsockopt(fd: number, level: number, name: number, value: Buffer, len: number): number;
  bind(fd: number, addr: Buffer, len: number): number;
  close(fd: number): number;
  errno(): number;
}

let libc: Libc | undefined;

function load(): Libc {
  if (libc) return libc;
  const require = createRequire(import.meta.url);
  // koffi is loaded lazily: sessions without MD5, GTSM or TTL settings never need it.
  const koffi = require('koffi');
  const lib = koffi.load('libc.so.6');
  const errnoLocation = lib.func('int *__errno_location()');
  libc = {
    socket: lib.func('int socket(int, int, int)'),
    setsockopt: lib.func('int setsockopt(int, int, int, const void *, uint32_t)'),
    bind: lib.func('int bind(int, const void *, uint32_t)'),
    close: lib.func('int close(int)'),
    errno: () => koffi.decode(errnoLocation(), 'int'),
  };
  return libc;
}

export class SocketOptionError extends Error {}

function check(rc: number, what: string): void {
  if (rc < 0) throw new SocketOptionError(`${what} failed (errno ${load().errno()})`);
}

/** struct sockaddr_in / sockaddr_in6 for `address` and `port`. */
export function sockaddr(address: string, port = 0): Buffer {
  const ipv6 = isIPv6(address);
  const b = Buffer.alloc(ipv6 ? 28 : 16);
  b.writeUInt16LE(ipv6 ? AF_INET6 : AF_INET, 0);
  b.writeUInt16BE(port, 2);
  addressToOctets(address).copy(b, ipv6 ? 8 : 4);
  return b;
}

/** The file descriptor behind a node:net socket or server (Linux; libuv keeps it in the handle). */
export function fdOf(handleOwner: unknown): number {
  const fd = (handleOwner as { _handle?: { fd?: number } })._handle?.fd;
  if (typeof fd !== 'number' || fd < 0) throw new SocketOptionError('socket has no file descriptor yet');
  return fd;
}

/**
 * Sets (or, with an empty password, removes) the RFC 2385 key for `peer` on a socket. On a
 * listening socket the key applies to connections accepted from that peer; `prefixLength` covers a
 * whole range (dynamic neighbors).
 */
export function setMd5Key(fd: number, peer: string, password: string, prefixLength?: number): void {
  const key = Buffer.from(password, 'utf8');
  if (key.length > TCP_MD5SIG_MAXKEYLEN) throw new SocketOptionError(`TCP-MD5 password longer than ${TCP_MD5SIG_MAXKEYLEN} octets`);
  const sig = Buffer.alloc(MD5SIG_SIZE);
  sockaddr(peer).copy(sig, 0);
  const ext = prefixLength !== undefined;
  if (ext) {
    sig[128] = TCP_MD5SIG_FLAG_PREFIX;
    sig[129] = prefixLength;
  }
  sig.writeUInt16LE(key.length, 130);
  key.copy(sig, 136);
  check(load().setsockopt(fd, IPPROTO_TCP, ext ? TCP_MD5SIG_EXT : TCP_MD5SIG, sig, MD5SIG_SIZE), `TCP_MD5SIG for ${peer}`);
}

function intOpt(value: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32LE(value, 0);
  return b;
}

/** The TTL (IPv4) or hop limit (IPv6) of packets we send. */
export function setTtl(fd: number, ipv6: boolean, ttl: number): void {
  check(load().setsockopt(fd, ipv6 ? IPPROTO_IPV6 : IPPROTO_IP, ipv6 ? IPV6_UNICAST_HOPS : IP_TTL, intOpt(ttl), 4), 'IP_TTL');
}

/** RFC 5082: drop received packets whose TTL (hop limit) is below `minTtl`. */
export function setMinTtl(fd: number, ipv6: boolean, minTtl: number): void {
  check(load().setsockopt(fd, ipv6 ? IPPROTO_IPV6 : IPPROTO_IP, ipv6 ? IPV6_MINHOPCOUNT : IP_MINTTL, intOpt(minTtl), 4), 'IP_MINTTL');
}

export interface OutboundSocketOptions {
  readonly remoteAddress: string;
  readonly localAddress?: string;
  readonly localPort?: number;
  readonly password?: string;
  readonly ttl?: number;
  readonly minTtl?: number;
}

/**
 * A non-blocking TCP socket with the options set before it connects (the peer checks the MD5
 * signature and GTSM TTL on the very first SYN). Returns its file descriptor for `new net.Socket({fd})`.
 */
export function createTcpSocket(o: OutboundSocketOptions): number {
  const c = load();
  const ipv6 = isIPv6(o.remoteAddress);
  const fd = c.socket(ipv6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  check(fd, 'socket');
  try {
    if (o.password) setMd5Key(fd, o.remoteAddress, o.password);
    if (o.ttl !== undefined) setTtl(fd, ipv6, o.ttl);
    if (o.minTtl !== undefined) setMinTtl(fd, ipv6, o.minTtl);
    if (o.localAddress || o.localPort) {
      const addr = sockaddr(o.localAddress ?? (ipv6 ? '::' : '0.0.0.0'), o.localPort ?? 0);
      check(c.bind(fd, addr, addr.length), `bind ${o.localAddress ?? ''}:${o.localPort ?? 0}`);
    }
    return fd;
  } catch (e) {
    c.close(fd);
    throw e;
  }
}
