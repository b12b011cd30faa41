// The BGP message union and the per-message decode/encode dispatch, with the header checks of
// RFC 4271 6.1 (marker, length per type, type) and KEEPALIVE / ROUTE-REFRESH (RFC 2918, RFC 7313).
// Must not import anything outside src/wire.

import {
  ErrorCode, HEADER_LENGTH, HeaderSubcode, MARKER_LENGTH, MessageType, RouteRefreshSubcode,
} from './constants.js';
import { type CodecContext, maxMessageLength } from './context.js';
import { BgpProtocolError, u16Data } from './error.js';
import { beginMessage, endMessage } from './header.js';
import type { AttributeCache } from './attributes/cache.js';
import { type NotificationMessage, decodeNotification, encodeNotification } from './notification.js';
import { type OpenMessage, decodeOpen, encodeOpen } from './open.js';
import { type UpdateMessage, decodeUpdate, encodeUpdate } from './update.js';
import { Writer } from './writer.js';

export interface KeepaliveMessage {
  readonly type: 'keepalive';
}

export interface RouteRefreshMessage {
  readonly type: 'route-refresh';
  readonly afi: number;
  readonly safi: number;
  /** RFC 7313: 0 normal request, 1 BoRR, 2 EoRR (other values are ignored by the receiver). */
  readonly subtype: number;
}

export type BgpMessage = OpenMessage | UpdateMessage | NotificationMessage | KeepaliveMessage | RouteRefreshMessage;

/** Minimum total length per message type (RFC 4271 4.2-4.5, RFC 2918 3). */
const MIN_LENGTH: Record<number, number> = {
  [MessageType.OPEN]: 29,
  [MessageType.UPDATE]: 23,
  [MessageType.NOTIFICATION]: 21,
  [MessageType.KEEPALIVE]: 19,
  // RFC 7313 5: any ROUTE-REFRESH length other than 23 is error 7/1, checked by decodeMessage.
  [MessageType.ROUTE_REFRESH]: HEADER_LENGTH,
};

export function headerError(subcode: number, data: Buffer, reason: string): BgpProtocolError {
  return new BgpProtocolError(ErrorCode.MESSAGE_HEADER, subcode, data, reason);
}

/**
 * Checks a header at `start` of `buf` (at least 19 octets available) and returns the message
 * length. RFC 4271 6.1: bad marker 1/1; bad length 1/2 with the length field as data; bad type 1/3.
 */
export function checkHeader(buf: Buffer, start: number, maxLength: number): number {
  for (let i = 0; i < MARKER_LENGTH; i++) {
    if (buf[start + i] !== 0xff) throw headerError(HeaderSubcode.CONNECTION_NOT_SYNCHRONIZED, Buffer.alloc(0), 'marker is not all ones');
  }
  const length = (buf[start + 16] << 8) | buf[start + 17];
  const type = buf[start + 18];
  if (type < MessageType.OPEN || type > MessageType.ROUTE_REFRESH) {
    throw headerError(HeaderSubcode.BAD_MESSAGE_TYPE, Buffer.from([type]), `message type ${type}`);
  }
  if (length < MIN_LENGTH[type] || length > maxLength || (type === MessageType.KEEPALIVE && length !== HEADER_LENGTH)) {
    throw headerError(HeaderSubcode.BAD_MESSAGE_LENGTH, u16Data(length), `length ${length} for message type ${type}`);
  }
  return length;
}

/** Decodes one whole message (header included), as the framer returns it. */
export function decodeMessage(frame: Buffer, ctx: CodecContext, cache?: AttributeCache): BgpMessage {
  if (frame.length < HEADER_LENGTH) throw headerError(HeaderSubcode.BAD_MESSAGE_LENGTH, u16Data(frame.length), `message of ${frame.length} octets`);
  const length = checkHeader(frame, 0, maxMessageLength(ctx));
  if (length !== frame.length) throw headerError(HeaderSubcode.BAD_MESSAGE_LENGTH, u16Data(length), `length field ${length}, frame ${frame.length} octets`);
  const start = HEADER_LENGTH;
  switch (frame[18]) {
    case MessageType.OPEN: return decodeOpen(frame, start, length);
    case MessageType.UPDATE: return decodeUpdate(frame, start, length, ctx, cache);
    case MessageType.NOTIFICATION: return decodeNotification(frame, start, length);
    case MessageType.KEEPALIVE: return { type: 'keepalive' };
    default: {
      // RFC 7313 5: a ROUTE-REFRESH whose length is not 23 is error 7/1, the message as data.
      if (length !== 23) throw new BgpProtocolError(ErrorCode.ROUTE_REFRESH, RouteRefreshSubcode.INVALID_MESSAGE_LENGTH, Buffer.from(frame), `ROUTE-REFRESH length ${length}`);
      return { type: 'route-refresh', afi: frame.readUInt16BE(19), subtype: frame[21], safi: frame[22] };
    }
  }
}

const KEEPALIVE = (() => {
  const w = new Writer(19);
  endMessage(w, beginMessage(w, MessageType.KEEPALIVE));
  return Buffer.from(w.finish());
})();

export function encodeRouteRefresh(msg: RouteRefreshMessage): Buffer {
  const w = new Writer(23);
  const start = beginMessage(w, MessageType.ROUTE_REFRESH);
  w.u16(msg.afi).u8(msg.subtype).u8(msg.safi);
  endMessage(w, start);
  return Buffer.from(w.finish());
}

/**
 * Encodes any message. UPDATEs that exceed the negotiated size are split (see encodeUpdate), so
 * the result is a list; other types always give one message.
 */
export function encodeMessage(msg: BgpMessage, ctx: CodecContext): Buffer[] {
  switch (msg.type) {
    case 'open': return [encodeOpen(msg)];
    case 'update': return encodeUpdate(msg, ctx);
    case 'notification': return [encodeNotification(msg)];
    case 'keepalive': return [KEEPALIVE];
    case 'route-refresh': return [encodeRouteRefresh(msg)];
  }
}
