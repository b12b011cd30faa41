// Loads the configuration file (YAML, or JSON which is YAML too): parse, validate against the
// schema, resolve peer groups and defaults, build the policy set. Every problem is reported with
// its key path and line; nothing is applied from a file with any problem.

import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { networkInterfaces } from 'node:os';
import { LineCounter, isMap, isSeq, parseDocument, type Document } from 'yaml';
import { canonicalAddress } from '../wire/index.js';
import type { PolicySet } from '../rib/policy/types.js';
import { buildPolicySet } from './policy.js';
import { policyProblems } from './policy-checks.js';
import { ParseError } from './prefix.js';
import { type KeyPath, validate } from './schema.js';
import { CONFIG_SPEC } from './spec.js';
import type { DaemonConfig, DynamicNeighborsConfig, NeighborConfig, NeighborTemplate, OriginateConfig } from './types.js';

export interface ApiConfig {
  readonly address: string;
  readonly port: number;
  readonly token?: string;
}

/** The read-only metrics listener (Prometheus). */
export interface MetricsConfig {
  readonly enabled: boolean;
  /** Default: the router ID when it is an address of this host (the node IP), else every address. */
  readonly address: string;
  readonly port: number;
}

export interface LoadedConfig {
  readonly daemon: DaemonConfig;
  readonly api: ApiConfig;
  readonly metrics: MetricsConfig;
  readonly logLevel: string;
  /** log.format; undefined: pretty on a terminal, JSON otherwise. */
  readonly logFormat?: 'json' | 'pretty';
  /** Where it came from (a file path, or "embedded default"). */
  readonly source: string;
  /** What is legal but likely not meant (nodebgpd --check prints these). */
  readonly warnings: readonly string[];
}

export interface ConfigProblem {
  /** Key path as text: neighbors[0].remoteAs */
  readonly key: string;
  readonly line?: number;
  readonly column?: number;
  readonly message: string;
}

export class ConfigError extends Error {
  constructor(readonly source: string, readonly problems: readonly ConfigProblem[]) {
    super(problems.map((p) => `${source}${p.line ? `:${p.line}:${p.column}` : ''}: ${p.key ? `${p.key}: ` : ''}${p.message}`).join('\n'));
  }
}

export const DEFAULT_API: ApiConfig = { address: '127.0.0.1', port: 8179 };
/** Next to the API's 8179 (the Prometheus exporter range is fully allocated; change it with metrics.port). */
export const DEFAULT_METRICS_PORT = 9179;

export function keyText(path: KeyPath): string {
  return path.map((k, i) => (typeof k === 'number' ? `[${k}]` : i === 0 ? k : `.${k}`)).join('');
}

export function loadConfigFile(path: string): LoadedConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new ConfigError(path, [{ key: '', message: err.code === 'ENOENT' ? 'no such file' : err.code === 'EACCES' ? 'permission denied (the daemon cannot read it)' : err.message }]);
  }
  return parseConfig(text, path);
}

/** The worker script beside this module: compiled JavaScript, or the TypeScript source under a loader. */
function loadWorkerUrl(): URL {
  const js = new URL('./load-worker.js', import.meta.url);
  return existsSync(fileURLToPath(js)) ? js : new URL('./load-worker.ts', import.meta.url);
}

/** Originations per worker message: each slice is deserialized in its own turn of the event loop. */
export const ORIGINATE_SLICE = 10_000;

/** What the loader worker posts: a slice of the originations per 'next' asked, then the rest; or the problems. */
export type WorkerReply =
  | { kind: 'originate'; slice: OriginateConfig[] }
  | { kind: 'loaded'; loaded: LoadedConfig; hadOriginate: boolean }
  | { kind: 'failed'; source: string; problems: readonly ConfigProblem[] };

/** loadConfigFile in a worker thread (the event loop keeps running); rejects with ConfigError. */
export function loadConfigFileAsync(path: string): Promise<LoadedConfig> {
  return new Promise((resolve, reject) => {
    const w = new Worker(loadWorkerUrl(), { workerData: path, name: 'nodebgp-config' });
    const originate: OriginateConfig[] = [];
    w.on('message', (m: WorkerReply) => {
      if (m.kind === 'originate') {
        for (const o of m.slice) originate.push(o);
        setImmediate(() => w.postMessage('next'));
        return;
      }
      if (m.kind === 'loaded') resolve(m.hadOriginate ? { ...m.loaded, daemon: { ...m.loaded.daemon, originate } } : m.loaded);
      else reject(new ConfigError(m.source, m.problems));
      void w.terminate();
    });
    w.once('error', (e) => reject(new ConfigError(path, [{ key: '', message: e.message }])));
  });
}

