#!/usr/bin/env node
// `nodebgp`: the operator's command line. Subcommands talk to the daemon's API (--api, or
// NODEBGP_API; token from --token or NODEBGP_API_TOKEN), except `decode`, which runs the wire
// codec locally. --json prints the API's JSON unchanged.

import { Command, Option } from 'commander';
import type * as C from '../../daemon/contract/index.js';
import { CliError, call } from './client.js';
import { runDecode } from './decode.js';
import { VERSION } from '../version.js';
import { bfdText, bmpText, neighborText, nexthopsText, neighborsText, routeDetailText, routesText, rpkiText, rpkiValidationText, summaryText } from './format.js';

const program = new Command();
program.name('nodebgp').description('nodebgp command line').showHelpAfterError()
  .version(`nodebgp ${VERSION} (node ${process.version})`, '-V, --version')
  .option('--api <url>', 'the daemon\'s admin API', process.env.NODEBGP_API ?? 'http://127.0.0.1:8179')
  .option('--token <token>', 'bearer token for changes', process.env.NODEBGP_API_TOKEN)
  .option('--json', 'print JSON');

type Globals = { api: string; token?: string; json?: boolean };
const globals = (): Globals => program.opts<Globals>();

/** An answer and its human form. */
type Shown = { json: unknown; text?: () => string };
/** The answer `json` (a contract type), shown by `text` without --json. */
const shown = <T>(json: T, text?: (j: T) => string): Shown => ({ json, ...(text ? { text: () => text(json) } : {}) });

/** Runs an API call and prints its result (JSON, or the human form). */
function run<A extends unknown[]>(fn: (...args: A) => Promise<Shown>) {
  return async (...args: A) => {
    try {
      const { json, text } = await fn(...args);
      process.stdout.write(`${globals().json || !text ? JSON.stringify(json, null, 2) : text()}\n`);
    } catch (e) {
      process.stderr.write(`nodebgp: ${e instanceof CliError ? e.message : (e as Error).message}\n`);
      process.exitCode = 1;
    }
  };
}
const api = <T>(method: string, path: string, body?: unknown) => call<T>(globals(), method, path, body);
const family = (prefixOrAddress?: string, given?: string) => given ?? (prefixOrAddress?.includes(':') ? 'ipv6-unicast' : 'ipv4-unicast');

program.command('summary').description('neighbors, states and prefix counts (like show bgp summary)')
  .action(run(async () => shown(await api<C.Summary>('GET', '/v1/summary'), summaryText)));

program.command('neighbors').argument('[address]').description('neighbors in detail (like show bgp neighbors)')
  .option('--routes <which>', 'received (pre-policy) | accepted | advertised')
  .option('--family <afi-safi>', 'default: the neighbor address\'s family')
  .action(run(async (address: string | undefined, o: { routes?: string; family?: string }) => {
    if (o.routes) {
      if (!address) throw new CliError('--routes needs a neighbor address');
      return shown(await api<C.NeighborRoutePage>('GET', `/v1/neighbors/${encodeURIComponent(address)}/routes/${o.routes}?family=${family(address, o.family)}`), routesText);
    }
    if (address) return shown(await api<C.Neighbor>('GET', `/v1/neighbors/${encodeURIComponent(address)}`), neighborText);
    return shown(await api<C.Neighbors>('GET', '/v1/neighbors'), neighborsText);
  }));

program.command('bfd').description('BFD sessions (like show bfd peers brief)')
  .action(run(async () => shown(await api<C.BfdSessions>('GET', '/v1/bfd'), bfdText)));

program.command('bmp').description('BMP collectors and what was sent to them (like show bmp)')
  .action(run(async () => shown(await api<C.BmpStatus>('GET', '/v1/bmp'), bmpText)));

program.command('nexthops').description('tracked next hops and how each resolves (like show bgp nexthop)')
  .action(run(async () => shown(await api<C.TrackedNexthops>('GET', '/v1/nexthops'), nexthopsText)));

program.command('rpki').argument('[prefix]', 'judge this prefix (with --origin-as) instead of listing the caches')
  .description('RPKI caches and what they hold (like show rpki cache-connection), or one prefix judged (like show rpki prefix)')
  .option('--origin-as <asn>', 'the origin AS to judge PREFIX from')
  .action(run(async (prefix: string | undefined, o: { originAs?: string }) => {
    if (!prefix) return shown(await api<C.RpkiStatus>('GET', '/v1/rpki'), rpkiText);
    if (o.originAs === undefined) throw new CliError('rpki PREFIX needs --origin-as');
    const q = new URLSearchParams({ prefix, asn: o.originAs });
    return shown(await api<C.RpkiValidation>('GET', `/v1/rpki/validate?${q}`), rpkiValidationText);
  }));

