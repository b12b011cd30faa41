// rtnetlink route messages over Buffers (linux/netlink.h, linux/rtnetlink.h): RTM_NEWROUTE with
// NLM_F_REPLACE (install or change in one step), RTM_DELROUTE, the RTM_GETROUTE dump request, and
// the parsing of what the kernel answers (routes of a dump, NLMSG_ERROR with the request's sequence
// number). ECMP next hops are RTA_MULTIPATH (a list of struct rtnexthop), an IPv4 route through an
// IPv6 next hop (RFC 8950) is RTA_VIA. Host byte order is little-endian (x86_64, arm64). Pure.
// Must not import rib, api, daemon, pino or prom-client.

export const AF_INET = 2;
export const AF_INET6 = 10;
export const RTPROT_BGP = 186;
export const RT_TABLE_MAIN = 254;

const NLMSG_HDRLEN = 16;
const RTMSG_LEN = 12;
export const NlmsgType = { NOOP: 1, ERROR: 2, DONE: 3, RTM_NEWADDR: 20, RTM_DELADDR: 21, RTM_NEWROUTE: 24, RTM_DELROUTE: 25, RTM_GETROUTE: 26 } as const;
const NLM_F_REQUEST = 0x1;
const NLM_F_ACK = 0x4;
const NLM_F_DUMP = 0x300;
const NLM_F_REPLACE = 0x100;
const NLM_F_CREATE = 0x400;
const RTA_DST = 1;
const RTA_OIF = 4;
const RTA_GATEWAY = 5;
const RTA_PRIORITY = 6;
const RTA_MULTIPATH = 9;
const RTA_TABLE = 15;
const RTA_VIA = 18;
const RT_SCOPE_UNIVERSE = 0;
const RTN_UNICAST = 1;
const RT_TABLE_UNSPEC = 0;

export interface Nexthop {
  /** 4 or 16 octets. An IPv6 gateway for an IPv4 route goes as RTA_VIA. */
  readonly gateway: Buffer;
  /** Interface index (needed for an IPv6 link-local gateway); 0 lets the kernel find it. */
  readonly ifindex?: number;
  /** Share of an ECMP route's traffic, 1-256 (struct rtnexthop's hops + 1); equal when absent. */
  readonly weight?: number;
}

export interface KernelRoute {
  readonly family: typeof AF_INET | typeof AF_INET6;
  /** The destination prefix, 4 or 16 octets. */
  readonly dst: Buffer;
  readonly len: number;
  readonly table: number;
  readonly protocol: number;
  readonly metric: number;
  /** One: a plain route; several: ECMP (RTA_MULTIPATH). Empty for a deletion, or a connected route. */
  readonly nexthops: readonly Nexthop[];
  /** As read from the kernel: rtm_type (1 unicast; blackhole, unreachable and others forward nothing). */
  readonly type?: number;
  /** As read from the kernel: the interface of a route without a gateway (a connected route). */
  readonly oif?: number;
}

const align = (n: number) => (n + 3) & ~3;

/** Writes netlink messages one after another into a growing buffer (one sendmsg per batch). */
export class NetlinkBatch {
  buf: Buffer;
  length = 0;
  count = 0;
  /** Where the last message starts (for take()'s acknowledgement flag). */
  #last = 0;

  constructor(size = 256 * 1024) {
    this.buf = Buffer.alloc(size);
  }