/** Parses and validates configuration text; throws ConfigError listing every problem. */
export function parseConfig(text: string, source = 'config'): LoadedConfig {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false });
  if (doc.errors.length > 0) {
    throw new ConfigError(source, doc.errors.map((e) => {
      const at = lines.linePos(e.pos[0]);
      return { key: '', line: at.line, column: at.col, message: `not valid YAML: ${e.message.split('\n')[0]}` };
    }));
  }
  const raw = doc.toJS() ?? {};
  const locate = (path: KeyPath, atKey = false): Pick<ConfigProblem, 'line' | 'column'> => {
    const offset = offsetOf(doc, path, atKey);
    if (offset === undefined) return {};
    const p = lines.linePos(offset);
    return { line: p.line, column: p.col };
  };
  const problems = validate(CONFIG_SPEC, raw);
  if (problems.length > 0) throw new ConfigError(source, problems.map((p) => ({ key: keyText(p.path), ...locate(p.path, p.atKey), message: p.message })));
  return resolve(raw as RawConfig, source, locate);
}

type RawNeighbor = NeighborTemplate & { address?: string; interface?: string; peerGroup?: string };
interface RawConfig extends Omit<DaemonConfig, 'neighbors' | 'routerId' | 'dynamicNeighbors'> {
  readonly routerId?: string;
  readonly peerGroups?: Record<string, NeighborTemplate>;
  readonly neighbors?: RawNeighbor[];
  readonly dynamicNeighbors?: { range: string; peerGroup: string; limit?: number; maxPending?: number }[];
  readonly api?: Partial<ApiConfig>;
  readonly metrics?: Partial<MetricsConfig>;
  readonly log?: { level?: string; format?: 'json' | 'pretty' };
}

/**
 * Everything a schema cannot check: duplicate neighbors, references to peer groups, route-maps and
 * lists, what FRR refuses in policy, a router ID. Every problem is reported at once.
 */