program.command('routes').argument('[prefix]').description('the routing table, or one prefix with every path (like show bgp ipv4 unicast [PREFIX])')
  .option('--family <afi-safi>', 'ipv4-unicast | ipv6-unicast')
  .option('--longer', 'prefixes inside PREFIX')
  .option('--neighbor <address>', 'paths from this neighbor ("local": ours)')
  .option('--community <community>')
  .option('--rpki <state>', 'only paths in this RPKI state: valid | invalid | notfound')
  .option('--limit <n>', 'page size', '100')
  .option('--after <prefix>', 'continue after this prefix')
  .option('--all', 'every page, one after the other')
  .action(run(async (prefix: string | undefined, o: { family?: string; longer?: boolean; neighbor?: string; community?: string; rpki?: string; limit: string; after?: string; all?: boolean }) => {
    const q = new URLSearchParams({ limit: o.all ? '1000' : o.limit });
    if (prefix) q.set('prefix', prefix);
    if (o.longer) q.set('longer', 'true');
    if (o.neighbor) q.set('neighbor', o.neighbor);
    if (o.community) q.set('community', o.community);
    if (o.rpki) q.set('rpki', o.rpki);
    const f = family(prefix, o.family);
    if (prefix && !o.longer) return shown(await api<C.RoutePage>('GET', `/v1/routes/${f}?${q}`), (j) => routeDetailText(j, f));
    let after = o.after;
    const items: C.RouteDetail[] = [];
    for (;;) {
      if (after) q.set('after', after);
      const page = await api<C.RoutePage>('GET', `/v1/routes/${f}?${q}`);
      if (!o.all) return shown(page, routesText);
      items.push(...page.items);
      if (!page.next) return shown({ items, next: null }, routesText);
      after = page.next;
    }
  }));

program.command('lookup').argument('<address>').description('longest-prefix match for an address')
  .action(run(async (address: string) => shown(await api<C.RoutePage>('GET', `/v1/routes/${family(address)}?lookup=${encodeURIComponent(address)}`), routesText)));

program.command('announce').argument('<prefix>').description('originate a prefix')
  .option('--community <c...>', 'communities (64512:100, no-export, ...)')
  .option('--next-hop <address>')
  .option('--med <n>')
  .option('--local-pref <n>')
  .option('--link-bandwidth <mbps>', 'link bandwidth community: receivers weigh their ECMP next hops by it')
  .action(run(async (prefix: string, o: { community?: string[]; nextHop?: string; med?: string; localPref?: string; linkBandwidth?: string }) => ({
    json: await api('POST', '/v1/routes', {
      prefix,
      ...(o.community ? { communities: o.community } : {}),
      ...(o.nextHop ? { nextHop: o.nextHop } : {}),
      ...(o.med !== undefined ? { med: Number(o.med) } : {}),
      ...(o.localPref !== undefined ? { localPref: Number(o.localPref) } : {}),
      ...(o.linkBandwidth !== undefined ? { linkBandwidth: Number(o.linkBandwidth) } : {}),
    } satisfies C.Announce),
    text: () => `announced ${prefix}`,
  })));

program.command('withdraw').argument('<prefix>').description('withdraw an originated prefix')
  .action(run(async (prefix: string) => ({ json: await api('DELETE', `/v1/routes?prefix=${encodeURIComponent(prefix)}`), text: () => `withdrew ${prefix}` })));

