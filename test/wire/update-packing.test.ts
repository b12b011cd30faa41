// The UPDATE encoder packs as many prefixes as fit the negotiated size and splits the rest;
// interned attribute sets are shared between UPDATEs that carry the same octets.
import t from 'tap';
import {
  type UpdateMessage, Afi, AttributeCache, DEFAULT_CONTEXT, Framer, decodeMessage, encodeAnnouncements,
  encodePathAttributes, encodeUpdate, encodeWithdrawals, makeContext, nlriCount, nlriFrom, endOfRib, endOfRibMessage,
  mergeAs4Path, asPathLength, forPropagation, AttrFlag, asPathFrom
} from '../../src/wire/index.js';
import { MANDATORY, NLRI, update } from '../helpers/build.js';

const attrs = { origin: 0 as const, asPath: asPathFrom([{ type: 2 as const, asns: [64512, 64513] }]), nextHop: 0xc0000201, communities: [0xfde90064] };
const many = nlriFrom(Afi.IPV4, false, Array.from({ length: 5000 }, (_, i) => [0, 24, (0x0a000000 + (i << 8)) >>> 0]));

function decodeAll(msgs: Buffer[], ctx = DEFAULT_CONTEXT): UpdateMessage[] {
  return msgs.map((m) => decodeMessage(m, ctx) as UpdateMessage);
}

t.test('announcements are packed into messages of at most 4096 octets', async (t) => {
  const out = encodeAnnouncements(encodePathAttributes(attrs, DEFAULT_CONTEXT), many, DEFAULT_CONTEXT);
  t.ok(out.every((m) => m.length <= 4096), 'every message fits');
  t.ok(out.slice(0, -1).every((m) => m.length > 4096 - 4), 'all but the last are full');
  const back = decodeAll(out);
  t.equal(back.reduce((n, m) => n + nlriCount(m.nlri), 0), 5000, 'every prefix is carried once');
  t.same(back[0].attributes, attrs, 'the attributes are the same in every message');
  const ext = encodeAnnouncements(encodePathAttributes(attrs, DEFAULT_CONTEXT), many, makeContext({ extendedMessage: true }));
  t.equal(ext.length, 1, 'one RFC 8654 extended message holds 5000 /24s');
});

t.test('IPv6 announcements and withdrawals go in MP attributes', async (t) => {
  const v6 = nlriFrom(Afi.IPV6, false, Array.from({ length: 1000 }, (_, i) => [0, 64, 0x20010db8, i, 0, 0]));
  const nh = Buffer.from('20010db8000000000000000000000001', 'hex');
  const out = encodeAnnouncements(encodePathAttributes({ origin: 0, asPath: [] }, DEFAULT_CONTEXT), v6, DEFAULT_CONTEXT, { safi: 1, nextHop: nh });
  const back = decodeAll(out);
  t.ok(out.length > 1 && out.every((m) => m.length <= 4096), `${out.length} messages within 4096 octets`);
  t.equal(back.reduce((n, m) => n + nlriCount(m.mpReach!.nlri!), 0), 1000, 'every prefix carried');
  t.ok(back.every((m) => m.errors === undefined), 'no errors');
  const wd = decodeAll(encodeWithdrawals(v6, DEFAULT_CONTEXT));
  t.equal(wd.reduce((n, m) => n + nlriCount(m.mpUnreach!.withdrawn!), 0), 1000, 'withdrawals carried');
  const wd4 = decodeAll(encodeWithdrawals(many, DEFAULT_CONTEXT));
  t.equal(wd4.reduce((n, m) => n + nlriCount(m.withdrawn), 0), 5000, 'IPv4 withdrawals in Withdrawn Routes');
});

t.test('an oversized UPDATE is split: withdrawals first, then announcements', async (t) => {
  const msg: UpdateMessage = { type: 'update', withdrawn: many, attributes: attrs, nlri: many };
  const out = encodeUpdate(msg, DEFAULT_CONTEXT);
  const back = decodeAll(out);
  const firstAnnounce = back.findIndex((m) => nlriCount(m.nlri) > 0);
  t.ok(back.slice(0, firstAnnounce).every((m) => nlriCount(m.withdrawn) > 0 && m.attributes === null), 'withdrawal-only messages first');
  t.equal(back.reduce((n, m) => n + nlriCount(m.withdrawn), 0), 5000);
  t.equal(back.reduce((n, m) => n + nlriCount(m.nlri), 0), 5000);
});

