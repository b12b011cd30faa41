// Route aggregation (RFC 4271 9.2.2.2) as the RIB runs it: the configured aggregates, each
// originated while some best path falls inside it, with attributes summing its contributors
// (aggregate.ts), changed when a contributor changes and withdrawn when none is left. Summary-only
// aggregates suppress their contributors toward peers.
// Must not import fsm, api, daemon, node:net or metrics libraries.

import { Afi, type AfiCode, type PathAttributes } from '../wire/index.js';
import { type AggregateSpec, aggregateAttributes, inside } from './aggregate.js';
import type { LocRib, RouteNode } from './loc-rib.js';
import type { Path } from './path.js';

/** What aggregation needs of the RIB. */
export interface AggregationHost {
  readonly localAs: number;
  readonly routerId: number;
  table(afi: AfiCode): LocRib;
  /** Originates (or changes) the aggregate path of `spec` with these attributes. */
  announce(spec: AggregateSpec, attrs: PathAttributes): void;
  withdraw(spec: AggregateSpec): void;
}

/** Rounds of re-forming per flush: an aggregate inside another changes it in the next round. */
const MAX_ROUNDS = 8;

export class Aggregation {
  readonly #host: AggregationHost;
  /** Aggregates with the attributes last originated (undefined: not originated) and whether a contributor changed. */
  #list: { spec: AggregateSpec; key: string | undefined; dirty: boolean }[] = [];

  constructor(host: AggregationHost) {
    this.#host = host;
  }

  /** Whether any aggregate is configured (a prefix's change need not be looked at otherwise). */
  get any(): boolean {
    return this.#list.length > 0;
  }

  /** The configured aggregates and whether each is originated now (for tests and diagnostics). */
  get list(): readonly { spec: AggregateSpec; active: boolean }[] {
    return this.#list.map((a) => ({ spec: a.spec, active: a.key !== undefined }));
  }

  /** New aggregates replace the old ones (those originated are withdrawn); each is formed at the next update. */
  configure(specs: readonly AggregateSpec[]): void {
    for (const a of this.#list) if (a.key !== undefined) this.#withdraw(a);
    this.#list = specs.map((spec) => ({ spec, key: undefined, dirty: true }));
    for (const afi of [Afi.IPV4, Afi.IPV6] as const) {
      const summary = specs.filter((s) => s.afi === afi && s.summaryOnly);
      const table = this.#host.table(afi);
      table.suppress = summary.length > 0 ? (node) => summary.some((s) => inside(table.trie, node, s)) : undefined;
    }
  }

  /** A prefix's selection changed: the aggregates it falls inside are formed again at the next update. */
  changed(afi: AfiCode, node: RouteNode): void {
    for (const a of this.#list) if (!a.dirty && a.spec.afi === afi && inside(this.#host.table(afi).trie, node, a.spec)) a.dirty = true;
  }

  /** Forms, changes or withdraws the aggregates whose contributors changed (nested ones in turn). */
  update(): void {
    for (let round = 0; round < MAX_ROUNDS && this.#list.some((a) => a.dirty); round++) {
      for (const a of this.#list) {
        if (!a.dirty) continue;
        a.dirty = false;
        const { spec } = a;
        const contributors: Path[] = [];
        const table = this.#host.table(spec.afi);
        for (const node of table.trie.covered(spec.words[0], spec.words[1], spec.words[2], spec.words[3], spec.len)) {
          const best = table.best(node);
          if (best && inside(table.trie, node, spec)) contributors.push(best);
        }
        if (contributors.length === 0) {
          if (a.key !== undefined) this.#withdraw(a);
          continue;
        }
        const attrs = aggregateAttributes(contributors, spec, this.#host.localAs, this.#host.routerId);
        const key = JSON.stringify(attrs);
        if (key === a.key) continue;
        a.key = key;
        this.#host.announce(spec, attrs);
      }
    }
  }

  #withdraw(a: { spec: AggregateSpec; key: string | undefined }): void {
    a.key = undefined;
    this.#host.withdraw(a.spec);
  }
}