program.command('neighbor').description('change a neighbor, or every neighbor with \'*\': shutdown | enable | reset | soft-reset')
  .addArgument(new Command().createArgument('<action>').choices(['shutdown', 'enable', 'reset', 'soft-reset']))
  .argument('<address>', 'a neighbor address (an unnumbered neighbor: its interface), or * for all')
  .option('--message <text>', 'shutdown/reset message sent to the peer (RFC 9003)')
  .option('--direction <dir>', 'soft-reset: in | out | both', 'both')
  .action(run(async (action: string, address: string, o: { message?: string; direction: string }) => {
    const body = action === 'soft-reset' ? { direction: o.direction } : action === 'enable' ? undefined : o.message ? { message: o.message } : {};
    const targets = address === '*' ? (await api<C.Neighbors>('GET', '/v1/neighbors')).neighbors.filter((n) => action !== 'soft-reset' || n.state === 'Established').map((n) => n.address) : [address];
    const results: { neighbor: string; ok: boolean; error?: string; response?: unknown }[] = [];
    for (const a of targets) {
      try {
        results.push({ neighbor: a, ok: true, response: await api('POST', `/v1/neighbors/${encodeURIComponent(a)}/${action}`, body) });
      } catch (e) {
        if (address !== '*') throw e;
        results.push({ neighbor: a, ok: false, error: (e as Error).message });
      }
    }
    if (results.some((r) => !r.ok)) process.exitCode = 1;
    // One neighbor: the API's answer as it is (a soft reset says what it did per direction).
    return { json: address === '*' ? { results } : results[0].response, text: () => (results.length === 0 ? `${action}: no neighbor to act on` : results.map((r) => `${action} ${r.neighbor}: ${r.ok ? 'done' : r.error}`).join('\n')) };
  }));

program.command('reload').description('re-read the configuration file and apply the difference')
  .action(run(async () => shown(await api<C.Static<typeof C.Reloaded>>('POST', '/v1/config/reload'), reloadText)));

program.command('dump').argument('[name]', 'file name in mrt.directory (default rib.YYYYMMDD.HHMMSS.mrt)').description('write the RIB as an MRT file (TABLE_DUMP_V2) for bgpdump and other MRT readers')
  .action(run(async (name?: string) => shown(await api<C.RibDumped>('POST', '/v1/rib/dump', name ? { name } : {}), (j) => `${j.file}: ${j.prefixes} prefixes, ${j.paths} paths, ${j.bytes} bytes in ${j.seconds.toFixed(2)} s`)));

program.command('log-level').argument('[level]').description('show or set the log level')
  .action(run(async (level?: string) => shown(level ? await api<C.Static<typeof C.LogLevelSet>>('PUT', '/v1/log-level', { level }) : await api<C.Static<typeof C.LogLevelAnswer>>('GET', '/v1/log-level'), (j) => `log level: ${j.level}`)));

/** What a reload did, one line per kind of change. */
function reloadText(j: { result: C.ReloadResult }): string {
  const r = j.result;
  if (!r.changed) return 'reloaded: nothing changed';
  const line = (what: string, list: string[], n: number) => (n > 0 ? `  ${what}: ${list.join(' ')}${n > list.length ? ` (and ${n - list.length} more)` : ''}` : '');
  return ['reloaded:', line('neighbors added', r.added, r.counts.added), line('removed', r.removed, r.counts.removed), line('reset (session parameters changed)', r.reset, r.counts.reset), line('updated in place', r.soft, r.counts.soft), r.policyChanged ? '  policy changed (applied by soft reconfiguration)' : '', r.counts.originated ? `  ${r.counts.originated} prefixes originated` : '', r.counts.withdrawn ? `  ${r.counts.withdrawn} prefixes withdrawn` : '', r.also.length > 0 ? `  also changed: ${r.also.join(' ')}` : ''].filter(Boolean).join('\n');
}

program
  .command('decode')
  .description('decode BGP messages (hex arguments, hex lines on stdin, or --raw binary) or MRT files (--mrt) to JSON lines')
  .argument('[hex...]', 'messages as hex, one per argument')
  .addOption(new Option('--raw [file]', 'read a binary BGP stream from a file (or stdin)'))
  .addOption(new Option('--mrt [file]', 'read an MRT file (RFC 6396: TABLE_DUMP_V2, BGP4MP) from a file (or stdin): one JSON line per record'))
  .option('--add-path <afi-safis>', 'path identifiers present for these AFI/SAFIs (ipv4-unicast,ipv6-unicast,...)')
  .option('--no-as4', 'AS numbers are 2 octets (no 4-octet AS capability negotiated)')
  .option('--extended-message', 'allow RFC 8654 extended messages (up to 65535 octets)')
  .action((hex: string[], opts) => {
    try {
      process.exitCode = runDecode(hex, opts);
    } catch (e) {
      process.stderr.write(`nodebgp decode: ${(e as Error).message}\n`);
      process.exitCode = 2;
    }
  });

await program.parseAsync();
