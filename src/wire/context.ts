// The codec context: what both OPENs negotiated and every encode/decode call needs.
// One context per direction of a session (what we receive, what we send). No module-level state.
// Must not import anything outside src/wire.

import { MAX_EXTENDED_MESSAGE_LENGTH, MAX_MESSAGE_LENGTH } from './constants.js';

/** An AFI/SAFI pair as one small number: (afi << 8) | safi. */
export type AfiSafiKey = number;

export function afiSafiKey(afi: number, safi: number): AfiSafiKey {
  return ((afi & 0xffff) << 8) | (safi & 0xff);
}

export interface CodecContext {
  /** RFC 6793: both sides advertised the 4-octet AS capability; AS numbers are 4 octets on the wire. */
  readonly as4: boolean;
  /** RFC 8654: both sides advertised Extended Message; the maximum message length is 65535. */
  readonly extendedMessage: boolean;
  /** RFC 7911: AFI/SAFIs whose NLRI carry a path identifier in this direction. */
  readonly addPath: ReadonlySet<AfiSafiKey>;
}

/** The context before OPENs are exchanged, and for tools that decode a lone message. */
export const DEFAULT_CONTEXT: CodecContext = Object.freeze({
  as4: true,
  extendedMessage: false,
  addPath: new Set<AfiSafiKey>(),
});

export function makeContext(opts: Partial<CodecContext> = {}): CodecContext {
  return {
    as4: opts.as4 ?? true,
    extendedMessage: opts.extendedMessage ?? false,
    addPath: opts.addPath ?? new Set(),
  };
}

export function maxMessageLength(ctx: CodecContext): number {
  return ctx.extendedMessage ? MAX_EXTENDED_MESSAGE_LENGTH : MAX_MESSAGE_LENGTH;
}
