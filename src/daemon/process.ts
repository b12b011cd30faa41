// The running daemon as an operator sees it: the loaded configuration, the Daemon, the logger, and
// the operations the API, signals and the CLI trigger (reload from the file, log level). State
// changes are logged at info, wire errors at warn with the offending octets in hex.

import type { Logger } from 'pino';
import { ConfigError, type LoadedConfig, loadConfigFileAsync } from '../config/load.js';
import { notificationName, notificationText, shutdownCommunication } from '../wire/index.js';
import { CommandError, Daemon, type DaemonEvents, type ReloadResult } from './daemon.js';
import { type Clock, SystemClock, type TimerHandle } from '../fsm/index.js';
import { LogLimiter } from './log-limiter.js';
import type { CurrentLogLevel } from './contract/index.js';
import type { DaemonCommands, DaemonQueries, LogLevel } from './ports.js';
import { bfdSessions, neighborDetail, neighborRoutes, pathJson, routes, rpkiStatus, rpkiValidate, summary, trackedNexthops } from './read-model.js';
import { daemonStats } from './stats.js';
import { type LogFormat, makeLogger } from './logger.js';

export { ListenError } from '../fsm/index.js';
export { FibLockError } from '../fib/index.js';

export type { LogLevel } from './ports.js';

export interface ProcessOptions {
  /** The file reloads read; undefined when running the embedded default (reload then re-applies it). */
  readonly configPath?: string;
  readonly logger?: Logger;
  /** NODEBGP_API_TOKEN, which stands in for api.token when the file has none. */
  readonly envToken?: string;
  /** The API is served on loopback only (no token needed). */
  readonly apiLoopback?: boolean;
  /** See DaemonOptions.collectGarbage. */
  readonly collectGarbage?: () => void;
  /** The clock of every timer (the daemon's too); tests pass a virtual one. */
  readonly clock?: Clock;
  /** --log-format: overrides log.format (and the terminal default). */
  readonly logFormat?: LogFormat;
}

export class DaemonProcess {
  loaded: LoadedConfig;
  readonly daemon: Daemon;
  readonly logger: Logger;
  readonly configPath: string | undefined;
  readonly #listeners: DaemonEvents[] = [];
  readonly #peerLogs = new Map<string, Logger>();
  #fibErrors = 0;
  readonly #limiter = new LogLimiter();
  /** A line of each key whose lines are being suppressed, for its "suppressed N" report. */
  readonly #samples = new Map<string, { log: Logger; level: 'warn' | 'info'; msg: string }>();
  #reportTimer: TimerHandle | undefined;
  readonly #clock: Clock;
  /** Neighbors made for a dynamic-neighbor range (their lines share one rate limit). */
  readonly #dynamic = new Set<string>();
  /** Prefixes already logged as unsendable (one warning per prefix; bounded, oldest forgotten). */
  readonly #unsendableLogged = new Set<string>();
  lastReload: { at: string; ok: boolean; result?: ReloadResult; error?: string } | null = null;
  /** Called after each reload attempt (metrics). */
  onReload?: (ok: boolean) => void;

  readonly #options: ProcessOptions;

