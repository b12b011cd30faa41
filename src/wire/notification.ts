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

/** Error codes and subcodes as FRR prints them (RFC 4271 4.5, RFC 4486, RFC 6608, RFC 7313, RFC 8538, RFC 9234, RFC 9384). */
const NOTIFICATION_NAMES: Record<number, readonly [string, Record<number, string>]> = {
  [ErrorCode.MESSAGE_HEADER]: ['Message Header Error', { 1: 'Connection Not Synchronized', 2: 'Bad Message Length', 3: 'Bad Message Type' }],
  [ErrorCode.OPEN_MESSAGE]: ['OPEN Message Error', {
    1: 'Unsupported Version Number', 2: 'Bad Peer AS', 3: 'Bad BGP Identifier', 4: 'Unsupported Optional Parameter',
    5: 'Authentication Failure', 6: 'Unacceptable Hold Time', 7: 'Unsupported Capability', 11: 'Role Mismatch',
  }],
  [ErrorCode.UPDATE_MESSAGE]: ['UPDATE Message Error', {
    1: 'Malformed Attribute List', 2: 'Unrecognized Well-known Attribute', 3: 'Missing Well-known Attribute', 4: 'Attribute Flags Error',
    5: 'Attribute Length Error', 6: 'Invalid ORIGIN Attribute', 7: 'AS Routing Loop', 8: 'Invalid NEXT_HOP Attribute',
    9: 'Optional Attribute Error', 10: 'Invalid Network Field', 11: 'Malformed AS_PATH',
  }],
  [ErrorCode.HOLD_TIMER_EXPIRED]: ['Hold Timer Expired', {}],
  [ErrorCode.FSM]: ['Neighbor Events Error', { 1: 'Receive Unexpected Message in OpenSent State', 2: 'Receive Unexpected Message in OpenConfirm State', 3: 'Receive Unexpected Message in Established State' }],
  [ErrorCode.CEASE]: ['Cease', {
    1: 'Maximum Number of Prefixes Reached', 2: 'Administrative Shutdown', 3: 'Peer De-configured', 4: 'Administrative Reset',
    5: 'Connection Rejected', 6: 'Other Configuration Change', 7: 'Connection Collision Resolution', 8: 'Out of Resources',
    9: 'Hard Reset', 10: 'BFD Down',
  }],
  [ErrorCode.ROUTE_REFRESH]: ['ROUTE-REFRESH Message Error', { 1: 'Invalid Message Length' }],
};

/** "Cease/Administrative Shutdown", "UPDATE Message Error/Malformed AS_PATH", "Hold Timer Expired", as FRR names them. */
export function notificationName(code: number, subcode: number): string {
  const entry = NOTIFICATION_NAMES[code];
  if (!entry) return `Unknown Error ${code}/${subcode}`;
  if (subcode === 0) return Object.keys(entry[1]).length === 0 ? entry[0] : `${entry[0]}/Unspecific`;
  return `${entry[0]}/${entry[1][subcode] ?? `Unknown Subcode ${subcode}`}`;
}

/** A NOTIFICATION in one line: its name, and the RFC 9003 text when it carries one. */
export function notificationText(msg: NotificationMessage): string {
  const text = shutdownCommunication(msg);
  return text === undefined ? notificationName(msg.code, msg.subcode) : `${notificationName(msg.code, msg.subcode)} "${text}"`;
}
