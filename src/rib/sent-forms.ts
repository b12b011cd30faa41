// The outbound forms some peer holds as sent, by slot: an Adj-RIB-Out keeps a slot number per
// prefix in a typed column instead of a pointer per prefix per peer (a pointer array of a whole
// table is scanned by every collection, and each store of a new form into it is a write barrier).
// A form has a slot while at least one (peer, prefix) holds it; its last holder frees the slot
// for another form, and the owner hears of it (`unheld`): a form nobody holds is dropped from its
// attribute entry's cache (export.ts), since the set it was made for is no longer sent anywhere.
// Must not import fsm, api, daemon, node:net or metrics libraries.

import { regrown } from './columns.js';

/** What the registry needs of a form: the slot it was last given (0: never). */
export interface Slotted {
  slot: number;
}

const INITIAL = 1024;

export class SentForms<F extends Slotted> {
  /** Slot 0 is "nothing sent". */
  #forms: (F | undefined)[] = [undefined];
  /** Holders per slot: (peer, prefix) pairs; a float, as 5,000 peers by 1M prefixes exceed 2^32. */
  #holders = new Float64Array(INITIAL);
  #free: number[] = [];
  #live = 0;
  readonly #unheld: ((form: F) => void) | undefined;

  /** `unheld`: told of a form whose last holder went. */
  constructor(unheld?: (form: F) => void) {
    this.#unheld = unheld;
  }

  /** Slots in use (forms some peer holds). */
  get size(): number {
    return this.#live;
  }

  /** `count` more holders of `form`; its slot. */
  hold(form: F, count = 1): number {
    let s = form.slot;
    if (s === 0 || this.#forms[s] !== form) {
      s = this.#free.pop() ?? this.#forms.length;
      if (s === this.#forms.length) this.#forms.push(form);
      else this.#forms[s] = form;
      if (s >= this.#holders.length) this.#holders = regrown(this.#holders, this.#holders.length * 2);
      this.#holders[s] = 0;
      form.slot = s;
      this.#live++;
    }
    this.#holders[s] += count;
    return s;
  }

  /** One holder of the form in `slot` fewer; the slot is free once nobody holds it. */
  drop(slot: number): void {
    if (--this.#holders[slot] > 0) return;
    const form = this.#forms[slot]!;
    this.#forms[slot] = undefined;
    this.#free.push(slot);
    if (--this.#live === 0) this.#reset();
    this.#unheld?.(form);
  }

  /** The form in a slot (undefined for 0). */
  form(slot: number): F | undefined {
    return this.#forms[slot];
  }

  /** Whether `slot` holds `form` (a form's own slot number may be stale: given away after its last holder). */
  holds(slot: number, form: F): boolean {
    return slot !== 0 && this.#forms[slot] === form;
  }

  /** Nothing held: back to the first size (a table came and went). */
  #reset(): void {
    this.#forms = [undefined];
    this.#free = [];
    if (this.#holders.length > INITIAL) this.#holders = new Float64Array(INITIAL);
  }
}
