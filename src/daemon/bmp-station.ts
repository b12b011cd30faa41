// One BMP monitoring station (RFC 7854): the connection we make to a collector and make again
// with backoff, Initiation and Peer Up/Down, an initial dump paced by the socket, and live
// messages gathered per turn of the event loop and written together.
//
// A collector never slows BGP: live messages are written only while the collector's unsent octets
// stay under MAX_QUEUED; past that the connection is dropped (counted), and the next one starts
// with a whole dump again (drop and resync). BMP is one-way (RFC 7854 3.2): data from a collector
// is logged and the connection dropped.

import { type Socket, createConnection } from 'node:net';
import type { Clock, TimerHandle } from '../fsm/index.js';
import type { Position, RibQuery, RouteListing } from '../rib/index.js';
import {
  Afi, type AfiCode, BmpStat, TERM_ADMIN_CLOSE, encodeInitiation, encodePeerUp, encodePerPeerHeader, encodeRouteMonitoringWith, encodeStatistics,
  encodeTermination, routeMonitoringLength,
} from '../wire/index.js';
import { LOC_RIB_CONTEXT, type MonitoredPeer, type RibView, endOfRibMonitoring, locRibHeader, locRibOpen, peerHeader, wide } from './bmp-feed.js';
import { TurnOutput } from './bmp-out.js';

export type BmpView = RibView | 'loc-rib';

export interface BmpCollector {
  readonly address: string;
  readonly port: number;
  readonly monitor: readonly BmpView[];
}

/** An Established neighbor as the monitor needs it. */
export interface BmpPeerInfo extends MonitoredPeer {
  readonly index: number;
  readonly families: readonly AfiCode[];
  readonly opens: { readonly sent: Buffer; readonly received: Buffer };
  readonly local: { readonly address: string | null; readonly port: number; readonly remotePort: number };
  /** Routes held from it (post-policy), and refused for an AS path loop (RFC 7854 4.8 types 8 and 4). */
  stats(): { readonly routes: number; readonly prePolicy: number | undefined; readonly loops: number };
  readonly ibgp: boolean;
  /** Whether its import policy (now) changes no attribute and no next hop: what it accepts is held as it came. */
  importKeepsRoutes(): boolean;
}

export interface BmpContext {
  readonly clock: Clock;
  readonly query: RibQuery;
  readonly localAs: number;
  readonly routerId: number;
  readonly sysName: string;
  readonly sysDescr: string;
  /** Established neighbors now. */
  peers(): readonly BmpPeerInfo[];
  /** Milliseconds since the epoch (per-peer header timestamps). */
  wallNow(): number;
  readonly log: (level: 'info' | 'warn', collector: string, message: string) => void;
  /** Unsent octets toward a collector beyond which it is dropped (MAX_QUEUED; tests make it small). */
  readonly maxQueued?: number;
}

/** Unsent octets toward a collector beyond which the connection is dropped and resynchronised. */
export const MAX_QUEUED = 64 * 1024 * 1024;
/** The initial dump writes while fewer octets than this wait in the socket. */
const DUMP_LOW_WATER = 256 * 1024;
/** Routes per page of the initial dump. */
const DUMP_PAGE = 500;
const RETRY_FIRST_MS = 1000;
const RETRY_MAX_MS = 60_000;

export interface BmpStationStatus {
  readonly address: string;
  readonly port: number;
  readonly up: boolean;
  readonly dumping: boolean;
  readonly messages: number;
  readonly octets: number;
  readonly resyncs: number;
  readonly lastError: string | null;
}

export class BmpStation {
  readonly collector: BmpCollector;
  readonly #ctx: BmpContext;
  #socket: Socket | undefined;
  #up = false;
  #stopped = false;
  #retryMs = RETRY_FIRST_MS;
  #retry: TimerHandle | undefined;
  /** Neighbors (by index) whose Peer Up this connection has sent. */
  readonly #announced = new Set<number>();
  #dump: Iterator<Buffer[]> | undefined;
  #counts = { messages: 0, octets: 0, resyncs: 0 };
  /**
   * Messages of this turn of the event loop, written together when it ends: one system call per
   * turn, not one per message (a full table is 200k UPDATEs).
   */
  readonly #pending = new TurnOutput();
  #lastError: string | null = null;

