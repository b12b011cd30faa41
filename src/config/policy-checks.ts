// What FRR refuses in policy, refused here too, every problem at once: a prefix-list entry whose
// range is impossible (`ge` or `le` longer than the family allows, `ge` not longer than the prefix,
// `le` shorter than it, `ge` above `le`: FRR's "make sure: len < ge <= le"), and two entries of one list or route-map with the same `seq` (one would
// silently shadow the other). Pure: paths and messages, the loader places them in the file.

import { ParseError, parsePrefix } from './prefix.js';
import type { KeyPath } from './schema.js';
import type { PolicyConfig } from './types.js';

export interface PolicyProblem {
  readonly path: KeyPath;
  readonly message: string;
}

export function policyProblems(policy: PolicyConfig | undefined): PolicyProblem[] {
  const out: PolicyProblem[] = [];
  for (const [name, entries] of Object.entries(policy?.prefixLists ?? {})) {
    duplicateSeqs(['policy', 'prefixLists', name], entries, out);
    entries.forEach((e, i) => {
      let p;
      try {
        p = parsePrefix(e.prefix);
      } catch (err) {
        if (err instanceof ParseError) return; // the loader reports the prefix itself
        throw err;
      }
      const max = p.afi === 1 ? 32 : 128;
      const at = (key: string): KeyPath => ['policy', 'prefixLists', name, i, key];
      const range = `make sure: ${p.length} (the prefix length) < ge <= le <= ${max}, or le alone from ${p.length}`;
      if (e.le !== undefined && e.le > max) out.push({ path: at('le'), message: `le ${e.le} is longer than an ${p.afi === 1 ? 'IPv4' : 'IPv6'} prefix can be; ${range}` });
      if (e.ge !== undefined && e.ge > max) out.push({ path: at('ge'), message: `ge ${e.ge} is longer than an ${p.afi === 1 ? 'IPv4' : 'IPv6'} prefix can be; ${range}` });
      if (e.ge !== undefined && e.ge <= p.length) out.push({ path: at('ge'), message: `ge ${e.ge} is not longer than ${e.prefix}; ${range}` });
      if (e.le !== undefined && e.le < p.length) out.push({ path: at('le'), message: `le ${e.le} is shorter than ${e.prefix}; ${range}` });
      if (e.ge !== undefined && e.le !== undefined && e.ge > e.le) out.push({ path: at('ge'), message: `ge ${e.ge} is above le ${e.le}; ${range}` });
    });
  }
  for (const [name, entries] of Object.entries(policy?.routeMaps ?? {})) duplicateSeqs(['policy', 'routeMaps', name], entries, out);
  return out;
}

function duplicateSeqs(path: KeyPath, entries: readonly { readonly seq: number }[], out: PolicyProblem[]): void {
  const first = new Map<number, number>();
  entries.forEach((e, i) => {
    const earlier = first.get(e.seq);
    if (earlier === undefined) first.set(e.seq, i);
    else out.push({ path: [...path, i, 'seq'], message: `seq ${e.seq} is already used by entry ${earlier}; every entry needs its own` });
  });
}