  constructor(loaded: LoadedConfig, options: ProcessOptions = {}) {
    this.loaded = loaded;
    this.#options = options;
    this.configPath = options.configPath;
    this.logger = options.logger ?? makeLogger(loaded.logLevel, options.logFormat ?? loaded.logFormat);
    this.#clock = options.clock ?? new SystemClock();
    this.daemon = new Daemon(loaded.daemon, { clock: this.#clock, events: this.#events(), ...(options.collectGarbage ? { collectGarbage: options.collectGarbage } : {}) });
  }

  /**
   * Logs a line another party can cause through the rate limiter (a few per minute per key); the
   * next line logged says how many were suppressed.
   */
  #limited(log: Logger, level: 'warn' | 'info', key: string, fields: object, msg: string): void {
    const d = this.#limiter.take(key, this.#clock.now());
    if (!d.log) {
      if (d.suppressed === 1) this.#samples.set(key, { log, level, msg });
      return;
    }
    const more = d.last ? ' (more lines like this in the next minute are counted, not logged)' : '';
    if (d.suppressed > 0) log[level]({ ...fields, suppressed: d.suppressed }, `${msg} (${d.suppressed} more like it suppressed)${more}`);
    else log[level](fields, `${msg}${more}`);
  }

  /** "suppressed N" for the keys whose minute ended with lines held back. */
  #reportSuppressed(): void {
    for (const { key, suppressed } of this.#limiter.drain(this.#clock.now())) {
      const sample = this.#samples.get(key);
      this.#samples.delete(key);
      if (sample) sample.log[sample.level]({ suppressed }, `suppressed ${suppressed} lines like: ${sample.msg}`);
    }
    // Samples of keys the limiter forgot (more keys than it keeps) go too.
    if (this.#samples.size > 2048) this.#samples.clear();
  }

  /** Adds a subscriber to the daemon's events (metrics, the event stream, tests); returns its removal. */
  subscribe(l: DaemonEvents): () => void {
    this.#listeners.push(l);
    return () => {
      const i = this.#listeners.indexOf(l);
      if (i >= 0) this.#listeners.splice(i, 1);
    };
  }

  #peer(address: string): Logger {
    let l = this.#peerLogs.get(address);
    if (!l) this.#peerLogs.set(address, (l = this.logger.child({ neighbor: address })));
    return l;
  }

