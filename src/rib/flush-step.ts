// One flush step of an Adj-RIB-Out: the prefixes taken off its queue, the outbound form each gets
// (or its withdrawal), and the NLRI words of one group at a time, in typed arrays that every
// Adj-RIB-Out shares. A step was a list of nodes, a map of lists by form and a block of words per
// form: a few hundred octets of garbage per prefix (a full table to one receiver, 260 MB of the
// 1.1 GB a load allocated). A step is done with these before its messages are sent, and no step
// starts inside another (nothing a step calls flushes).
// Must not import fsm, api, daemon, node:net or metrics libraries.

import { Afi, type AfiCode, type NlriBlock, stride } from '../wire/index.js';
import type { OutForm } from './export.js';
import type { PrefixTrie, NodeId } from './trie.js';

/** Group numbers: the withdrawals are group 0, each form its own from 1 on; -1 is nothing to send. */
export const WITHDRAWN = 0;
export const UNCHANGED = -1;

/** Slots of the step's form-to-group table (a power of two). */
const SEEN = 4096;

export class FlushStep {
  /** The prefixes taken (`count` of them), lowest dense index first, and their dense indices. */
  readonly nodes: Int32Array;
  readonly dense: Int32Array;
  count = 0;
  /** Per prefix taken: its group. */
  readonly #group: Int32Array;
  /** Prefixes (positions in `nodes`) ordered by group, after sort(); `#start[g]` is where group g begins. */
  readonly #order: Int32Array;
  readonly #start: Int32Array;
  readonly #next: Int32Array;
  /** Forms by group number less one, in the order they first appear. */
  readonly forms: OutForm[] = [];
  /**
   * Groups by form id, direct-mapped (SEEN slots): a form whose slot another form of the step took
   * gets a second group, that is one more UPDATE of the same attributes, which is harmless (and
   * rare: a form's prefixes mostly come in a row). A map cost more than the rest of a step's
   * grouping together.
   */
  readonly #seenForm: (OutForm | undefined)[] = new Array<OutForm | undefined>(SEEN).fill(undefined);
  readonly #seenGroup = new Int32Array(SEEN);
  #lastForm: OutForm | undefined;
  #lastGroup = 0;
  readonly #words: Uint32Array;

  constructor(readonly capacity: number) {
    this.nodes = new Int32Array(capacity);
    this.dense = new Int32Array(capacity);
    this.#group = new Int32Array(capacity);
    this.#order = new Int32Array(capacity);
    this.#start = new Int32Array(capacity + 2);
    this.#next = new Int32Array(capacity + 2);
    this.#words = new Uint32Array(capacity * stride(Afi.IPV6));
  }

  /** Empties the step for the next one. */
  clear(): void {
    this.count = 0;
    for (const f of this.forms) this.#seenForm[f.id & (SEEN - 1)] = undefined;
    this.forms.length = 0;
    this.#lastForm = undefined;
  }

  /** Adds a prefix taken off the queue (below `capacity` per step). */
  add(node: NodeId, dense: number): void {
    this.nodes[this.count] = node;
    this.dense[this.count] = dense;
    this.count++;
  }

  /** The k-th prefix goes to group `g` (WITHDRAWN, UNCHANGED, or a form's, from `groupFor`). */
  assign(k: number, g: number): void {
    this.#group[k] = g;
  }

  /** The group of `form`; prefixes of one form mostly come in a row, so the last is at hand. */
  groupFor(form: OutForm): number {
    if (form === this.#lastForm) return this.#lastGroup;
    const at = form.id & (SEEN - 1);
    let g: number;
    if (this.#seenForm[at] === form) {
      g = this.#seenGroup[at];
    } else {
      this.forms.push(form);
      g = this.forms.length;
      this.#seenForm[at] = form;
      this.#seenGroup[at] = g;
    }
    this.#lastForm = form;
    this.#lastGroup = g;
    return g;
  }

  /** Orders the prefixes by group (a counting sort, stable: each group keeps dense order). */
  sort(): void {
    const groups = this.forms.length + 1;
    const start = this.#start;
    start.fill(0, 0, groups + 1);
    const group = this.#group;
    for (let k = 0; k < this.count; k++) if (group[k] >= 0) start[group[k] + 1]++;
    for (let g = 0; g < groups; g++) start[g + 1] += start[g];
    const next = this.#next;
    for (let g = 0; g < groups; g++) next[g] = start[g];
    for (let k = 0; k < this.count; k++) if (group[k] >= 0) this.#order[next[group[k]]++] = k;
  }

  /** Prefixes in group g (after sort()). */
  size(g: number): number {
    return this.#start[g + 1] - this.#start[g];
  }

  /** The i-th prefix (a position in `nodes`) of group g, after sort(). */
  at(g: number, i: number): number {
    return this.#order[this.#start[g] + i];
  }

  /**
   * Group g's prefixes as an NLRI block. Its words are the step's own, overwritten by the next
   * block: whoever keeps a block copies them (UpdateMemo).
   */
  block(g: number, afi: AfiCode, trie: PrefixTrie<unknown>): NlriBlock {
    const st = stride(afi);
    const n = this.size(g);
    const words = this.#words;
    for (let i = 0; i < n; i++) {
      words[i * st] = 0;
      trie.writeEntry(this.nodes[this.at(g, i)], words, i * st);
    }
    return { afi, addPath: false, words: words.subarray(0, n * st) };
  }
}
