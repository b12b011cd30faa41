// Policy configuration to the RIB's policy data: parses prefixes, communities and regexes, and
// checks that every route-map reference names a defined list. Errors name the key path.

import type { CommunityList, PolicySet, PrefixList, RouteMap, RouteMapEntry, AsPathList } from '../rib/policy/types.js';
import { asPathRegex } from '../rib/policy/lists.js';
import { mbpsToOctets } from '../wire/index.js';
import { ParseError, parseCommunity, parseIpv4, parseIpv6, parsePrefix } from './prefix.js';
import type { PolicyConfig, RouteMapEntryConfig } from './types.js';

function at<T>(path: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw new ParseError(`policy.${path}: ${(e as Error).message}`);
  }
}

/**
 * Backreferences and lookaround: what V8's linear-time engine cannot run, so a pattern with them
 * could backtrack for minutes over a neighbor's AS path or communities (src/api/node-flags.ts).
 */
const NOT_LINEAR = /\\[1-9]|\\k<|\(\?<?[=!]/;

/** `make(text)` for a policy pattern that runs in linear time, else the reason it is refused. */
function linearRegex(path: string, text: string, make: (text: string) => RegExp): RegExp {
  return at(path, () => {
    if (NOT_LINEAR.test(text)) throw new ParseError(`"${text}": backreferences and lookaround are not allowed (over a neighbor's AS path or communities they could run for minutes)`);
    try {
      return make(text);
    } catch {
      throw new ParseError(`"${text}" is not a valid regular expression`);
    }
  });
}

function metric(v: number | string): RouteMapEntry['set']['metric'] {
  if (typeof v === 'number') return { op: 'set', value: v };
  const m = /^([+-]?)(\d+)$/.exec(v.trim());
  if (!m) throw new ParseError(`metric "${v}": use N, +N or -N`);
  return { op: m[1] === '+' ? 'add' : m[1] === '-' ? 'subtract' : 'set', value: Number(m[2]) };
}

function routeMapEntry(path: string, e: RouteMapEntryConfig): RouteMapEntry {
  const s = e.set ?? {};
  const set: { -readonly [K in keyof RouteMapEntry['set']]: RouteMapEntry['set'][K] } = {};
  if (s.localPref !== undefined) set.localPref = s.localPref;
  if (s.metric !== undefined) set.metric = at(`${path}.set.metric`, () => metric(s.metric!));
  if (s.community || s.communityNone || s.communityDelete) {
    const values = at(`${path}.set.community`, () => (s.community ?? []).map(parseCommunity));
    set.community = {
      ...(s.communityNone ? { none: true as const } : {}),
      ...(values.length > 0 ? (s.communityAdditive ? { additive: values } : { replace: values }) : {}),
      ...(s.communityDelete ? { deleteList: s.communityDelete } : {}),
    };
  }
  if (s.asPathPrepend) set.asPathPrepend = { asns: s.asPathPrepend };
  if (s.asPathPrependLastAs !== undefined) set.asPathPrepend = { lastAs: s.asPathPrependLastAs };
  if (s.nextHop !== undefined) {
    set.nextHop = s.nextHop === 'self' || s.nextHop === 'peer-address' ? s.nextHop
      : s.nextHop.includes(':') ? { ipv6: at(`${path}.set.nextHop`, () => parseIpv6(s.nextHop!)) } : { ipv4: at(`${path}.set.nextHop`, () => parseIpv4(s.nextHop!)) };
  }
  if (s.weight !== undefined) set.weight = s.weight;
  if (s.origin) set.origin = s.origin;
  if (s.linkBandwidth !== undefined) set.linkBandwidth = { octetsPerSecond: mbpsToOctets(s.linkBandwidth), transitive: !s.linkBandwidthNonTransitive };
  return {
    seq: e.seq,
    action: e.action,
    match: { ...(e.match ?? {}) },
    set,
    ...(e.onMatch === undefined ? {} : { onMatch: e.onMatch === 'next' ? 'next' as const : { goto: e.onMatch } }),
  };
}

export function buildPolicySet(cfg: PolicyConfig = {}): PolicySet {
  const prefixLists = new Map<string, PrefixList>();
  for (const [name, entries] of Object.entries(cfg.prefixLists ?? {})) {
    prefixLists.set(name, {
      name,
      // Errors name the entry as the file has it (its index before sorting by seq).
      entries: entries.map((e, i) => at(`prefixLists.${name}[${i}]`, () => {
        const p = parsePrefix(e.prefix);
        return { seq: e.seq, action: e.action, afi: p.afi, words: p.words, length: p.length, ...(e.ge !== undefined ? { ge: e.ge } : {}), ...(e.le !== undefined ? { le: e.le } : {}) };
      })).sort((a, b) => a.seq - b.seq),
    });
  }
  const communityLists = new Map<string, CommunityList>();
  for (const [name, entries] of Object.entries(cfg.communityLists ?? {})) {
    communityLists.set(name, {
      name,
      entries: entries.map((e, i) => e.regex !== undefined
        ? { action: e.action, kind: 'expanded' as const, regex: linearRegex(`communityLists.${name}[${i}].regex`, e.regex, (x) => new RegExp(x)) }
        : { action: e.action, kind: 'standard' as const, values: at(`communityLists.${name}[${i}].communities`, () => (e.communities ?? []).map(parseCommunity)) }),
    });
  }
  const asPathLists = new Map<string, AsPathList>();
  for (const [name, entries] of Object.entries(cfg.asPathLists ?? {})) {
    asPathLists.set(name, { name, entries: entries.map((e, i) => ({ action: e.action, regex: linearRegex(`asPathLists.${name}[${i}].regex`, e.regex, asPathRegex) })) });
  }
  const routeMaps = new Map<string, RouteMap>();
  for (const [name, entries] of Object.entries(cfg.routeMaps ?? {})) {
    const inFile = entries.map((e, i) => routeMapEntry(`routeMaps.${name}[${i}]`, e));
    for (const [i, e] of inFile.entries()) {
      const m = e.match;
      const refs: [string | undefined, ReadonlyMap<string, unknown>, string][] = [
        [m.prefixList, prefixLists, 'prefixList'], [m.nextHopPrefixList, prefixLists, 'nextHopPrefixList'],
        [m.community, communityLists, 'community'], [m.asPath, asPathLists, 'asPath'], [e.set.community?.deleteList, communityLists, 'communityDelete'],
      ];
      for (const [ref, table, key] of refs) {
        if (ref !== undefined && !table.has(ref)) throw new ParseError(`policy.routeMaps.${name}[${i}]: ${key} "${ref}" is not defined (defined: ${[...table.keys()].join(', ') || 'none'})`);
      }
    }
    routeMaps.set(name, { name, entries: [...inFile].sort((a, b) => a.seq - b.seq) });
  }
  return { prefixLists, communityLists, largeCommunityLists: new Map(), asPathLists, routeMaps };
}
