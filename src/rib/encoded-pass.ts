// UPDATEs encoded during one output pass over the peers, by outbound form: peers that get the
// same form for the same prefixes get the same octets (a reflector's clients: each client's routes
// go to every other client as one UPDATE), so the first peer's encoding serves the rest. Only
// while a pass is open: between passes the RIB changes and node ids are reused for other prefixes.
// Must not import fsm, api, daemon, node:net or metrics libraries.

import type { RouteNode } from './loc-rib.js';

interface Encoded {
  readonly nodes: readonly RouteNode[];
  readonly attrs: Buffer;
  readonly extended: boolean;
  readonly nextHop: Buffer | undefined;
  readonly messages: readonly Buffer[];
}

export class EncodedPass<F extends object> {
  /** Passes begun and not ended (a pass over every peer holds each peer's own). */
  #depth = 0;
  readonly #byForm = new Map<F, Encoded>();
  /**
   * The first output to encode in this pass, and whether another has since: a pass with one
   * output (a full table to one receiver) keeps nothing, as nothing could be found again.
   */
  #first: object | undefined;
  #shared = false;

  /** A pass begins: encodings kept from here until its end() may be reused. */
  begin(): void {
    this.#depth++;
  }

  /** A pass is over; when it was the outermost, what it kept is dropped. */
  end(): void {
    if (--this.#depth > 0) return;
    this.#depth = 0;
    this.#byForm.clear();
    this.#first = undefined;
    this.#shared = false;
  }

  /**
   * The UPDATEs kept for `form` in this pass when they announce the same prefixes (`nodes`, in
   * order) behind the same attribute octets, maximum message size and MP_REACH next hop; `output`
   * is who asks (from the second output of a pass on, encodings are kept).
   */
  find(output: object, form: F, nodes: readonly RouteNode[], attrs: Buffer, extended: boolean, nextHop: Buffer | undefined): readonly Buffer[] | undefined {
    if (this.#depth === 0) return undefined;
    if (this.#first === undefined) this.#first = output;
    else if (output !== this.#first) this.#shared = true;
    if (!this.#shared) return undefined;
    const e = this.#byForm.get(form);
    if (!e || e.extended !== extended || e.nodes.length !== nodes.length) return undefined;
    if (e.attrs !== attrs && !e.attrs.equals(attrs)) return undefined;
    if (e.nextHop !== nextHop && !(e.nextHop && nextHop && e.nextHop.equals(nextHop))) return undefined;
    for (let i = 0; i < nodes.length; i++) if (e.nodes[i] !== nodes[i]) return undefined;
    return e.messages;
  }

  /** Keeps an encoding for the rest of the pass (the last one per form), once outputs share the pass. */
  keep(form: F, nodes: readonly RouteNode[], attrs: Buffer, extended: boolean, nextHop: Buffer | undefined, messages: readonly Buffer[]): void {
    if (this.#depth > 0 && this.#shared) this.#byForm.set(form, { nodes, attrs, extended, nextHop, messages });
  }
}
