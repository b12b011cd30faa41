// The router advertisements of unnumbered links: we advertise ourselves on each watched interface
// (so the neighbor, FRR's zebra for one, learns our link-local address) and report every valid
// advertisement heard there, and each interface's link going up, down or away. The driver of the
// pure parts in router-advert.ts; it owns the raw socket and runs on the injected clock: every
// tick it reads the links' state, at most MAX_READS_PER_TICK queued packets (a flood costs that
// much, and the kernel drops what the socket's buffer cannot hold) and sends what is due.
// Must not import anything outside src/nd and src/wire.

import { readFileSync } from 'node:fs';
import { ipv6ToString, isLinkLocalIpv6 } from '../wire/index.js';
import { type RawPacket, RawIcmpv6Socket, RawSocketError } from './raw-socket.js';
import { ND_HOP_LIMIT, NdError, decodeRouterAdvert, encodeRouterAdvert, parseArrival } from './router-advert.js';

export interface NdClock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(h: never): void;
}

const TICK_MS = 200;
const MAX_READS_PER_TICK = 64;
/** The first advertisements on a link that came up go this often (FRR's fast start), then every ADVERTISE_MS. */
const INITIAL_MS = 1_000;
const INITIAL_COUNT = 3;
/** FRR's interval on unnumbered BGP links (10 s); RFC 4861 6.2.1 allows 4 s to 1800 s. */
const ADVERTISE_MS = 10_000;
/** RFC 4861 10 MIN_DELAY_BETWEEN_RAS is 3 s; an answer to a newly heard neighbor waits at least this. */
const MIN_GAP_MS = 1_000;
const EADDRNOTAVAIL = 99;

/** IFF_UP: administratively up (sysfs `flags` holds no IFF_RUNNING; `carrier` tells that). */
const IFF_UP = 0x1;

export interface LinkInfo {
  readonly ifindex: number;
  readonly up: boolean;
  readonly mac: Buffer | undefined;
}

/** An interface's index, state and MAC from sysfs; undefined when there is no such interface. */
export function readLink(ifname: string): LinkInfo | undefined {
  try {
    const dir = `/sys/class/net/${ifname}`;
    const ifindex = Number(readFileSync(`${dir}/ifindex`, 'utf8'));
    const flags = Number(readFileSync(`${dir}/flags`, 'utf8'));
    const mac = Buffer.from(readFileSync(`${dir}/address`, 'utf8').trim().split(':').map((h) => parseInt(h, 16)));
    return { ifindex, up: (flags & IFF_UP) !== 0 && carrier(dir), mac: mac.length === 6 ? mac : undefined };
  } catch {
    return undefined;
  }
}

/** Whether the link has carrier (the file cannot be read while the interface is down). */
function carrier(dir: string): boolean {
  try {
    return readFileSync(`${dir}/carrier`, 'utf8').trim() === '1';
  } catch {
    return false;
  }
}

export interface AdvertiserEvents {
  /** A valid advertisement from `source` (link-local, without zone) on `ifname`. */
  heard(ifname: string, source: string): void;
  /** The interface came up, or went down or away (`present` false). */
  link(ifname: string, up: boolean, present: boolean): void;
  /** A packet refused on a watched interface, with why (RFC 4861 6.1.2). */
  invalid(ifname: string, reason: string): void;
  /** The socket could not be opened or failed: advertisements stop (sessions can still come from the neighbor). */
  failed(message: string): void;
  /** An advertisement on `ifname` could not be sent (no link-local address there, say); the next is tried as usual. */
  unsent(ifname: string, message: string): void;
}

interface SocketLike {
  receive(): RawPacket | undefined;
  sendAllNodes(ifindex: number, message: Buffer): void;
  close(): void;
}

export interface AdvertiserOptions {
  readonly clock: NdClock;
  readonly events: AdvertiserEvents;
  /** The interface reader (sysfs) and the socket (raw ICMPv6); tests give their own. */
  readonly readLink?: (ifname: string) => LinkInfo | undefined;
  readonly socket?: () => SocketLike;
}

export interface LinkCounts {
  sent: number;
  /** Advertisements the kernel refused to send. */
  unsent: number;
  heard: number;
  invalid: number;
}

interface Watched {
  link: LinkInfo | undefined;
  nextAt: number;
  initialLeft: number;
  lastSentAt: number;
  readonly counts: LinkCounts;
}

export class RouterAdvertiser {
  readonly #o: AdvertiserOptions;
  readonly #links = new Map<string, Watched>();
  #socket: SocketLike | undefined;
  #failed = false;
  #timer: unknown;
  /** Packets left unread because a tick's reads were spent (a flood). */
  deferredReads = 0;

  constructor(o: AdvertiserOptions) {
    this.#o = o;
  }