function resolve(raw: RawConfig, source: string, locate: (path: KeyPath) => Pick<ConfigProblem, 'line' | 'column'>): LoadedConfig {
  const problems: ConfigProblem[] = [];
  const report = (path: KeyPath, message: string): void => {
    problems.push({ key: keyText(path), ...locate(path), message });
  };
  const groups = raw.peerGroups ?? {};
  const groupNames = () => Object.keys(groups).join(', ') || 'none defined';
  const seen = new Map<string, number>();
  const neighbors: NeighborConfig[] = (raw.neighbors ?? []).map((n, i) => {
    // One text per address (RFC 5952): an IPv6 neighbor written FD00:88:0:0::2 still matches
    // the connections it makes, which the kernel reports as fd00:88::2.
    // An unnumbered neighbor is named by its interface (the schema lets through one of the two).
    const address = n.interface ?? canonicalAddress(n.address!);
    if (seen.has(address)) report(['neighbors', i, n.interface ? 'interface' : 'address'], `${address} is already neighbors[${seen.get(address)}]`);
    seen.set(address, i);
    if (n.interface !== undefined) for (const k of ['password', 'localAddress'] as const) if (n[k] !== undefined) report(['neighbors', i, k], `${k} is not supported on an interface neighbor (its address is learned from the link)`);
    if (n.peerGroup !== undefined && !groups[n.peerGroup]) report(['neighbors', i, 'peerGroup'], `peer group "${n.peerGroup}" is not defined (defined: ${groupNames()})`);
    const merged = { ...(n.peerGroup ? groups[n.peerGroup] : {}), ...n, address, ...(n.localAddress ? { localAddress: canonicalAddress(n.localAddress) } : {}) } as NeighborConfig;
    if (merged.remoteAs === undefined && (n.peerGroup === undefined || groups[n.peerGroup])) report(['neighbors', i], 'remoteAs is required (a number, "internal" or "external"), here or in its peer group');
    return merged;
  });
  const dynamicNeighbors: DynamicNeighborsConfig[] = (raw.dynamicNeighbors ?? []).flatMap((d, i) => {
    const template = groups[d.peerGroup];
    if (!template) {
      report(['dynamicNeighbors', i, 'peerGroup'], `peer group "${d.peerGroup}" is not defined (defined: ${groupNames()})`);
      return [];
    }
    if (template.remoteAs === undefined) report(['peerGroups', d.peerGroup], 'a peer group used for dynamic neighbors needs remoteAs');
    return [{ range: d.range, peerGroup: d.peerGroup, template: { ...template, peerGroup: d.peerGroup }, ...(d.limit ? { limit: d.limit } : {}), ...(d.maxPending ? { maxPending: d.maxPending } : {}) }];
  });
  for (const p of policyProblems(raw.policy)) report(p.path, p.message);
  let policies: PolicySet | undefined;
  if (problems.length === 0 || !problems.some((p) => p.key.startsWith('policy'))) {
    try {
      policies = buildPolicySet(raw.policy);
    } catch (e) {
      if (!(e instanceof ParseError)) throw e;
      const m = /^([\w.[\]-]+): (.*)$/s.exec(e.message);
      report(m ? parseKeyText(m[1]) : ['policy'], m ? m[2] : e.message);
    }
  }
  const defined = (names: Iterable<string>) => [...names].join(', ') || 'none';
  const checkMap = (path: KeyPath, name: string | undefined) => {
    if (name !== undefined && policies && !policies.routeMaps.has(name)) report(path, `route-map "${name}" is not defined (defined: ${defined(policies.routeMaps.keys())})`);
  };
  const checkList = (path: KeyPath, name: string | undefined) => {
    if (name !== undefined && policies && !policies.prefixLists.has(name)) report(path, `prefix-list "${name}" is not defined (defined: ${defined(policies.prefixLists.keys())})`);
  };
  const templates: [KeyPath, NeighborTemplate][] = [
    ...(raw.neighbors ?? []).map((n, i): [KeyPath, NeighborTemplate] => [['neighbors', i], n]),
    ...Object.entries(groups).map(([g, t]): [KeyPath, NeighborTemplate] => [['peerGroups', g], t]),
  ];
  for (const [path, t] of templates) {
    checkMap([...path, 'importPolicy'], t.importPolicy);
    checkMap([...path, 'exportPolicy'], t.exportPolicy);
    checkList([...path, 'exclusivePrefixes'], t.exclusivePrefixes);
  }
  checkMap(['fib', 'filter'], raw.fib?.filter);
  rpkiProblems(raw.rpki, report);
  if (raw.mrt?.updatesInterval !== undefined && raw.mrt.directory === undefined) report(['mrt', 'updatesInterval'], 'an update log needs mrt.directory, where its files go');
  const collectors = new Map<string, number>();
  (raw.bmp?.collectors ?? []).forEach((c, i) => {
    const key = `${canonicalAddress(c.address)} port ${c.port ?? 1790}`;
    if (collectors.has(key)) report(['bmp', 'collectors', i], `${key} is already bmp.collectors[${collectors.get(key)}]`);
    collectors.set(key, i);
  });
  const routerId = raw.routerId ?? interfaceRouterId();
  if (routerId === undefined) report(['routerId'], 'no routerId given and no IPv4 address on any interface to derive one from; set routerId');
  if (problems.length > 0) throw new ConfigError(source, problems);
  const { peerGroups: _g, api, log, metrics, ...rest } = raw;
  const apiCfg = { ...DEFAULT_API, ...api };
  const metricsCfg: MetricsConfig = { enabled: metrics?.enabled ?? true, address: metrics?.address ?? (isLocalAddress(routerId!) ? routerId! : '0.0.0.0'), port: metrics?.port ?? DEFAULT_METRICS_PORT };
  const daemon = { ...rest, routerId: routerId!, neighbors, dynamicNeighbors };
  return { daemon, api: apiCfg, metrics: metricsCfg, logLevel: log?.level ?? 'info', ...(log?.format ? { logFormat: log.format } : {}), source, warnings: [...rfc8212Warnings(daemon), ...rpkiWarnings(daemon)] };
}

/** RPKI caches: one entry per cache; RFC 8210 6: the expire interval outlasts refresh and retry. */
function rpkiProblems(r: RawConfig['rpki'], report: (path: KeyPath, message: string) => void): void {
  if (!r) return;
  const seen = new Map<string, number>();
  (r.caches ?? []).forEach((c, i) => {
    const key = `${canonicalAddress(c.address)} port ${c.port ?? 323}`;
    if (seen.has(key)) report(['rpki', 'caches', i], `${key} is already rpki.caches[${seen.get(key)}]`);
    seen.set(key, i);
  });
  const expire = r.expireInterval ?? 7200;
  for (const k of ['refreshInterval', 'retryInterval'] as const) {
    const v = r[k] ?? (k === 'refreshInterval' ? 3600 : 600);
    if (v >= expire) report(['rpki', k], `${v} s is not below expireInterval (${expire} s): data would expire before it is refreshed (RFC 8210 6)`);
  }
}