  #room(n: number): void {
    if (this.length + n <= this.buf.length) return;
    const b = Buffer.alloc(Math.max(this.buf.length * 2, this.length + n));
    this.buf.copy(b, 0, 0, this.length);
    this.buf = b;
  }

  #attr(type: number, payload: Buffer | number): void {
    const isNum = typeof payload === 'number';
    const len = 4 + (isNum ? 4 : payload.length);
    this.#room(align(len));
    const o = this.length;
    this.buf.writeUInt16LE(len, o);
    this.buf.writeUInt16LE(type, o + 2);
    if (isNum) this.buf.writeUInt32LE(payload >>> 0, o + 4);
    else payload.copy(this.buf, o + 4);
    this.buf.fill(0, o + len, o + align(len));
    this.length = o + align(len);
  }

  /** RTA_GATEWAY for a gateway of the route's family, RTA_VIA (family + address) otherwise. */
  #gateway(family: number, gw: Buffer): void {
    if ((gw.length === 4) === (family === AF_INET)) return this.#attr(RTA_GATEWAY, gw);
    const via = Buffer.alloc(2 + gw.length);
    via.writeUInt16LE(gw.length === 4 ? AF_INET : AF_INET6, 0);
    gw.copy(via, 2);
    this.#attr(RTA_VIA, via);
  }

  #header(type: number, flags: number, seq: number): number {
    this.#room(NLMSG_HDRLEN + RTMSG_LEN);
    const o = this.length;
    this.#last = o;
    this.buf.writeUInt16LE(type, o + 4);
    this.buf.writeUInt16LE(flags, o + 6);
    this.buf.writeUInt32LE(seq >>> 0, o + 8);
    this.buf.writeUInt32LE(0, o + 12);
    this.length = o + NLMSG_HDRLEN;
    return o;
  }

  #rtmsg(family: number, len: number, table: number, protocol: number, scope: number, type: number): void {
    const o = this.length;
    this.buf[o] = family;
    this.buf[o + 1] = len;
    this.buf[o + 2] = 0;
    this.buf[o + 3] = 0;
    this.buf[o + 4] = table < 256 ? table : RT_TABLE_UNSPEC;
    this.buf[o + 5] = protocol;
    this.buf[o + 6] = scope;
    this.buf[o + 7] = type;
    this.buf.writeUInt32LE(0, o + 8);
    this.length = o + RTMSG_LEN;
  }

  #finish(start: number): void {
    this.buf.writeUInt32LE(this.length - start, start);
    this.count++;
  }

  /** RTM_NEWROUTE with NLM_F_CREATE | NLM_F_REPLACE: installs, or replaces in place. */
  replace(r: KernelRoute, seq: number): void {
    const start = this.#header(NlmsgType.RTM_NEWROUTE, NLM_F_REQUEST | NLM_F_CREATE | NLM_F_REPLACE, seq);
    this.#rtmsg(r.family, r.len, r.table, r.protocol, RT_SCOPE_UNIVERSE, RTN_UNICAST);
    this.#attr(RTA_TABLE, r.table);
    this.#attr(RTA_DST, r.dst);
    this.#attr(RTA_PRIORITY, r.metric);
    if (r.nexthops.length === 1) {
      const nh = r.nexthops[0];
      this.#gateway(r.family, nh.gateway);
      if (nh.ifindex) this.#attr(RTA_OIF, nh.ifindex);
    } else {
      // RTA_MULTIPATH: struct rtnexthop { u16 len; u8 flags; u8 hops; s32 ifindex } + its attributes.
      this.#room(4);
      const mp = this.length;
      this.length += 4;
      for (const nh of r.nexthops) {
        this.#room(8);
        const o = this.length;
        this.buf.writeUInt8(0, o + 2);
        this.buf.writeUInt8(Math.min(256, Math.max(1, nh.weight ?? 1)) - 1, o + 3);
        this.buf.writeInt32LE(nh.ifindex ?? 0, o + 4);
        this.length = o + 8;
        this.#gateway(r.family, nh.gateway);
        this.buf.writeUInt16LE(this.length - o, o);
      }
      this.buf.writeUInt16LE(this.length - mp, mp);
      this.buf.writeUInt16LE(RTA_MULTIPATH, mp + 2);
    }
    this.#finish(start);
  }

  /** RTM_DELROUTE for our protocol's route to a prefix in a table. */
  remove(r: Pick<KernelRoute, 'family' | 'dst' | 'len' | 'table' | 'protocol' | 'metric'>, seq: number): void {
    const start = this.#header(NlmsgType.RTM_DELROUTE, NLM_F_REQUEST, seq);
    this.#rtmsg(r.family, r.len, r.table, r.protocol, RT_SCOPE_UNIVERSE, RTN_UNICAST);
    this.#attr(RTA_TABLE, r.table);
    this.#attr(RTA_DST, r.dst);
    this.#attr(RTA_PRIORITY, r.metric);
    this.#finish(start);
  }

  /** RTM_GETROUTE dump of one family (the kernel answers with every route, then NLMSG_DONE). */
  dump(family: number, seq: number): void {
    const start = this.#header(NlmsgType.RTM_GETROUTE, NLM_F_REQUEST | NLM_F_DUMP, seq);
    this.#rtmsg(family, 0, 0, 0, 0, 0);
    this.#finish(start);
  }

  /** NLMSG_NOOP asking for an acknowledgement: a marker the kernel answers in order. */
  noop(seq: number): void {
    this.#room(NLMSG_HDRLEN);
    const start = this.length;
    this.#last = start;
    this.buf.writeUInt16LE(NlmsgType.NOOP, start + 4);
    this.buf.writeUInt16LE(NLM_F_REQUEST | NLM_F_ACK, start + 6);
    this.buf.writeUInt32LE(seq >>> 0, start + 8);
    this.buf.writeUInt32LE(0, start + 12);
    this.length = start + NLMSG_HDRLEN;
    this.#finish(start);
  }

  /** The sequence number of the last message in the batch (its acknowledgement answers the whole batch). */
  get lastSeq(): number {
    return this.buf.readUInt32LE(this.#last + 8);
  }

  /**
   * The batch as one datagram, emptied for the next. `ackLast` asks for an acknowledgement of the
   * last message: the kernel answers in order, so it tells that all of them are applied.
   */
  take(ackLast = false): Buffer {
    if (ackLast && this.count > 0) this.buf.writeUInt16LE(this.buf.readUInt16LE(this.#last + 6) | NLM_F_ACK, this.#last + 6);
    const out = Buffer.from(this.buf.subarray(0, this.length));
    this.length = 0;
    this.count = 0;
    return out;
  }
}

export type KernelMessage =
  | { readonly type: 'route'; readonly seq: number; readonly route: KernelRoute }
  /** RTM_DELROUTE as a notification: `pid` is the netlink port that asked for it (0: the kernel). */
  | { readonly type: 'deleted'; readonly seq: number; readonly pid: number; readonly route: KernelRoute }
  /** NLMSG_ERROR: errno 0 is an acknowledgement. */
  | { readonly type: 'error'; readonly seq: number; readonly errno: number }
  | { readonly type: 'done'; readonly seq: number }
  | { readonly type: 'other'; readonly seq: number; readonly nlType: number };

/** Every netlink message in a received datagram. */
export function parseMessages(b: Buffer): KernelMessage[] {
  const out: KernelMessage[] = [];
  let o = 0;
  while (o + NLMSG_HDRLEN <= b.length) {
    const len = b.readUInt32LE(o);
    if (len < NLMSG_HDRLEN || o + len > b.length) break;
    const type = b.readUInt16LE(o + 4);
    const seq = b.readUInt32LE(o + 8);
    if (type === NlmsgType.ERROR) out.push({ type: 'error', seq: b.readUInt32LE(o + NLMSG_HDRLEN + 4 + 8), errno: -b.readInt32LE(o + NLMSG_HDRLEN) });
    else if (type === NlmsgType.DONE) out.push({ type: 'done', seq });
    else if (type === NlmsgType.RTM_NEWROUTE) out.push({ type: 'route', seq, route: parseRoute(b.subarray(o + NLMSG_HDRLEN, o + len)) });
    else if (type === NlmsgType.RTM_DELROUTE) out.push({ type: 'deleted', seq, pid: b.readUInt32LE(o + 12), route: parseRoute(b.subarray(o + NLMSG_HDRLEN, o + len)) });
    else out.push({ type: 'other', seq, nlType: type });
    o += align(len);
  }
  return out;
}

function parseRoute(b: Buffer): KernelRoute {
  const family = b[0] as typeof AF_INET | typeof AF_INET6;
  let table = b[4];
  let dst = Buffer.alloc(family === AF_INET ? 4 : 16);
  let metric = 0;
  const nexthops: Nexthop[] = [];
  const gatewayOf = (type: number, v: Buffer): Buffer | undefined => (type === RTA_GATEWAY ? Buffer.from(v) : type === RTA_VIA ? Buffer.from(v.subarray(2)) : undefined);
  let single: Buffer | undefined;
  let oif = 0;
  for (const [type, v] of attrs(b, RTMSG_LEN)) {
    if (type === RTA_DST) dst = Buffer.from(v);
    else if (type === RTA_TABLE) table = v.readUInt32LE(0);
    else if (type === RTA_PRIORITY) metric = v.readUInt32LE(0);
    else if (type === RTA_OIF) oif = v.readInt32LE(0);
    else if (type === RTA_GATEWAY || type === RTA_VIA) single = gatewayOf(type, v);
    else if (type === RTA_MULTIPATH) {
      let o = 0;
      while (o + 8 <= v.length) {
        const len = v.readUInt16LE(o);
        if (len < 8) break;
        const ifindex = v.readInt32LE(o + 4);
        const weight = v[o + 3] + 1;
        for (const [t, w] of attrs(v.subarray(o, o + len), 8)) {
          const gw = gatewayOf(t, w);
          if (gw) nexthops.push({ gateway: gw, ifindex, weight });
        }
        o += align(len);
      }
    }
  }
  if (single) nexthops.push({ gateway: single, ifindex: oif });
  return { family, dst, len: b[1], table, protocol: b[5], metric, nexthops, type: b[7], oif };
}

function* attrs(b: Buffer, from: number): Generator<[number, Buffer]> {
  let o = from;
  while (o + 4 <= b.length) {
    const len = b.readUInt16LE(o);
    if (len < 4 || o + len > b.length) return;
    yield [b.readUInt16LE(o + 2) & 0x3fff, b.subarray(o + 4, o + len)];
    o += align(len);
  }
}
