// What an RTR cache sends (RFC 8210 5), for tests that play a cache toward the router's machine
// or its driver. The golden fixtures (fixtures/rtr) are real stayrtr bytes; these build the
// cases a real cache is not asked to produce (errors, changes of session, duplicates).
import { parsePrefix } from '../../src/config/prefix.js';
import { RtrPduType, type Vrp, encodeHeaderPdu, encodeSerialPdu } from '../../src/wire/index.js';

export const cachePdu = {
  cacheResponse: (version: number, sessionId: number): Buffer => encodeHeaderPdu(RtrPduType.CACHE_RESPONSE, version, sessionId),
  prefix(version: number, announce: boolean, v: Vrp): Buffer {
    const v6 = v.afi === 2;
    const b = Buffer.alloc(v6 ? 32 : 20);
    b[0] = version;
    b[1] = v6 ? RtrPduType.IPV6_PREFIX : RtrPduType.IPV4_PREFIX;
    b.writeUInt32BE(b.length, 4);
    b[8] = announce ? 1 : 0;
    b[9] = v.length;
    b[10] = v.maxLength;
    for (let i = 0; i < (v6 ? 4 : 1); i++) b.writeUInt32BE(v.words[i] >>> 0, 12 + 4 * i);
    b.writeUInt32BE(v.asn >>> 0, v6 ? 28 : 16);
    return b;
  },
  endOfData(version: number, sessionId: number, serial: number, timers = { refresh: 3600, retry: 600, expire: 7200 }): Buffer {
    const b = Buffer.alloc(version === 0 ? 12 : 24);
    b[0] = version;
    b[1] = RtrPduType.END_OF_DATA;
    b.writeUInt16BE(sessionId, 2);
    b.writeUInt32BE(b.length, 4);
    b.writeUInt32BE(serial >>> 0, 8);
    if (version > 0) {
      b.writeUInt32BE(timers.refresh, 12);
      b.writeUInt32BE(timers.retry, 16);
      b.writeUInt32BE(timers.expire, 20);
    }
    return b;
  },
  serialNotify: (version: number, sessionId: number, serial: number): Buffer => encodeSerialPdu(RtrPduType.SERIAL_NOTIFY, version, sessionId, serial),
  cacheReset: (version: number): Buffer => encodeHeaderPdu(RtrPduType.CACHE_RESET, version),
};

/** A VRP from text: '10.0.0.0/16-24 AS65001'. */
export function vrp(text: string): Vrp {
  const m = /^(\S+)-(\d+) AS(\d+)$/.exec(text);
  if (!m) throw new Error(`bad VRP text ${text}`);
  const p = parsePrefix(m[1]);
  return { afi: p.afi, words: [...p.words] as [number, number, number, number], length: p.length, maxLength: Number(m[2]), asn: Number(m[3]) };
}