/** `match rpki` without a cache judges every route notfound: legal (caches may come by reload), rarely meant. */
function rpkiWarnings(d: DaemonConfig): string[] {
  if ((d.rpki?.caches ?? []).length > 0) return [];
  const maps = Object.entries(d.policy?.routeMaps ?? {}).filter(([, es]) => es.some((e) => e.match?.rpki !== undefined)).map(([n]) => n);
  return maps.length === 0 ? [] : [`route-map ${maps.join(', ')} matches on rpki, but no rpki.caches are configured: every route is notfound`];
}

/**
 * RFC 8212: an eBGP neighbor without import (export) policy accepts (sends) nothing unless
 * ebgpRequiresPolicy is false. Legal, and what a safe default should do, but rarely what the
 * author of a file meant: --check says so.
 */
function rfc8212Warnings(d: DaemonConfig): string[] {
  if (d.ebgpRequiresPolicy === false) return [];
  const ebgp = (t: NeighborTemplate) => t.remoteAs === 'external' || (typeof t.remoteAs === 'number' && t.remoteAs !== (t.localAs ?? d.asn));
  const blocked = (t: NeighborTemplate) => [t.importPolicy === undefined ? 'receives' : '', t.exportPolicy === undefined ? 'sends' : ''].filter(Boolean);
  const out: string[] = [];
  const say = (what: string, t: NeighborTemplate) => {
    const b = blocked(t);
    if (ebgp(t) && b.length > 0) out.push(`${what}: eBGP without ${t.importPolicy === undefined ? 'importPolicy' : ''}${b.length === 2 ? ' or ' : ''}${t.exportPolicy === undefined ? 'exportPolicy' : ''}: RFC 8212 blocks every route it ${b.join(' and ')} (set the policy, or ebgpRequiresPolicy: false)`);
  };
  d.neighbors.forEach((n, i) => say(`neighbors[${i}] (${n.address})`, n));
  for (const dn of d.dynamicNeighbors ?? []) say(`peer group ${dn.peerGroup} (dynamic neighbors in ${dn.range})`, dn.template);
  return out;
}

function isLocalAddress(address: string): boolean {
  return Object.values(networkInterfaces()).flat().some((a) => a?.address === address);
}

/** As FRR without a loopback address: the highest IPv4 address on a non-loopback interface. */
export function interfaceRouterId(): string | undefined {
  const all = Object.values(networkInterfaces()).flat().filter((a) => a && a.family === 'IPv4' && !a.internal).map((a) => a!.address);
  const num = (a: string) => a.split('.').reduce((n, o) => n * 256 + Number(o), 0);
  all.sort((a, b) => num(b) - num(a));
  return all[0] ?? (Object.values(networkInterfaces()).flat().some((a) => a?.address === '127.0.0.1') ? '127.0.0.1' : undefined);
}

function parseKeyText(text: string): KeyPath {
  const out: (string | number)[] = [];
  for (const m of text.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) out.push(m[2] !== undefined ? Number(m[2]) : m[1]);
  return out;
}

/** Source offset of the value (or key) at `path`, or of the nearest ancestor that exists. */
function offsetOf(doc: Document, path: KeyPath, atKey: boolean): number | undefined {
  let node: unknown = doc.contents;
  let offset = (node as { range?: [number] } | null)?.range?.[0];
  for (const [i, k] of path.entries()) {
    if (isMap(node)) {
      const pair = node.items.find((p) => (p.key as { value?: unknown } | null)?.value === k);
      if (!pair) break;
      const keyNode = pair.key as { range?: [number] };
      const last = i === path.length - 1;
      node = pair.value;
      offset = (last && atKey) || !(node as { range?: [number] } | null)?.range ? keyNode.range?.[0] : (node as { range: [number] }).range[0];
    } else if (isSeq(node) && typeof k === 'number' && node.items[k]) {
      node = node.items[k];
      offset = (node as { range?: [number] }).range?.[0] ?? offset;
    } else break;
  }
  return offset;
}