  #events(): DaemonEvents {
    // Every listener of event k, with its (at most five) arguments passed on as they are, without
    // an argument list per call: updateApplied comes once per received UPDATE.
    type Listener = (a: unknown, b: unknown, c: unknown, d: unknown, e: unknown) => void;
    const fan = <K extends keyof DaemonEvents>(k: K) => ((a?: unknown, b?: unknown, c?: unknown, d?: unknown, e?: unknown) => {
      for (const l of this.#listeners) (l[k] as Listener | undefined)?.call(l, a, b, c, d, e);
    }) as NonNullable<DaemonEvents[K]>;
    // Lines another party can cause are rate-limited: per configured neighbor, and for dynamic
    // neighbors (any source in a range) all together. A configured neighbor's session events
    // are bounded by the FSM's backoff, and each is logged; a dynamic one's are limited too.
    const key = (n: string, kind: string) => `${this.#dynamic.has(n) ? 'dynamic' : n}|${kind}`;
    const session = (n: string, level: 'warn' | 'info', kind: string, fields: object, msg: string) => {
      if (this.#dynamic.has(n)) this.#limited(this.#peer(n), level, key(n, kind), fields, msg);
      else this.#peer(n)[level](fields, msg);
    };
    return {
      sessionState: (n, from, to) => {
        // One line per transition that matters (Established; going down is sessionDown's line).
        if (to === 'Established') session(n, 'info', 'up', { from, to }, 'session Established');
        else this.#peer(n).debug({ from, to }, `state ${from} -> ${to}`);
        fan('sessionState')(n, from, to);
      },
      sessionDown: (n, reason, detail) => {
        const fields = {
          reason, uptimeMs: detail.uptimeMs,
          ...(detail.notification ? { notification: { direction: detail.notification.direction, name: notificationName(detail.notification.message.code, detail.notification.message.subcode), communication: shutdownCommunication(detail.notification.message) } } : {}),
        };
        const why = detail.notification ? `; NOTIFICATION ${detail.notification.direction}: ${notificationText(detail.notification.message)}` : '';
        if (detail.wasEstablished) session(n, 'warn', 'down', fields, `session down: ${reason}, was up ${duration(detail.uptimeMs)}${why}`);
        else this.#peer(n).debug(fields, `session attempt ended: ${reason}${why}`);
        fan('sessionDown')(n, reason, detail);
      },
      maxPrefix: (n, afi, count, limit, action) => {
        this.#peer(n).warn({ afi, count, limit, action }, `max-prefix ${action}: ${count} prefixes of ${limit} allowed (${afi})`);
        fan('maxPrefix')(n, afi, count, limit, action);
      },
      notification: (n, direction, m) => {
        // RFC 9003: the shutdown communication as text, the raw data only when there is none.
        const communication = shutdownCommunication(m);
        const fields = { direction, code: m.code, subcode: m.subcode, name: notificationName(m.code, m.subcode), ...(communication !== undefined ? { communication } : { data: m.data.toString('hex') }) };
        session(n, direction === 'received' ? 'warn' : 'info', `notification-${direction}`, fields, `NOTIFICATION ${direction}: ${notificationText(m)}`);
        fan('notification')(n, direction, m);
      },
      wireError: (n, err, frame) => {
        this.#limited(this.#peer(n), 'warn', key(n, 'malformed'), { code: err.code, subcode: err.subcode, bytes: frame?.subarray(0, 4096).toString('hex') ?? null }, `malformed message: ${err.message}`);
        fan('wireError')(n, err, frame);
      },
      connectFailed: (n, reason, dynamic) => {
        this.#limited(this.#peer(n), 'warn', key(n, 'connect'), { reason }, reason === 'timeout'
          ? 'TCP connection not established within the connect-retry time (no SYN-ACK came back; with ttlSecurityHops, does the peer send TTL 255?)'
          : `TCP connection failed: ${reason}`);
        fan('connectFailed')(n, reason, dynamic);
      },
      updateErrors: (n, action, errors, dynamic) => {
        const first = errors[0];
        this.#limited(this.#peer(n), 'warn', key(n, action), { action, errors: errors.map((e) => ({ attrType: e.attrType, code: e.code, subcode: e.subcode, action: e.action, reason: e.reason })) },
          `UPDATE with malformed attributes: ${action === 'treat-as-withdraw' ? 'its routes are withdrawn' : 'the attributes are discarded'} (RFC 7606): ${first?.reason ?? ''}`);
        fan('updateErrors')(n, action, errors, dynamic);
      },
      connectionRefused: (source, reason) => {
        this.#limited(this.logger, 'warn', `refused|${reason}`, { source, reason }, reason === 'unknown-source'
          ? `connection from ${source} refused: not a neighbor and in no dynamic-neighbor range`
          : `connection from ${source} refused: its dynamic-neighbor range is at its limit`);
        fan('connectionRefused')(source, reason);
      },
      updateApplied: fan('updateApplied'),
      routeUnsendable: (n, prefix, octets, max) => {
        if (!this.#unsendableLogged.has(prefix)) {
          if (this.#unsendableLogged.size >= 10000) this.#unsendableLogged.delete(this.#unsendableLogged.values().next().value!);
          this.#unsendableLogged.add(prefix);
          this.#peer(n).warn({ prefix, octets, max }, `route ${prefix} not sent: its UPDATE would be ${octets} octets, the neighbor takes ${max} (RFC 8654 4)`);
        }
        fan('routeUnsendable')(n, prefix, octets, max);
      },
      ribFull: (n, afi, count, message) => {
        this.#peer(n).error({ afi, count, error: message }, `the RIB could not grow to hold this neighbor's routes (${message}); its session ends with Cease 6/1 as max-prefix would, holding ${count} prefixes (${afi}); \`nodebgp neighbor ${n} reset\` or maxPrefix.restartAfter brings it back`);
        fan('ribFull')(n, afi, count, message);
      },
      outputFailed: (n, message) => {
        this.#peer(n).error({ error: message }, `generating UPDATEs for this neighbor failed; its session is reset: ${message}`);
        fan('outputFailed')(n, message);
      },
      neighborAdded: (n, dynamic) => {
        if (dynamic) this.#dynamic.add(n);
        session(n, 'info', 'added', { dynamic }, dynamic ? 'dynamic neighbor accepted' : 'neighbor added');
        fan('neighborAdded')(n, dynamic);
      },
      neighborRemoved: (n) => {
        session(n, 'info', 'removed', {}, 'neighbor removed');
        this.#peerLogs.delete(n);
        this.#dynamic.delete(n);
        fan('neighborRemoved')(n);
      },
      notice: (n, message) => {
        this.#limited(n ? this.#peer(n) : this.logger, 'warn', n ? key(n, `notice|${message.slice(0, 40)}`) : `notice|${message.slice(0, 40)}`, {}, message);
        fan('notice')(n, message);
      },
      bfdState: (n, c) => {
        const fields = { bfd: { from: c.from, to: c.to, diag: c.diag, remoteDiag: c.remoteDiag, remoteState: c.remoteState, detectionTimeMs: c.detectionTimeMs, at: new Date(c.at).toISOString() } };
        const log = this.#peer(n);
        if (c.from === 'Up') log.warn(fields, `BFD ${c.from} -> ${c.to}: ${c.diag}`);
        else log.info(fields, `BFD ${c.from} -> ${c.to}`);
        fan('bfdState')(n, c);
      },
      fibError: (prefix, errno, message) => {
        // A table the kernel refuses (no route to the next hop, ...) could flood the log: the first
        // 20 refusals are logged, then one line per 1000; all are counted in metrics.
        this.#fibErrors++;
        if (this.#fibErrors <= 20 || this.#fibErrors % 1000 === 0) this.logger.warn({ prefix, errno, refusals: this.#fibErrors }, `kernel route: ${message}`);
        fan('fibError')(prefix, errno, message);
      },
      fibRestored: (prefix) => {
        this.#limited(this.logger, 'warn', 'fib-restored', { prefix }, `kernel route ${prefix} of ours was removed by someone else; installed again`);
        fan('fibRestored')(prefix);
      },
      fibStarted: (kept, restarting) => {
        this.logger.info({ kept, restarting }, restarting ? `graceful restart: ${kept} kernel routes kept from the last run until End-of-RIB` : `kernel routes of an earlier run: ${kept}`);
        fan('fibStarted')(kept, restarting);
      },
      fibReconciled: (removed, reason) => {
        this.logger.info({ removed, reason }, `kernel routes reconciled: ${removed} stale routes removed`);
        fan('fibReconciled')(removed, reason);
      },
      nexthopChanged: (nexthop, reachable, via, metric, routes) => {
        const fields = { nexthop, reachable, via, ...(reachable ? { metric } : {}), routes };
        if (reachable) this.#limited(this.logger, 'info', `nexthop-${nexthop}`, fields, `next hop ${nexthop} resolves through ${via}, metric ${metric} (${routes} prefixes selected again)`);
        else this.#limited(this.logger, 'warn', `nexthop-${nexthop}`, fields, `next hop ${nexthop} does not resolve: ${via} (${routes} prefixes selected again)`);
        fan('nexthopChanged')(nexthop, reachable, via, metric, routes);
      },
      linkNeighbor: (n, level, kind, message) => {
        this.#limited(this.#peer(n), level, key(n, `link|${kind}`), { interface: n, kind }, message);
        fan('linkNeighbor')(n, level, kind, message);
      },
      ribDumped: (d) => {
        this.logger.info(d, 'RIB dumped (mrt.ribInterval)');
        fan('ribDumped')(d);
      },
      ribDumpFailed: (message) => {
        this.logger.warn({ error: message }, `timed RIB dump failed: ${message}`);
        fan('ribDumpFailed')(message);
      },
      bfdError: (n, message) => {
        (n ? this.#peer(n) : this.logger).warn(message);
        fan('bfdError')(n, message);
      },
      rpkiConnection: (cache, up, reason) => {
        if (up) this.logger.info({ rpkiCache: cache }, `RPKI cache ${cache} connected`);
        else this.#limited(this.logger, 'warn', `rpki-down-${cache}`, { rpkiCache: cache, reason }, `RPKI cache ${cache} connection down: ${reason}`);
        fan('rpkiConnection')(cache, up, reason);
      },
      mrtUpdates: (level, message) => {
        if (level === 'info') this.logger.info(message);
        else this.#limited(this.logger, 'warn', 'mrt-updates', {}, message);
        fan('mrtUpdates')(level, message);
      },
      bmp: (collector, level, message) => {
        if (level === 'info') this.logger.info({ bmpCollector: collector }, `${message}: ${collector}`);
        else this.#limited(this.logger, 'warn', `bmp-${collector}`, { bmpCollector: collector }, `${message}: ${collector}`);
        fan('bmp')(collector, level, message);
      },
      rpkiRevalidated: (changed, routeRefreshes) => {
        this.logger.info({ changed, routeRefreshes }, `RPKI data changed (${changed === 'all' ? 'every route' : `${changed} ROA prefixes`}): routes judged again${routeRefreshes > 0 ? `, ${routeRefreshes} neighbors asked to resend (ROUTE-REFRESH)` : ''}`);
        fan('rpkiRevalidated')(changed, routeRefreshes);
      },
    };
  }

  async start(): Promise<void> {
    await this.daemon.start();
    const report = () => {
      this.#reportSuppressed();
      this.#reportTimer = this.#clock.setTimeout(report, 10_000);
    };
    this.#reportTimer = this.#clock.setTimeout(report, 10_000);
    const d = this.loaded.daemon;
    this.logger.info({ asn: d.asn, routerId: d.routerId, listen: this.daemon.listener.ports, config: this.loaded.source, neighbors: d.neighbors.length }, 'nodebgpd started');
  }

  async stop(): Promise<void> {
    this.logger.info('stopping: Cease / Administrative Shutdown to every peer');
    if (this.#reportTimer) this.#clock.clearTimeout(this.#reportTimer);
    this.#reportSuppressed();
    await this.daemon.stop();
  }

  /**
   * Reads the file again (in a worker thread) and applies the difference (large ones in slices).
   * A file with errors (or a change needing a restart) changes nothing; the error says why.
   * Rejects with ConfigError or CommandError. Reloads run one after the other.
   */
  reload(): Promise<ReloadResult> {
    const run = this.#reloads.then(() => this.#reload());
    this.#reloads = run.catch(() => undefined);
    return run;
  }

  #reloads: Promise<unknown> = Promise.resolve();

  async #reload(): Promise<ReloadResult> {
    const at = new Date().toISOString();
    try {
      const next = this.configPath ? await loadConfigFileAsync(this.configPath) : this.loaded;
      this.#checkApiChange(next);
      const result = await this.daemon.reload(next.daemon);
      this.loaded = next;
      if (next.logLevel !== this.logger.level) this.setLogLevel(next.logLevel as LogLevel);
      this.lastReload = { at, ok: true, result };
      this.onReload?.(true);
      this.logger.info({ result }, result.changed ? 'configuration reloaded' : 'configuration reloaded: no change');
      return result;
    } catch (e) {
      const error = (e as Error).message;
      this.lastReload = { at, ok: false, error };
      this.onReload?.(false);
      this.logger.error({ errors: e instanceof ConfigError ? e.problems : undefined }, `reload refused, running configuration kept: ${error}`);
      throw e;
    }
  }

  /**
   * The API's address and port are bound at start: a change needs a restart (refused, nothing
   * applied). Its token may change (the new one is in force at once), but not go away while the
   * API is reachable from other hosts.
   */
  #checkApiChange(next: LoadedConfig): void {
    const a = this.loaded.api;
    const b = next.api;
    const changed = [a.address !== b.address ? 'api.address' : '', a.port !== b.port ? 'api.port' : ''].filter(Boolean);
    if (changed.length > 0) throw new CommandError('restart-needed', `changing ${changed.join(', ')} needs a restart of nodebgpd; nothing was changed`);
    if (this.#options.apiLoopback === false && !b.token && !this.#options.envToken) throw new CommandError('conflict', 'the API is served off loopback and the new configuration has no api.token (nor is NODEBGP_API_TOKEN set); nothing was changed');
  }

  /**
   * A full garbage collection now (the API's POST /v1/memory/compact): the heap in use before and
   * after, in bytes. Unavailable (null) when the process was not started by nodebgpd.
   */
  compactMemory(): { heapBefore: number; heapAfter: number; rssAfter: number } | null {
    const gc = this.#options.collectGarbage;
    if (!gc) return null;
    const heapBefore = process.memoryUsage().heapUsed;
    gc();
    const m = process.memoryUsage();
    this.logger.info({ heapBefore, heapAfter: m.heapUsed }, 'memory compacted');
    return { heapBefore, heapAfter: m.heapUsed, rssAfter: m.rss };
  }

  setLogLevel(level: LogLevel): void {
    this.logger.level = level;
    for (const l of this.#peerLogs.values()) l.level = level;
    // Not `level`: pino's own key for a line's level.
    this.logger.info({ newLevel: level }, `log level changed to ${level}`);
  }

  /** The read port of the edge (API, event stream, metrics). */
  readonly queries: DaemonQueries = {
    ready: () => ({ ok: this.daemon.started, listening: this.daemon.listener.ports }),
    summary: () => summary(this.daemon),
    neighbors: () => ({ neighbors: [...this.daemon.neighbors.values()].map((n) => neighborDetail(this.daemon, n)) }),
    neighbor: (address) => neighborDetail(this.daemon, this.daemon.neighbor(address)),
    neighborRoutes: (address, which, family, limit, after) => neighborRoutes(this.daemon, this.daemon.neighbor(address), which, family, limit, after),
    bfd: () => bfdSessions(this.daemon),
    rpki: () => rpkiStatus(this.daemon),
    nexthops: () => trackedNexthops(this.daemon),
    bmp: () => ({ collectors: this.daemon.bmp.monitor.status() }),
    rpkiValidate: (prefix, asn) => rpkiValidate(this.daemon, prefix, asn),
    routes: (q) => routes(this.daemon, q),
    lastReload: () => this.lastReload,
    logLevel: () => this.logger.level as CurrentLogLevel,
    stats: () => daemonStats(this.daemon),
    subscribe: (events) => this.subscribe(events),
    watchBest: (fn) => this.daemon.query.watchBest((afi, prefix, best) => fn(afi === 1 ? 'ipv4-unicast' : 'ipv6-unicast', prefix, best ? pathJson(best, (ms) => this.daemon.wallTime(ms)) : null)),
  };

  /** The write port of the edge. */
  readonly commands: DaemonCommands = {
    announce: (r) => this.daemon.announce(r),
    withdraw: (prefix) => this.daemon.withdraw(prefix),
    shutdownNeighbor: (address, message) => this.daemon.shutdownNeighbor(address, message),
    enableNeighbor: (address) => this.daemon.enableNeighbor(address),
    resetNeighbor: (address, message) => this.daemon.resetNeighbor(address, message),
    softReset: (address, direction) => this.daemon.softReset(address, direction),
    reload: () => this.reload(),
    setLogLevel: (level) => this.setLogLevel(level),
    compactMemory: () => this.compactMemory(),
    dumpRib: async (name) => {
      const d = await this.daemon.dumpRib(name);
      this.logger.info(d, 'RIB dumped');
      return { ok: true, ...d };
    },
  };
}

/** "2d3h", "1h2m", "4m5s", "12s": how long a session was up. */
export function duration(ms: number): string {
  const s = Math.floor(ms / 1000);
  const [d, h, m] = [Math.floor(s / 86400), Math.floor((s % 86400) / 3600), Math.floor((s % 3600) / 60)];
  if (d > 0) return `${d}d${h}h`;
  if (h > 0) return `${h}h${m}m`;
  if (m > 0) return `${m}m${s % 60}s`;
  return `${s}s`;
}

