#!/usr/bin/env node
// An attacker on an unnumbered link: router advertisements as fast as a socket takes them, from
// several link-local sources (each must be an address of the interface: add them with
// `ip -6 addr add fe80::a:N/64 dev IF nodad`) and with a chosen hop limit (RFC 4861 6.1.2 wants
// 255). Run in the attacker's namespace after `npm run build`:
//   node test/helpers/ra-flood.mjs IF HOP_LIMIT COUNT SOURCE...
// Prints how many it sent.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { encodeRouterAdvert } from '../../dist/nd/index.js';
import { addressToOctets } from '../../dist/wire/index.js';

const [ifname, hopLimit, count, ...sources] = process.argv.slice(2);
const require = createRequire(import.meta.url);
const koffi = require('koffi');
const libc = koffi.load('libc.so.6');
const socket = libc.func('int socket(int, int, int)');
const setsockopt = libc.func('int setsockopt(int, int, int, const void *, uint32_t)');
const bind = libc.func('int bind(int, const void *, uint32_t)');
const sendto = libc.func('long sendto(int, const void *, size_t, int, const void *, uint32_t)');
const close = libc.func('int close(int)');

const ifindex = Number(readFileSync(`/sys/class/net/${ifname}/ifindex`, 'utf8'));
/** struct sockaddr_in6 with the interface as scope. */
const sin6 = (address) => {
  const b = Buffer.alloc(28);
  b.writeUInt16LE(10, 0);
  addressToOctets(address).copy(b, 8);
  b.writeUInt32LE(ifindex, 24);
  return b;
};
const hops = Buffer.alloc(4);
hops.writeInt32LE(Number(hopLimit), 0);
const message = encodeRouterAdvert(Buffer.from('02deadbeef01', 'hex'));
const to = sin6('ff02::1');
let sent = 0;
for (const source of sources) {
  const fd = socket(10, 3, 58);
  if (fd < 0) throw new Error(`socket: errno ${koffi.errno()}`);
  // IPV6_MULTICAST_HOPS, then the source address.
  if (setsockopt(fd, 41, 18, hops, 4) < 0) throw new Error(`IPV6_MULTICAST_HOPS: errno ${koffi.errno()}`);
  const from = sin6(source);
  if (bind(fd, from, from.length) < 0) throw new Error(`bind ${source}: errno ${koffi.errno()}`);
  for (let i = 0; i < Number(count); i++) if (sendto(fd, message, message.length, 0, to, to.length) >= 0) sent++;
  close(fd);
}
console.log(sent);
