// Malformed input maps to the NOTIFICATION RFC 4271 section 6 prescribes, or to the RFC 7606
// outcome (attribute-discard, treat-as-withdraw) with the session kept.
import t from 'tap';
import { type UpdateMessage, CHUNK_OCTETS, DEFAULT_CONTEXT, decodeMessage, shutdownCommunication, type NotificationMessage, asSequence } from '../../src/wire/index.js';
import { AS_PATH, MANDATORY, NEXT_HOP, NLRI, ORIGIN, attr, msg, update } from '../helpers/build.js';
import { throwsProtocolError } from '../helpers/errors.js';

const decode = (b: Buffer) => decodeMessage(b, DEFAULT_CONTEXT);
const decodeUpdate = (b: Buffer) => decode(b) as UpdateMessage;

t.test('errors that reset the session', async (t) => {
  const cases: [string, Buffer, number, number][] = [
    ['Withdrawn Routes Length past the message', msg(2, '0010 0000'), 3, 1],
    ['Total Path Attribute Length past the message', msg(2, '0000 0040' + ORIGIN), 3, 1],
    ['IPv4 prefix length 33', update('', MANDATORY, '210a000000ff'), 3, 10],
    ['NLRI running past the end', update('', MANDATORY, '180a00'), 3, 10],
    ['withdrawn prefix length 40', update('280a0000000000', '', ''), 3, 10],
    ['unrecognized well-known attribute', update('', MANDATORY + attr(0x40, 99, '01'), NLRI), 3, 2],
    ['MP_REACH_NLRI twice', update('', MANDATORY + attr(0x80, 14, '0002 01 10 20010db8000000000000000000000001 00') + attr(0x80, 14, '0002 01 10 20010db8000000000000000000000001 00'), ''), 3, 1],
    ['MP_REACH_NLRI next hop of 5 octets for IPv6', update('', ORIGIN + AS_PATH + attr(0x80, 14, '0002 01 05 2001db8000 00 2020010db8'), ''), 3, 9],
    ['MP_REACH_NLRI next hop past the attribute', update('', ORIGIN + AS_PATH + attr(0x80, 14, '0002 01 20 2001'), ''), 3, 9],
    // RFC 4760 7: NLRI errors inside MP_REACH/MP_UNREACH are Optional Attribute Errors.
    ['MP_REACH_NLRI IPv6 prefix length 129', update('', ORIGIN + AS_PATH + attr(0x80, 14, '0002 01 10 20010db8000000000000000000000001 00 81'), ''), 3, 9],
    ['MP_REACH_NLRI NLRI running past the attribute', update('', ORIGIN + AS_PATH + attr(0x80, 14, '0002 01 10 20010db8000000000000000000000001 00 30 2001'), ''), 3, 9],
    ['MP_UNREACH_NLRI IPv6 prefix length 130', update('', attr(0x80, 15, '0002 01 82'), ''), 3, 9],
    ['MP_REACH_NLRI with transitive flags', update('', ORIGIN + AS_PATH + attr(0xc0, 14, '0002 01 10 20010db8000000000000000000000001 00'), ''), 3, 4],
    ['MP_UNREACH_NLRI shorter than AFI/SAFI', update('', attr(0x80, 15, '0002'), ''), 3, 9],
  ];
  for (const [name, bytes, code, subcode] of cases) throwsProtocolError(t, () => decode(bytes), code, subcode, name);
});

