// Matching against the named lists, with FRR's semantics: first matching entry decides, implicit
// deny at the end. Pure. Must not import fsm, api, daemon, node:net or metrics libraries.

import { type AsPath, asPathText, communityToString } from '../../wire/index.js';
import { samePrefixBits } from '../prefix-bits.js';
import type { AsPathList, CommunityList, LargeCommunityList, PrefixList, PrefixListEntry } from './types.js';


/** FRR prefix-list entry: inside the entry's prefix, and a length within [ge, le] (exact without either). */
export function prefixEntryMatches(e: PrefixListEntry, afi: number, words: readonly number[], length: number): boolean {
  if (e.afi !== afi || length < e.length || !samePrefixBits(e.words, words, e.length)) return false;
  if (e.ge === undefined && e.le === undefined) return length === e.length;
  const max = afi === 1 ? 32 : 128;
  return length >= (e.ge ?? e.length) && length <= (e.le ?? max);
}

/** 'permit' or 'deny' (implicit deny when no entry matches). */
export function evaluatePrefixList(list: PrefixList, afi: number, words: readonly number[], length: number): 'permit' | 'deny' {
  for (const e of list.entries) if (prefixEntryMatches(e, afi, words, length)) return e.action;
  return 'deny';
}

export function evaluateCommunityList(list: CommunityList, communities: readonly number[] | undefined): 'permit' | 'deny' {
  const have = communities ?? [];
  const text = have.map(communityToString).join(' ');
  for (const e of list.entries) {
    const hit = e.kind === 'standard' ? e.values.every((v) => have.includes(v)) : e.regex.test(text);
    if (hit) return e.action;
  }
  return 'deny';
}

export function evaluateLargeCommunityList(list: LargeCommunityList, values: readonly (readonly [number, number, number])[] | undefined): 'permit' | 'deny' {
  const have = values ?? [];
  const text = have.map(([g, a, b]) => `${g}:${a}:${b}`).join(' ');
  for (const e of list.entries) {
    const hit = e.kind === 'standard' ? e.values.every((v) => have.some((h) => h[0] === v[0] && h[1] === v[1] && h[2] === v[2])) : e.regex.test(text);
    if (hit) return e.action;
  }
  return 'deny';
}

/** FRR's `_` stands for a delimiter: start or end of the path, a space, or a segment bracket. */
export function asPathRegex(pattern: string): RegExp {
  return new RegExp(pattern.replace(/_/g, '(?:^|$|[ ,{}()\\[\\]])'));
}

export function evaluateAsPathList(list: AsPathList, path: AsPath): 'permit' | 'deny' {
  const text = asPathText(path);
  for (const e of list.entries) if (e.regex.test(text)) return e.action;
  return 'deny';
}
