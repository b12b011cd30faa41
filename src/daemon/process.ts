// The running daemon as an operator sees it: the loaded configuration, the Daemon, the logger, and
// the operations the API, signals and the CLI trigger (reload from the file, log level). State
// changes are logged at info, wire errors at warn with the offending octets in hex.

import { pino, type Logger } from 'pino';
import { ConfigError, type LoadedConfig, loadConfigFile } from '../config/load.js';
import { notificationName, notificationText, shutdownCommunication } from '../wire/index.js';
import { Daemon, type DaemonEvents, type ReloadResult } from './daemon.js';

export { ListenError } from '../fsm/index.js';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface ProcessOptions {
  /** The file reloads read; undefined when running the embedded default (reload then re-applies it). */
  readonly configPath?: string;
  readonly logger?: Logger;
}

export class DaemonProcess {
  loaded: LoadedConfig;
  readonly daemon: Daemon;
  readonly logger: Logger;
  readonly configPath: string | undefined;
  readonly #listeners: DaemonEvents[] = [];
  readonly #peerLogs = new Map<string, Logger>();
  #fibErrors = 0;
  /** Prefixes already logged as unsendable (one warning per prefix; bounded, oldest forgotten). */
  readonly #unsendableLogged = new Set<string>();
  lastReload: { at: string; ok: boolean; result?: ReloadResult; error?: string } | null = null;
  /** Called after each reload attempt (metrics). */
  onReload?: (ok: boolean) => void;

  constructor(loaded: LoadedConfig, options: ProcessOptions = {}) {
    this.loaded = loaded;
    this.configPath = options.configPath;
    this.logger = options.logger ?? pino({ level: loaded.logLevel, base: { service: 'nodebgpd' } });
    this.daemon = new Daemon(loaded.daemon, { events: this.#events() });
  }

  /** Adds a subscriber to the daemon's events (metrics, tests). */
  subscribe(l: DaemonEvents): void {
    this.#listeners.push(l);
  }

  #peer(address: string): Logger {
    let l = this.#peerLogs.get(address);
    if (!l) this.#peerLogs.set(address, (l = this.logger.child({ neighbor: address })));
    return l;
  }

  #events(): DaemonEvents {
    const fan = <K extends keyof DaemonEvents>(k: K) => (...args: Parameters<NonNullable<DaemonEvents[K]>>) => {
      for (const l of this.#listeners) (l[k] as ((...a: unknown[]) => void) | undefined)?.(...args);
    };
    return {
      sessionState: (n, from, to) => {
        this.#peer(n).info({ from, to }, `state ${from} -> ${to}`);
        fan('sessionState')(n, from, to);
      },
      sessionDown: (n, reason) => {
        this.#peer(n).info({ reason }, `session down: ${reason}`);
        fan('sessionDown')(n, reason);
      },
      maxPrefix: (n, afi, count, limit, action) => {
        this.#peer(n).warn({ afi, count, limit, action }, `max-prefix ${action}: ${count} prefixes of ${limit} allowed (${afi})`);
        fan('maxPrefix')(n, afi, count, limit, action);
      },
      notification: (n, direction, m) => {
        const log = this.#peer(n);
        // RFC 9003: the shutdown communication as text, the raw data only when there is none.
        const communication = shutdownCommunication(m);
        const fields = { direction, code: m.code, subcode: m.subcode, name: notificationName(m.code, m.subcode), ...(communication !== undefined ? { communication } : { data: m.data.toString('hex') }) };
        if (direction === 'received') log.warn(fields, `NOTIFICATION received: ${notificationText(m)}`);
        else log.info(fields, `NOTIFICATION sent: ${notificationText(m)}`);
        fan('notification')(n, direction, m);
      },
      wireError: (n, err, frame) => {
        this.#peer(n).warn({ code: err.code, subcode: err.subcode, bytes: frame?.toString('hex') ?? null }, `malformed message: ${err.message}`);
        fan('wireError')(n, err, frame);
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
      outputFailed: (n, message) => {
        this.#peer(n).error({ error: message }, `generating UPDATEs for this neighbor failed; its session is reset: ${message}`);
        fan('outputFailed')(n, message);
      },
      neighborAdded: (n, dynamic) => {
        this.#peer(n).info({ dynamic }, dynamic ? 'dynamic neighbor accepted' : 'neighbor added');
        fan('neighborAdded')(n, dynamic);
      },
      neighborRemoved: (n) => {
        this.#peer(n).info('neighbor removed');
        this.#peerLogs.delete(n);
        fan('neighborRemoved')(n);
      },
      notice: (n, message) => {
        (n ? this.#peer(n) : this.logger).warn(message);
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
      fibStarted: (kept, restarting) => {
        this.logger.info({ kept, restarting }, restarting ? `graceful restart: ${kept} kernel routes kept from the last run until End-of-RIB` : `kernel routes of an earlier run: ${kept}`);
        fan('fibStarted')(kept, restarting);
      },
      fibReconciled: (removed, reason) => {
        this.logger.info({ removed, reason }, `kernel routes reconciled: ${removed} stale routes removed`);
        fan('fibReconciled')(removed, reason);
      },
      bfdError: (n, message) => {
        (n ? this.#peer(n) : this.logger).warn(message);
        fan('bfdError')(n, message);
      },
    };
  }

  async start(): Promise<void> {
    await this.daemon.start();
    const d = this.loaded.daemon;
    this.logger.info({ asn: d.asn, routerId: d.routerId, listen: this.daemon.listener.ports, config: this.loaded.source, neighbors: d.neighbors.length }, 'nodebgpd started');
  }

  async stop(): Promise<void> {
    this.logger.info('stopping: Cease / Administrative Shutdown to every peer');
    await this.daemon.stop();
  }

  /**
   * Reads the file again and applies the difference. A file with errors (or a change needing a
   * restart) changes nothing; the error says why. Throws ConfigError or CommandError.
   */
  reload(): ReloadResult {
    const at = new Date().toISOString();
    try {
      const next = this.configPath ? loadConfigFile(this.configPath) : this.loaded;
      const result = this.daemon.reload(next.daemon);
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

  setLogLevel(level: LogLevel): void {
    this.logger.level = level;
    for (const l of this.#peerLogs.values()) l.level = level;
    this.logger.info({ level }, 'log level changed');
  }
}