t.test('RFC 7606 outcomes that keep the session', async (t) => {
  const cases: [string, Buffer, string, number, number][] = [
    ['ORIGIN twice: later copies discarded', update('', MANDATORY + attr(0x40, 1, '02'), NLRI), 'attribute-discard', 1, 1],
    ['ORIGIN value 3', update('', attr(0x40, 1, '03') + AS_PATH + NEXT_HOP, NLRI), 'treat-as-withdraw', 1, 6],
    ['ORIGIN marked optional', update('', attr(0xc0, 1, '00') + AS_PATH + NEXT_HOP, NLRI), 'treat-as-withdraw', 1, 4],
    ['AS_PATH segment type 5', update('', ORIGIN + attr(0x40, 2, '0501 0000fde9') + NEXT_HOP, NLRI), 'treat-as-withdraw', 2, 11],
    ['AS_PATH segment with zero ASNs', update('', ORIGIN + attr(0x40, 2, '0200') + NEXT_HOP, NLRI), 'treat-as-withdraw', 2, 11],
    ['AS_PATH segment running past the attribute', update('', ORIGIN + attr(0x40, 2, '0203 0000fde9') + NEXT_HOP, NLRI), 'treat-as-withdraw', 2, 11],
    ['NEXT_HOP of 5 octets', update('', ORIGIN + AS_PATH + attr(0x40, 3, 'c000020101'), NLRI), 'treat-as-withdraw', 3, 5],
    ['MULTI_EXIT_DISC of 3 octets', update('', MANDATORY + attr(0x80, 4, '000001'), NLRI), 'treat-as-withdraw', 4, 5],
    ['LOCAL_PREF of 2 octets', update('', MANDATORY + attr(0x40, 5, '0064'), NLRI), 'treat-as-withdraw', 5, 5],
    ['ATOMIC_AGGREGATE with a value', update('', MANDATORY + attr(0x40, 6, '01'), NLRI), 'attribute-discard', 6, 5],
    ['AGGREGATOR of 7 octets', update('', MANDATORY + attr(0xc0, 7, '0000fde9c00002'), NLRI), 'attribute-discard', 7, 5],
    ['COMMUNITIES of 5 octets', update('', MANDATORY + attr(0xc0, 8, 'fde9006401'), NLRI), 'treat-as-withdraw', 8, 9],
    ['COMMUNITIES empty', update('', MANDATORY + attr(0xc0, 8, ''), NLRI), 'treat-as-withdraw', 8, 9],
    ['ORIGINATOR_ID of 3 octets', update('', MANDATORY + attr(0x80, 9, '0a0000'), NLRI), 'treat-as-withdraw', 9, 5],
    ['CLUSTER_LIST of 6 octets', update('', MANDATORY + attr(0x80, 10, '0a0000010a00'), NLRI), 'treat-as-withdraw', 10, 9],
    ['EXTENDED_COMMUNITIES of 9 octets', update('', MANDATORY + attr(0xc0, 16, '0002fde90000000701'), NLRI), 'treat-as-withdraw', 16, 9],
    ['AS4_PATH malformed', update('', MANDATORY + attr(0xc0, 17, '0201'), NLRI), 'attribute-discard', 17, 11],
    ['ONLY_TO_CUSTOMER of 3 octets (RFC 9234 5)', update('', MANDATORY + attr(0xc0, 35, '00fde9'), NLRI), 'treat-as-withdraw', 35, 5],
    ['LARGE_COMMUNITIES of 13 octets', update('', MANDATORY + attr(0xc0, 32, '0000fde9000000010000000101'), NLRI), 'treat-as-withdraw', 32, 9],
    ['NEXT_HOP missing', update('', ORIGIN + AS_PATH, NLRI), 'treat-as-withdraw', 3, 3],
    ['AS_PATH missing', update('', ORIGIN + NEXT_HOP, NLRI), 'treat-as-withdraw', 2, 3],
    ['ORIGIN missing for MP_REACH', update('', AS_PATH + attr(0x80, 14, '0002 01 10 20010db8000000000000000000000001 00 2020010db8'), ''), 'treat-as-withdraw', 1, 3],
    ['attribute overrunning the attribute field', update('', MANDATORY + '40050400', NLRI), 'treat-as-withdraw', 0, 1],
    ['one octet left after the last attribute', update('', MANDATORY + '40', NLRI), 'treat-as-withdraw', 0, 1],
  ];
  for (const [name, bytes, action, attrType, subcode] of cases) {
    const m = decodeUpdate(bytes);
    t.equal(m.action, action, `${name}: ${action}`);
    t.ok(m.errors?.some((e) => e.attrType === attrType && e.subcode === subcode), `${name}: attribute ${attrType}, subcode ${subcode}`);
    t.equal(m.nlri.words.length > 0 || (m.mpReach?.nlri?.words.length ?? 0) > 0, true, `${name}: NLRI still located`);
  }
  const dup = decodeUpdate(update('', MANDATORY + attr(0x40, 1, '02'), NLRI));
  t.equal(dup.attributes?.origin, 0, 'the first ORIGIN is kept');
  const agg = decodeUpdate(update('', MANDATORY + attr(0xc0, 7, '0000fde9c00002'), NLRI));
  t.equal(agg.attributes?.aggregator, undefined, 'a malformed AGGREGATOR is discarded');
  t.same(agg.attributes?.asPath, asSequence(65001), 'the other attributes are kept');
});

