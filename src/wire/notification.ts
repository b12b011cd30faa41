// NOTIFICATION (RFC 4271 4.5) with the RFC 8203/9003 shutdown communication in Cease 2 and 4.
// Must not import anything outside src/wire.

import { CeaseSubcode, ErrorCode, MessageType } from './constants.js';
import { beginMessage, endMessage } from './header.js';
import { Writer } from './writer.js';

export interface NotificationMessage {
  readonly type: 'notification';
  readonly code: number;
  readonly subcode: number;
  readonly data: Buffer;
}

/** RFC 9003 2: the longest shutdown communication, in UTF-8 octets. */
export const MAX_SHUTDOWN_COMMUNICATION = 255;

export function decodeNotification(buf: Buffer, start: number, end: number): NotificationMessage {
  return { type: 'notification', code: buf[start], subcode: buf[start + 1], data: Buffer.from(buf.subarray(start + 2, end)) };
}

export function encodeNotification(msg: NotificationMessage): Buffer {
  const w = new Writer(21 + msg.data.length);
  const start = beginMessage(w, MessageType.NOTIFICATION);
  w.u8(msg.code).u8(msg.subcode).bytes(msg.data);
  endMessage(w, start);
  return Buffer.from(w.finish());
}

/** True for Cease / Administrative Shutdown and Administrative Reset, which may carry a message. */
export function carriesShutdownCommunication(code: number, subcode: number): boolean {
  return code === ErrorCode.CEASE && (subcode === CeaseSubcode.ADMINISTRATIVE_SHUTDOWN || subcode === CeaseSubcode.ADMINISTRATIVE_RESET);
}

/**
 * The RFC 9003 shutdown communication, or undefined when absent or malformed (RFC 9003 2: a
 * length running past the data or invalid UTF-8 is ignored, the NOTIFICATION is still processed).
 */
export function shutdownCommunication(msg: NotificationMessage): string | undefined {
  if (!carriesShutdownCommunication(msg.code, msg.subcode) || msg.data.length === 0) return undefined;
  const len = msg.data[0];
  if (len === 0 || 1 + len > msg.data.length) return undefined;
  const bytes = msg.data.subarray(1, 1 + len);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
}

/** The data field carrying `text`, truncated to 255 octets on a UTF-8 character boundary. */
export function shutdownData(text: string): Buffer {
  let bytes = Buffer.from(text, 'utf8');
  if (bytes.length > MAX_SHUTDOWN_COMMUNICATION) {
    let cut = MAX_SHUTDOWN_COMMUNICATION;
    while (cut > 0 && (bytes[cut] & 0xc0) === 0x80) cut--;
    bytes = bytes.subarray(0, cut);
  }
  return Buffer.concat([Buffer.from([bytes.length]), bytes]);
}