  /** The interfaces to advertise on and listen to; starts or stops the ticks. */
  watch(ifnames: Iterable<string>): void {
    const want = new Set(ifnames);
    for (const name of this.#links.keys()) if (!want.has(name)) this.#links.delete(name);
    for (const name of want) if (!this.#links.has(name)) this.#links.set(name, { link: undefined, nextAt: 0, initialLeft: INITIAL_COUNT, lastSentAt: -Infinity, counts: { sent: 0, unsent: 0, heard: 0, invalid: 0 } });
    if (this.#links.size > 0 && this.#timer === undefined) this.#tick();
    if (this.#links.size === 0) this.close();
  }

  counts(ifname: string): LinkCounts | undefined {
    return this.#links.get(ifname)?.counts;
  }

  /** Advertise on `ifname` soon (a neighbor we had not heard: it learns us without waiting a full interval). */
  advertiseSoon(ifname: string): void {
    const w = this.#links.get(ifname);
    if (w) w.nextAt = Math.min(w.nextAt, w.lastSentAt + MIN_GAP_MS);
  }

  close(): void {
    if (this.#timer !== undefined) this.#o.clock.clearTimeout(this.#timer as never);
    this.#timer = undefined;
    this.#socket?.close();
    this.#socket = undefined;
    this.#failed = false;
  }

  #tick(): void {
    this.#timer = this.#o.clock.setTimeout(() => this.#tick(), TICK_MS);
    const now = this.#o.clock.now();
    for (const [name, w] of this.#links) this.#checkLink(name, w, now);
    const s = this.#open();
    if (!s) return;
    try {
      this.#read(s);
      for (const [name, w] of this.#links) if (w.link?.up && now >= w.nextAt) this.#send(s, name, w, now);
    } catch (e) {
      this.#fail(e instanceof Error ? e.message : String(e));
    }
  }

  #checkLink(name: string, w: Watched, now: number): void {
    const link = (this.#o.readLink ?? readLink)(name);
    const was = w.link;
    w.link = link;
    if (link?.up === was?.up && link?.ifindex === was?.ifindex) return;
    if (link?.up) {
      // A link that comes up is advertised on at once, then fast a few times.
      w.nextAt = now;
      w.initialLeft = INITIAL_COUNT;
    }
    if (was !== undefined || link !== undefined) this.#o.events.link(name, link?.up ?? false, link !== undefined);
  }

  #open(): SocketLike | undefined {
    if (this.#socket || this.#failed) return this.#socket;
    try {
      this.#socket = (this.#o.socket ?? (() => new RawIcmpv6Socket()))();
    } catch (e) {
      this.#fail(e instanceof RawSocketError || e instanceof Error ? e.message : String(e));
    }
    return this.#socket;
  }

  #fail(message: string): void {
    this.#failed = true;
    this.#socket?.close();
    this.#socket = undefined;
    this.#o.events.failed(message);
  }

  #read(s: SocketLike): void {
    for (let i = 0; i < MAX_READS_PER_TICK; i++) {
      const p = s.receive();
      if (!p) return;
      this.#received(p);
    }
    this.deferredReads++;
  }

  #received(p: RawPacket): void {
    const arrival = parseArrival(p.control);
    const ifindex = arrival.ifindex ?? p.scopeId;
    const entry = [...this.#links].find(([, w]) => w.link?.ifindex === ifindex);
    if (!entry) return;
    const [name, w] = entry;
    const source = ipv6ToString(p.source);
    const refuse = (reason: string) => {
      w.counts.invalid++;
      this.#o.events.invalid(name, `${reason} (from ${source})`);
    };
    // RFC 4861 6.1.2: hop limit 255 (sent on this link) and a link-local source.
    if (arrival.hopLimit !== ND_HOP_LIMIT) return refuse(`hop limit ${arrival.hopLimit ?? 'unknown'}, not ${ND_HOP_LIMIT}`);
    if (!isLinkLocalIpv6(p.source)) return refuse('source is not link-local');
    try {
      decodeRouterAdvert(p.data);
    } catch (e) {
      if (e instanceof NdError) return refuse(e.message);
      throw e;
    }
    w.counts.heard++;
    this.#o.events.heard(name, source);
  }

  #send(s: SocketLike, name: string, w: Watched, now: number): void {
    try {
      s.sendAllNodes(w.link!.ifindex, encodeRouterAdvert(w.link!.mac));
      w.counts.sent++;
    } catch (e) {
      if (!(e instanceof RawSocketError)) throw e;
      // EADDRNOTAVAIL: the link has no link-local address to send from (addr_gen_mode none, or
      // still tentative); the interface gone meanwhile is the next tick's to see.
      w.counts.unsent++;
      this.#o.events.unsent(name, e.errno === EADDRNOTAVAIL ? `${e.message} (no usable link-local address on ${name})` : e.message);
    }
    w.lastSentAt = now;
    w.nextAt = now + (w.initialLeft-- > 0 ? INITIAL_MS : ADVERTISE_MS);
  }
}