t.test('clean UPDATEs carry no errors', async (t) => {
  t.equal(decodeUpdate(update('', MANDATORY, NLRI)).errors, undefined, 'all mandatory attributes present');
  t.equal(decodeUpdate(update('180a0000', '', '')).errors, undefined, 'a pure withdrawal needs no attributes');
  const u = decodeUpdate(update('', MANDATORY + attr(0xc0, 99, 'abcd') + attr(0x80, 100, '01'), NLRI));
  t.same(u.attributes?.unknown?.map((a) => [a.type, a.flags, a.value.toString('hex')]), [[99, 0xc0, 'abcd'], [100, 0x80, '01']], 'unknown optional attributes are kept as received');
  const [a, b] = u.attributes!.unknown!;
  t.equal(a.value.buffer.byteLength, CHUNK_OCTETS, 'kept in a chunk of kept octets, not a slab of the shared pool');
  t.equal(b.value.buffer, a.value.buffer);
});

t.test('OPEN errors', async (t) => {
  const base = (v: string, as: string, hold: string, id: string, opt: string) => msg(1, v + as + hold + id + opt);
  throwsProtocolError(t, () => decode(base('03', 'fde9', '00b4', '0a000001', '00')), 2, 1, 'version 3: largest supported version as data', '0004');
  throwsProtocolError(t, () => decode(base('04', 'fde9', '0001', '0a000001', '00')), 2, 6, 'hold time 1');
  throwsProtocolError(t, () => decode(base('04', 'fde9', '0002', '0a000001', '00')), 2, 6, 'hold time 2');
  throwsProtocolError(t, () => decode(base('04', 'fde9', '00b4', '00000000', '00')), 2, 3, 'BGP identifier 0');
  throwsProtocolError(t, () => decode(base('04', 'fde9', '00b4', '0a000001', '03 010100')), 2, 4, 'optional parameter type 1');
  throwsProtocolError(t, () => decode(base('04', 'fde9', '00b4', '0a000001', '08 0206 01040001')), 2, 0, 'optional parameter runs past the field');
  throwsProtocolError(t, () => decode(base('04', 'fde9', '00b4', '0a000001', '05 0203 010100')), 2, 0, 'multiprotocol capability of 1 octet');
  throwsProtocolError(t, () => decode(base('04', 'fde9', '00b4', '0a000001', '06 0204 01040001')), 2, 0, 'capability length past the parameter');
  const ext = decode(base('04', 'fde9', '00b4', '0a000001', 'ff ff 0009 02 0006 0104 00010001'));
  t.same(ext, { type: 'open', version: 4, myAs: 65001, holdTime: 180, bgpId: 0x0a000001, params: [[{ type: 'multiprotocol', afi: 1, safi: 1 }]], extendedParams: true }, 'RFC 9072 extended optional parameters');
});

t.test('NOTIFICATION and ROUTE-REFRESH', async (t) => {
  const n = decode(msg(3, '0602 05 68656c6c6f')) as NotificationMessage;
  t.equal(shutdownCommunication(n), 'hello', 'RFC 9003 shutdown communication');
  const junk = decode(msg(3, '0602 ff 6869')) as NotificationMessage;
  t.equal(shutdownCommunication(junk), undefined, 'a length past the data is ignored, the NOTIFICATION still decodes');
  const badUtf8 = decode(msg(3, '0604 02 c328')) as NotificationMessage;
  t.equal(shutdownCommunication(badUtf8), undefined, 'invalid UTF-8 is ignored');
  t.same(decode(msg(5, '0002 01 01')), { type: 'route-refresh', afi: 2, safi: 1, subtype: 1 }, 'BoRR');
  throwsProtocolError(t, () => decode(msg(5, '0002 00 01 00')), 7, 1, 'ROUTE-REFRESH of 24 octets');
  throwsProtocolError(t, () => decode(msg(3, '06')), 1, 2, 'NOTIFICATION without a subcode');
});
