// Hand-assembled messages for error-path tests: each case states its octets explicitly, so the
// test shows exactly which field is wrong.
export function msg(type: number, bodyHex: string): Buffer {
  const body = Buffer.from(bodyHex.replace(/\s/g, ''), 'hex');
  const head = Buffer.alloc(19, 0xff);
  head.writeUInt16BE(19 + body.length, 16);
  head[18] = type;
  return Buffer.concat([head, body]);
}

/** `n` as `octets` octets of hex, for the fields of hand-assembled messages. */
export const hex = (n: number, octets: number): string => n.toString(16).padStart(2 * octets, '0');
const hex2 = (n: number) => hex(n, 2);

/** One path attribute TLV (extended length when flags say so). */
export function attr(flags: number, type: number, valueHex: string): string {
  const v = valueHex.replace(/\s/g, '');
  const len = v.length / 2;
  const lenHex = flags & 0x10 ? hex2(len) : len.toString(16).padStart(2, '0');
  return flags.toString(16).padStart(2, '0') + type.toString(16).padStart(2, '0') + lenHex + v;
}

export function update(withdrawnHex: string, attrsHex: string, nlriHex: string): Buffer {
  const w = withdrawnHex.replace(/\s/g, '');
  const a = attrsHex.replace(/\s/g, '');
  return msg(2, hex2(w.length / 2) + w + hex2(a.length / 2) + a + nlriHex.replace(/\s/g, ''));
}

/** ORIGIN IGP, AS_PATH [65001], NEXT_HOP 192.0.2.1 (4-octet AS encoding). */
export const ORIGIN = attr(0x40, 1, '00');
export const AS_PATH = attr(0x40, 2, '0201 0000fde9');
export const NEXT_HOP = attr(0x40, 3, 'c0000201');
export const MANDATORY = ORIGIN + AS_PATH + NEXT_HOP;
/** 10.0.0.0/24 */
export const NLRI = '180a0000';
