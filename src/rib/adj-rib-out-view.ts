// A peer's Adj-RIB-Out as BMP shows it (RFC 8671): the pre-policy view (what the peer would get
// without its export route-map: the paths the protocol's rules let us send, in the form they
// would go out, as FRR's BMP builds it) kept only while a monitor watches, and UPDATEs for what
// either view holds now, for a collector's initial dump.
// Must not import fsm, api, daemon, node:net or metrics libraries.

import { Afi, type AfiCode, Safi, encodeAnnouncements, encodeWithdrawals } from '../wire/index.js';
import { ipv6NextHopFor, nlriBlockOf } from './adj-rib-out.js';
import { localPathId } from './adj-rib-out-add-path.js';
import type { AttrTable } from './attr-table.js';
import { type ExportPeer, type OutForm, bytesFor, inNextHopField, mayExport, outForm } from './export.js';
import type { LocRib, RouteNode } from './loc-rib.js';
import type { Path } from './path.js';

/** One path of a prefix in an Adj-RIB-Out view: its identifier (0 without ADD-PATH), form and IPv6 next hop. */
export interface OutItem {
  readonly node: RouteNode;
  readonly id: number;
  readonly form: OutForm;
  readonly nextHop: Buffer | undefined;
}

/**
 * UPDATEs for `items` (grouped by form and next hop, as the Adj-RIB-Out sends them) and the
 * withdrawal of `gone` (prefix, path identifier), encoded for `peer`.
 */
export function encodeOutItems(afi: AfiCode, rib: LocRib, peer: ExportPeer, addPath: boolean, items: readonly OutItem[], gone: readonly [RouteNode, number][]): Buffer[] {
  const out: Buffer[] = [];
  const block = (nodes: readonly RouteNode[], ids: readonly number[]) => nlriBlockOf(afi, rib.trie, nodes, addPath ? ids : undefined);
  if (gone.length > 0) out.push(...encodeWithdrawals(block(gone.map((x) => x[0]), gone.map((x) => x[1])), peer.tx));
  const groups = new Map<string, { form: OutForm; nextHop: Buffer | undefined; nodes: RouteNode[]; ids: number[] }>();
  for (const x of items) {
    const key = `${x.form.id}|${x.nextHop?.toString('hex') ?? ''}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { form: x.form, nextHop: x.nextHop, nodes: [], ids: [] }));
    g.nodes.push(x.node);
    g.ids.push(x.id);
  }
  for (const g of groups.values()) {
    const mp = inNextHopField(afi, peer) ? undefined : { safi: Safi.UNICAST, nextHop: g.nextHop ?? Buffer.alloc(16) };
    out.push(...encodeAnnouncements(bytesFor(g.form, peer), block(g.nodes, g.ids), peer.tx, mp));
  }
  return out;
}

const NONE: readonly number[] = [];
const ZERO: readonly number[] = [0];

/** Where the pre-policy view's changes go: UPDATEs as the peer would get them without its export map. */
export type PreViewSink = (messages: Buffer[]) => void;

/**
 * The pre-policy Adj-RIB-Out of one peer and family. The Adj-RIB-Out hands it every prefix it
 * reconsiders, before it sends; it keeps which path identifiers it announced per prefix, so that
 * what goes away is withdrawn.
 */
export class PrePolicyView {
  readonly #afi: AfiCode;
  readonly #rib: LocRib;
  readonly #table: AttrTable;
  readonly #addPath: boolean;
  /** The paths of a prefix the peer may get, most preferred first (the best, or ADD-PATH's selection). */
  readonly #select: (node: RouteNode) => readonly Path[];
  readonly #sink: PreViewSink;
  /** Path identifiers announced per prefix (ADD-PATH); without ADD-PATH, one octet per node says whether it is. */
  readonly #held = new Map<RouteNode, readonly number[]>();
  #one = new Uint8Array(1024);
  #count = 0;

  constructor(afi: AfiCode, rib: LocRib, table: AttrTable, addPath: boolean, select: (node: RouteNode) => readonly Path[], sink: PreViewSink) {
    this.#afi = afi;
    this.#rib = rib;
    this.#table = table;
    this.#addPath = addPath;
    this.#select = select;
    this.#sink = sink;
  }

  /** Prefixes the view holds now (RFC 8671 6.2 statistics). */
  get size(): number {
    return this.#addPath ? this.#held.size : this.#count;
  }

  #heldIds(n: RouteNode): readonly number[] {
    if (this.#addPath) return this.#held.get(n) ?? NONE;
    return n < this.#one.length && this.#one[n] ? ZERO : NONE;
  }

  #hold(n: RouteNode, items: readonly OutItem[]): void {
    if (this.#addPath) {
      if (items.length > 0) this.#held.set(n, items.map((x) => x.id));
      else this.#held.delete(n);
      return;
    }
    if (n >= this.#one.length) {
      const grown = new Uint8Array(Math.max(n + 1, this.#one.length * 2));
      grown.set(this.#one);
      this.#one = grown;
    }
    const now = items.length > 0 ? 1 : 0;
    this.#count += now - this.#one[n];
    this.#one[n] = now;
  }

  /** The view's paths of a prefix now. */
  items(node: RouteNode, peer: ExportPeer): OutItem[] {
    const out: OutItem[] = [];
    for (const p of this.#select(node)) {
      if (!mayExport(p, peer)) continue;
      const form = outForm(p, peer, this.#table);
      const nextHop = inNextHopField(this.#afi, peer) ? undefined : (form.mpNextHop ?? ipv6NextHopFor(p, peer));
      out.push({ node, id: this.#addPath ? localPathId(p) : 0, form, nextHop });
    }
    return out;
  }

  /** Starts from what the view holds now, without messages (a monitor attached to a session already up). */
  fill(peer: ExportPeer): void {
    this.#rib.trie.forEach((n) => this.#hold(n, this.items(n, peer)));
  }

  /** `nodes` are being reconsidered for the peer: what changed in the view goes to the sink. */
  changed(nodes: readonly RouteNode[], peer: ExportPeer): void {
    const items: OutItem[] = [];
    const gone: [RouteNode, number][] = [];
    for (const n of nodes) {
      const now = this.items(n, peer);
      for (const id of this.#heldIds(n)) if (!now.some((x) => x.id === id)) gone.push([n, id]);
      items.push(...now);
      this.#hold(n, now);
    }
    if (items.length + gone.length > 0) this.#sink(encodeOutItems(this.#afi, this.#rib, peer, this.#addPath, items, gone));
  }

  /** UPDATEs for what the view holds for `nodes` now (a collector's initial dump). */
  updates(nodes: readonly RouteNode[], peer: ExportPeer): Buffer[] {
    return encodeOutItems(this.#afi, this.#rib, peer, this.#addPath, nodes.flatMap((n) => this.items(n, peer)), []);
  }
}
