// UPDATEs encoded once for every peer that is sent the same prefixes behind the same outbound
// form. A reflector sends each client's routes to every other client of its export group as the
// same UPDATE: 2,000 clients with four prefixes each were 4M encodings of 2,000 distinct messages
// (the most CPU a reflector spent after decoding; FRR's update groups format once per group).
// A form keeps what was last encoded for it with the inputs that made it; a peer whose inputs
// are the same gets those octets. Only forms that can be shared are kept: not one carrying each
// receiver's own address as NEXT_HOP (eBGP, next-hop-self: peers on different links get different
// octets), and not before a second peer asks for the form. Kept for every form, a full table to
// one receiver made 200k short-lived encodings that lived long enough to reach the old
// generation: 1M prefixes, 445-463 MB peak RSS against 357-376. What is kept is bounded: the last
// MEMO_FORMS forms' encodings, at most MEMO_OCTETS octets, each at most one full message (longer
// blocks cost little per prefix to encode, and would be most of the memory).
// Must not import fsm, api, daemon, node:net or metrics libraries.

import { type CodecContext, type MpNextHop, type NlriBlock, OctetChunks, encodeAnnouncements, maxMessageLength } from '../wire/index.js';

/** What an encoding was made from, and the messages (encodeAnnouncements' output). */
export interface EncodedUpdates {
  readonly attrs: Buffer;
  readonly nlri: NlriBlock;
  /** The only part of the codec context the encoding depends on. */
  readonly max: number;
  readonly mp: MpNextHop | undefined;
  readonly messages: readonly Buffer[];
  readonly octets: number;
}

/** A form, as the memo sees it: where its last encoding is kept. */
export interface Memoized {
  encoded?: EncodedUpdates | undefined;
  /** The first peer (index) the form was encoded for: it is kept once another asks for it. */
  firstReader?: number;
  /** Set when the form carries the receiving peer's own address (export.ts). */
  readonly selfNextHopAt?: number;
}

export const MEMO_FORMS = 8192;
export const MEMO_OCTETS = 2 * 1024 * 1024;
/** Encodings longer than one standard message are not kept. */
const MEMO_MAX_ENTRY = 4096;

function sameOctets(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && ((a.buffer === b.buffer && a.byteOffset === b.byteOffset) || a.equals(b));
}

function sameNlri(a: NlriBlock, b: NlriBlock): boolean {
  if (a.afi !== b.afi || a.addPath !== b.addPath) return false;
  const x = a.words;
  const y = b.words;
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

function sameMp(a: MpNextHop | undefined, b: MpNextHop | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return a.safi === b.safi && sameOctets(a.nextHop, b.nextHop);
}

export class UpdateMemo {
  /** Forms holding an encoding, oldest first from #oldest (a ring). */
  readonly #ring: (Memoized | undefined)[] = [];
  #oldest = 0;
  #count = 0;
  #octets = 0;
  /** The kept messages' memory: outside Node's shared pool, where one kept slice holds 8 KB. */
  readonly #chunks = new OctetChunks();

  /** Forms holding an encoding. */
  get size(): number {
    return this.#count;
  }

  /** Octets of the encodings kept. */
  get octets(): number {
    return this.#octets;
  }

  /**
   * encodeAnnouncements(attrs, nlri, ctx, mp) for peer `reader`, or the same messages `form` was
   * last given for the same inputs.
   */
  encode(form: Memoized, reader: number, attrs: Buffer, nlri: NlriBlock, ctx: CodecContext, mp?: MpNextHop): readonly Buffer[] {
    const max = maxMessageLength(ctx);
    const last = form.encoded;
    if (last !== undefined && last.max === max && sameNlri(last.nlri, nlri) && sameOctets(last.attrs, attrs) && sameMp(last.mp, mp)) return last.messages;
    const messages = encodeAnnouncements(attrs, nlri, ctx, mp);
    if (form.selfNextHopAt !== undefined) return messages;
    if (last === undefined && (form.firstReader ??= reader) === reader) return messages;
    let octets = 0;
    for (const m of messages) octets += m.length;
    if (octets > MEMO_MAX_ENTRY) return messages;
    // The kept copies go to this peer too: the messages just made are left to the collector.
    const kept = messages.map((m) => this.#chunks.copy(m));
    // The block's words may be the caller's scratch (flush-step.ts): kept as a copy.
    this.#keep(form, { attrs, nlri: { afi: nlri.afi, addPath: nlri.addPath, words: nlri.words.slice() }, max, mp, messages: kept, octets });
    return kept;
  }

  #keep(form: Memoized, entry: EncodedUpdates): void {
    if (form.encoded !== undefined) {
      // Already in the ring: its new encoding replaces the old in place.
      this.#octets += entry.octets - form.encoded.octets;
      form.encoded = entry;
      return;
    }
    while (this.#count > 0 && (this.#count >= MEMO_FORMS || this.#octets + entry.octets > MEMO_OCTETS)) this.#evict();
    this.#ring[(this.#oldest + this.#count) % MEMO_FORMS] = form;
    this.#count++;
    this.#octets += entry.octets;
    form.encoded = entry;
  }

  /** Drops the oldest form's encoding. */
  #evict(): void {
    const form = this.#ring[this.#oldest];
    this.#ring[this.#oldest] = undefined;
    this.#oldest = (this.#oldest + 1) % MEMO_FORMS;
    this.#count--;
    if (form?.encoded !== undefined) {
      this.#octets -= form.encoded.octets;
      form.encoded = undefined;
    }
  }
}