t.test('End-of-RIB markers', async (t) => {
  const v4 = decodeMessage(endOfRibMessage(1, 1, DEFAULT_CONTEXT), DEFAULT_CONTEXT) as UpdateMessage;
  const v6 = decodeMessage(endOfRibMessage(2, 1, DEFAULT_CONTEXT), DEFAULT_CONTEXT) as UpdateMessage;
  t.equal(endOfRib(v4), 0x101);
  t.equal(endOfRib(v6), 0x201);
  t.equal(endOfRibMessage(1, 1, DEFAULT_CONTEXT).length, 23, 'IPv4 End-of-RIB is an empty UPDATE');
  t.equal(endOfRib(decodeMessage(update('', MANDATORY, NLRI), DEFAULT_CONTEXT) as UpdateMessage), undefined);
});

t.test('attribute sets are interned by their octets', async (t) => {
  const cache = new AttributeCache();
  const a = decodeMessage(update('', MANDATORY, NLRI), DEFAULT_CONTEXT, cache) as UpdateMessage;
  const b = decodeMessage(update('', MANDATORY, '180a0001'), DEFAULT_CONTEXT, cache) as UpdateMessage;
  t.equal(a.attributes, b.attributes, 'the same object for the same octets');
  t.equal(cache.hits, 1);
  const c = decodeMessage(update('', MANDATORY, NLRI), makeContext({ as4: false }), cache) as UpdateMessage;
  t.not(c.attributes, a.attributes, 'a 2-octet AS context does not share a 4-octet decode');
  const small = new AttributeCache(2);
  for (let i = 0; i < 5; i++) decodeMessage(update('', MANDATORY + `c0080400000${i}00`, NLRI), DEFAULT_CONTEXT, small);
  t.ok(small.size <= 2, 'the cache stays within its bound');
});

t.test('RFC 6793 AS4_PATH merge and path length', async (t) => {
  const two = { asPath: asPathFrom([{ type: 2 as const, asns: [65001, 23456, 23456] }]), as4Path: asPathFrom([{ type: 2 as const, asns: [4200000001, 4200000002] }]) };
  t.same(mergeAs4Path(two), asPathFrom([{ type: 2, asns: [65001] }, { type: 2, asns: [4200000001, 4200000002] }]));
  t.same(mergeAs4Path({ ...two, aggregator: { asn: 65001, address: 1 } }), two.asPath, 'ignored when AGGREGATOR has a real 2-octet AS');
  t.same(mergeAs4Path({ asPath: asPathFrom([{ type: 2 as const, asns: [1] }]), as4Path: asPathFrom([{ type: 2 as const, asns: [2, 3] }]) }), asPathFrom([{ type: 2, asns: [1] }]), 'ignored when longer than AS_PATH');
  t.equal(asPathLength(asPathFrom([{ type: 2, asns: [1, 2, 3] }, { type: 1, asns: [4, 5] }, { type: 3, asns: [6] }])), 4, 'AS_SET counts one, confederation segments none');
});

t.test('unknown attributes on propagation (RFC 4271 5)', async (t) => {
  const out = forPropagation({ origin: 0, unknown: [{ type: 99, flags: AttrFlag.OPTIONAL | AttrFlag.TRANSITIVE, value: Buffer.from('ab', 'hex') }, { type: 100, flags: AttrFlag.OPTIONAL, value: Buffer.alloc(1) }] });
  t.same(out.unknown?.map((u) => [u.type, u.flags]), [[99, 0xe0]], 'transitive kept with Partial, non-transitive dropped');
});

t.test('a framer and decoder agree on extended messages', async (t) => {
  const ctx = makeContext({ extendedMessage: true });
  const [big] = encodeAnnouncements(encodePathAttributes(attrs, ctx), many, ctx);
  t.ok(big.length > 4096);
  const f = new Framer(65535);
  t.equal(f.push(big).length, 1);
  t.equal(nlriCount((decodeMessage(big, ctx) as UpdateMessage).nlri), 5000);
});