  constructor(collector: BmpCollector, ctx: BmpContext) {
    this.collector = collector;
    this.#ctx = ctx;
  }

  get name(): string {
    return `${this.collector.address} port ${this.collector.port}`;
  }

  status(): BmpStationStatus {
    return { address: this.collector.address, port: this.collector.port, up: this.#up, dumping: this.#dump !== undefined, ...this.#counts, lastError: this.#lastError };
  }

  monitors(v: BmpView): boolean {
    return this.collector.monitor.includes(v);
  }

  announced(index: number): boolean {
    return this.#up && this.#announced.has(index);
  }

  start(): void {
    this.#stopped = false;
    this.#connect();
  }

  /** Termination (administratively closed), then the connection ends. */
  stop(text: string): void {
    this.#stopped = true;
    if (this.#retry) this.#ctx.clock.clearTimeout(this.#retry);
    const s = this.#socket;
    this.#flushPending();
    if (s && this.#up) s.end(encodeTermination(TERM_ADMIN_CLOSE, text));
    else s?.destroy();
    this.#socket = undefined;
    this.#up = false;
  }

  #connect(): void {
    if (this.#stopped) return;
    const s = createConnection({ host: this.collector.address, port: this.collector.port });
    this.#socket = s;
    s.setNoDelay(true);
    s.on('connect', () => this.#connected(s));
    s.on('data', () => {
      // RFC 7854 3.2: the station sends nothing; whatever it sends is not ours to read.
      this.#ctx.log('warn', this.name, 'the collector sent data (BMP is one-way): connection dropped');
      s.destroy(new Error('the collector sent data'));
    });
    s.on('drain', () => this.#pump());
    s.on('error', () => {});
    s.on('close', () => {
      if (this.#socket !== s) return;
      const why = (s as Socket & { errored?: Error }).errored?.message ?? 'closed by the collector';
      this.#lost(why);
    });
  }

  #lost(why: string): void {
    const wasUp = this.#up;
    this.#socket = undefined;
    this.#pending.clear();
    if (this.#retry) this.#ctx.clock.clearTimeout(this.#retry);
    this.#up = false;
    this.#dump = undefined;
    this.#announced.clear();
    this.#lastError = why;
    if (wasUp) this.#ctx.log('warn', this.name, `BMP collector connection lost: ${why}`);
    if (this.#stopped) return;
    this.#retry = this.#ctx.clock.setTimeout(() => this.#connect(), this.#retryMs);
    this.#retryMs = Math.min(RETRY_MAX_MS, this.#retryMs * 2);
  }

  #connected(s: Socket): void {
    this.#up = true;
    this.#retryMs = RETRY_FIRST_MS;
    this.#lastError = null;
    this.#ctx.log('info', this.name, 'BMP collector connected');
    const c = this.#ctx;
    const now = c.wallNow();
    this.#write([encodeInitiation(c.sysName, c.sysDescr, 'nodebgp')]);
    const peers = c.peers();
    for (const p of peers) this.peerUp(p);
    if (this.monitors('loc-rib')) {
      const open = locRibOpen(c.localAs, c.routerId);
      this.#write([encodePeerUp(locRibHeader(c.localAs, c.routerId, now), { address: null, port: 0, remotePort: 0 }, open, open, 'loc-rib')]);
    }
    this.#dump = this.#initialDump(peers);
    this.#pump();
  }

  /** Writes live messages; past MAX_QUEUED the connection is dropped and resynchronised later. */
  send(messages: readonly Buffer[]): void {
    let size = 0;
    for (const m of messages) size += m.length;
    if (messages.length > 0 && this.#room(size)) this.#write(messages);
  }

  /** Route Monitoring of `updates` behind `perPeerHeader`, framed straight into this turn's output (as send). */
  sendRouteMonitoring(perPeerHeader: Buffer, updates: readonly Buffer[]): void {
    let size = 0;
    for (const u of updates) size += routeMonitoringLength(perPeerHeader, u);
    if (size === 0 || !this.#room(size)) return;
    this.#flushAfterTurn();
    for (const u of updates) this.#pending.appendRouteMonitoring(perPeerHeader, u);
    this.#counts.messages += updates.length;
    this.#counts.octets += size;
  }

  /**
   * One UPDATE in the views it stands for (RFC 7854 pre- and post-policy, RFC 9069 Loc-RIB),
   * each given by its per-peer header, in that order; as sendRouteMonitoring, without an array
   * per UPDATE (this runs per UPDATE of a full table).
   */
  sendViews(pre: Buffer | undefined, post: Buffer | undefined, locRib: Buffer | undefined, update: Buffer): void {
    const size = (pre ? routeMonitoringLength(pre, update) : 0) + (post ? routeMonitoringLength(post, update) : 0) + (locRib ? routeMonitoringLength(locRib, update) : 0);
    if (size === 0 || !this.#room(size)) return;
    this.#flushAfterTurn();
    if (pre) this.#pending.appendRouteMonitoring(pre, update);
    if (post) this.#pending.appendRouteMonitoring(post, update);
    if (locRib) this.#pending.appendRouteMonitoring(locRib, update);
    this.#counts.messages += (pre ? 1 : 0) + (post ? 1 : 0) + (locRib ? 1 : 0);
    this.#counts.octets += size;
  }

  /** Whether `size` more octets may be queued: false when down, or when over MAX_QUEUED (then dropped). */
  #room(size: number): boolean {
    const s = this.#socket;
    if (!s || !this.#up) return false;
    const max = this.#ctx.maxQueued ?? MAX_QUEUED;
    if (this.#queued(s) + size > max) {
      this.#counts.resyncs++;
      this.#ctx.log('warn', this.name, `BMP collector more than ${max} octets behind: connection dropped, a whole dump follows the next one`);
      // Down at once: nothing more is queued toward it (its 'close' comes later and is ignored).
      this.#socket = undefined;
      s.destroy();
      this.#lost('collector too slow: dropped to resynchronise');
      return false;
    }
    return true;
  }

  /** Octets written to the socket and not yet taken by the kernel, and those of this turn. */
  #queued(s: Socket): number {
    return s.writableLength + this.#pending.octets;
  }

  /** The first message of a turn arranges for the turn's write. */
  #flushAfterTurn(): void {
    if (this.#pending.octets === 0) process.nextTick(() => this.#flushPending());
  }

  #write(messages: readonly Buffer[]): void {
    this.#flushAfterTurn();
    for (const m of messages) {
      this.#pending.append(m);
      this.#counts.messages++;
      this.#counts.octets += m.length;
    }
  }

  #flushPending(): void {
    const chunks = this.#pending.take();
    // A connection lost meanwhile takes nothing: the next one starts with a whole dump.
    const s = this.#socket;
    if (chunks.length === 0 || !s || !this.#up) return;
    // One system call for the turn (writev when it filled several chunks).
    s.cork();
    let taken = true;
    const out = this.#pending;
    // Once written, a chunk may be filled again; after an error the socket is gone and so is the chunk.
    for (const c of chunks) {
      taken = s.write(c, (e) => {
        if (!e) out.written(c);
      });
    }
    s.uncork();
    // Taken at once: no 'drain' will come, so an initial dump under way goes on from here.
    if (taken && this.#dump) this.#pump();
  }

  #pump(): void {
    const s = this.#socket;
    try {
      while (this.#dump && s && this.#up && this.#queued(s) < DUMP_LOW_WATER) {
        const next = this.#dump.next();
        if (next.done) this.#dump = undefined;
        else this.#write(next.value);
      }
    } catch (e) {
      // Runs from the socket's events: contained, the collector gets a whole dump next time.
      this.#dump = undefined;
      this.#ctx.log('warn', this.name, `BMP initial dump failed: ${(e as Error).message}; connection dropped`);
      s?.destroy(new Error('initial dump failed'));
    }
  }

  peerUp(p: BmpPeerInfo): void {
    if (!this.#up || this.#announced.has(p.index)) return;
    this.#announced.add(p.index);
    const now = this.#ctx.wallNow();
    const msgs: Buffer[] = [];
    // One Peer Up per neighbor names it for the collector; its views differ by the L flag.
    msgs.push(encodePeerUp(peerHeader(p, this.monitors('pre-policy') ? 'pre-policy' : 'post-policy', now), p.local, p.opens.sent, p.opens.received));
    this.send(msgs);
  }

  peerDown(index: number, message: Buffer): void {
    if (!this.#announced.delete(index)) return;
    this.send([message]);
  }

  /** Statistics Reports (RFC 7854 4.8; RFC 8671 6.2 for a monitored Adj-RIB-Out) for every neighbor announced. */
  statistics(): void {
    const now = this.#ctx.wallNow();
    for (const p of this.#ctx.peers()) {
      if (!this.#announced.has(p.index)) continue;
      const st = p.stats();
      const stats: { type: number; value: number; gauge?: boolean }[] = [
        { type: BmpStat.AS_PATH_LOOP, value: st.loops },
        { type: BmpStat.ADJ_RIB_IN_ROUTES, value: st.prePolicy ?? st.routes, gauge: true },
        { type: BmpStat.LOC_RIB_ROUTES, value: st.routes, gauge: true },
      ];
      const pre = this.monitors('rib-out-pre-policy');
      const post = this.monitors('rib-out-post-policy');
      const out = pre || post ? this.#ctx.query.outCounts(p.index) : undefined;
      if (pre && out?.pre !== undefined) stats.push({ type: BmpStat.ADJ_RIB_OUT_PRE_ROUTES, value: out.pre, gauge: true });
      if (post && out) stats.push({ type: BmpStat.ADJ_RIB_OUT_POST_ROUTES, value: out.post, gauge: true });
      this.send([encodeStatistics(peerHeader(p, 'post-policy', now), stats)]);
    }
  }

  /** The tables as they are when each page is read: neighbors' Adj-RIBs-In, then the Loc-RIB. */
  *#initialDump(peers: readonly BmpPeerInfo[]): Generator<Buffer[]> {
    const c = this.#ctx;
    const up = (p: BmpPeerInfo) => () => this.#announced.has(p.index);
    for (const p of peers) {
      for (const afi of p.families) {
        for (const view of ['pre-policy', 'post-policy'] as const) {
          if (!this.monitors(view)) continue;
          const kind = view === 'pre-policy' ? 'received' : 'accepted';
          // Pre-policy routes are there only when kept (softReconfigurationInbound).
          if (kind === 'received' && c.query.received(p.index, afi) === undefined) continue;
          const ctx = wide(p.rx);
          yield* dumpPages(up(p), (o) => c.query.dumpUpdates(afi, { kind, peerIndex: p.index }, o, DUMP_PAGE, ctx), () => encodePerPeerHeader(peerHeader(p, view, c.wallNow())));
          if (this.#announced.has(p.index)) yield [endOfRibMonitoring(peerHeader(p, view, c.wallNow()), afi, p.rx)];
        }
        for (const view of ['rib-out-pre-policy', 'rib-out-post-policy'] as const) {
          if (!this.monitors(view)) continue;
          const which = view === 'rib-out-pre-policy' ? 'pre-policy' : 'post-policy';
          yield* dumpPages(up(p), (o) => c.query.outUpdates(p.index, afi, which, o, DUMP_PAGE), () => encodePerPeerHeader(peerHeader(p, view, c.wallNow())));
          if (this.#announced.has(p.index)) yield [endOfRibMonitoring(peerHeader(p, view, c.wallNow()), afi, p.tx)];
        }
      }
    }
    if (!this.monitors('loc-rib')) return;
    const head = () => encodePerPeerHeader(locRibHeader(c.localAs, c.routerId, c.wallNow()));
    for (const afi of [Afi.IPV4, Afi.IPV6] as const) {
      yield* dumpPages(() => true, (o) => c.query.dumpUpdates(afi, { kind: 'best' }, o, DUMP_PAGE, LOC_RIB_CONTEXT), head);
      yield [endOfRibMonitoring(locRibHeader(c.localAs, c.routerId, c.wallNow()), afi, LOC_RIB_CONTEXT)];
    }
  }
}

/**
 * A table read DUMP_PAGE prefixes at a time while `stillUp` holds, each page as it is then (a seek
 * from the last prefix read), framed behind `head()` (its timestamp: when the page was read).
 */
function* dumpPages(stillUp: () => boolean, read: (o: RouteListing) => { updates: Buffer[]; last: Position | undefined } | undefined, head: () => Buffer): Generator<Buffer[]> {
  let after: Position | undefined;
  while (stillUp()) {
    const page = read(after ? { after } : {});
    if (!page) return;
    const h = head();
    yield page.updates.map((u) => encodeRouteMonitoringWith(h, u));
    if (!page.last) return;
    after = page.last;
  }
}
