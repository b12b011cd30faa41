// UPDATEs encoded once for every peer sent the same prefixes behind the same form: on random
// calls (fast-check) the memo's answer is always what encoding afresh gives, and the same octets
// only for the same inputs; a form is kept once a second peer asks for it, never one with each
// receiver's own next hop; what it keeps stays within its bounds and outside Node's shared buffer
// pool; a reflector's clients of one group are sent one encoding.
import t from 'tap';
import fc from 'fast-check';
import { type ExportPeer, Rib, addressOctets } from '../../src/rib/index.js';
import { MEMO_FORMS, MEMO_OCTETS, type Memoized, UpdateMemo } from '../../src/rib/update-memo.js';
import {
  Afi, CHUNK_OCTETS, type MpNextHop, type NlriBlock, decodeMessage, encodeAnnouncements, encodePathAttributes, makeContext, nlriFrom, nlriToText, asPathFrom
} from '../../src/wire/index.js';

const standard = makeContext();
const extended = makeContext({ extendedMessage: true });
const attrsA = encodePathAttributes({ origin: 0, asPath: asPathFrom([{ type: 2, asns: [65001] }]), nextHop: 0x0a000001 }, standard);
/** The same octets as attrsA in memory of their own (a peer's rewritten NEXT_HOP that came out the same). */
const attrsA2 = Buffer.from(attrsA);
const attrsB = encodePathAttributes({ origin: 0, asPath: asPathFrom([{ type: 2, asns: [65001] }]), nextHop: 0x0a000002 }, standard);
const v4 = (...prefixes: number[][]): NlriBlock => nlriFrom(Afi.IPV4, false, prefixes.map(([a, l]) => [0, l, a]));
const blocks = [
  v4([0x0a010000, 24], [0x0a020000, 24]),
  v4([0x0a010000, 24], [0x0a020000, 24]), // equal words, another array
  v4([0x0a010000, 24], [0x0a030000, 24]),
  v4([0x0a010000, 24]),
  nlriFrom(Afi.IPV4, true, [[7, 24, 0x0a010000], [7, 24, 0x0a020000]]), // ADD-PATH ids
  nlriFrom(Afi.IPV6, false, [[0, 48, 0x20010db8, 0x00010000, 0, 0]]),
];
const hop = (last: number) => Buffer.from(`20010db8000000000000000000000${last.toString(16).padStart(3, '0')}`, 'hex');
const mps: (MpNextHop | undefined)[] = [undefined, { safi: 1, nextHop: hop(1) }, { safi: 1, nextHop: hop(1) }, { safi: 1, nextHop: hop(2) }, { safi: 2, nextHop: hop(1) }];

t.test('on random calls the answer is always what encoding afresh gives, and kept octets are reused only for the same inputs', async (t) => {
  fc.assert(fc.property(fc.array(fc.record({
    form: fc.nat(2), reader: fc.nat(2), attrs: fc.constantFrom(attrsA, attrsA2, attrsB), block: fc.nat(blocks.length - 1), ext: fc.boolean(), mp: fc.nat(mps.length - 1),
  }), { maxLength: 40 }), (calls) => {
    const memo = new UpdateMemo();
    const forms: Memoized[] = [{}, {}, {}];
    const last = new Map<Memoized, { key: string; out: readonly Buffer[] }>();
    for (const c of calls) {
      const nlri = blocks[c.block];
      // IPv6 prefixes travel in MP_REACH_NLRI: always with a next hop.
      const mp = nlri.afi === Afi.IPV6 ? (mps[c.mp] ?? mps[1]) : mps[c.mp];
      const ctx = c.ext ? extended : standard;
      const kept = forms[c.form].encoded?.messages;
      const out = memo.encode(forms[c.form], c.reader, c.attrs, nlri, ctx, mp);
      const fresh = encodeAnnouncements(c.attrs, nlri, ctx, mp);
      if (!Buffer.concat(out).equals(Buffer.concat(fresh))) return false;
      // Equal inputs by content (equal octets, words, next hops) to a kept encoding: the same
      // messages again; other inputs: never them.
      const key = [c.attrs.toString('hex'), nlri.afi, nlri.addPath, [...nlri.words].join(','), c.ext, mp?.safi, mp?.nextHop.toString('hex')].join('|');
      const before = last.get(forms[c.form]);
      if (before && kept === before.out && (before.key === key) !== (before.out === out)) return false;
      if (before && before.key !== key && before.out === out) return false;
      last.set(forms[c.form], { key, out });
    }
    return true;
  }), { numRuns: 500 });
});

t.test('kept encodings: at most MEMO_FORMS forms and MEMO_OCTETS octets, oldest first out, none longer than a message, none in the shared pool', async (t) => {
  const memo = new UpdateMemo();
  const forms: Memoized[] = Array.from({ length: MEMO_FORMS + 1 }, () => ({}));
  for (const f of forms) for (const reader of [1, 2]) memo.encode(f, reader, attrsA, blocks[0], standard);
  t.equal(memo.size, MEMO_FORMS);
  t.equal(forms[0].encoded, undefined, 'the oldest went');
  t.ok(forms[1].encoded && forms[MEMO_FORMS].encoded, 'the rest kept');
  t.equal(forms[1].encoded!.messages[0].buffer.byteLength, CHUNK_OCTETS, 'kept in memory of its own (a chunk of kept octets)');

  // 4,043 octets each (1,000 /24s): 2 MiB hold 518.
  const big = v4(...Array.from({ length: 1000 }, (_, i) => [0x0b000000 + i * 256, 24]));
  const many = new UpdateMemo();
  const bigForms: Memoized[] = Array.from({ length: 600 }, () => ({}));
  for (const f of bigForms) for (const reader of [1, 2]) many.encode(f, reader, attrsA, big, standard);
  t.ok(many.octets <= MEMO_OCTETS, `${many.octets} octets kept`);
  t.ok(many.size < 600 && many.size > 400, `${many.size} forms kept`);
  t.equal(bigForms[0].encoded, undefined);
  t.ok(bigForms[599].encoded);

  const huge = v4(...Array.from({ length: 1100 }, (_, i) => [0x0c000000 + i * 256, 24]));
  const f: Memoized = {};
  memo.encode(f, 1, attrsA, huge, standard);
  const out = memo.encode(f, 2, attrsA, huge, standard);
  t.equal(out.length, 2, 'two messages');
  t.equal(f.encoded, undefined, 'not kept');
});

t.test('a form is kept once a second peer asks for it; one with each receiver\'s own next hop never', async (t) => {
  const memo = new UpdateMemo();
  const f: Memoized = {};
  const first = memo.encode(f, 1, attrsA, blocks[0], standard);
  t.not(memo.encode(f, 1, attrsA, blocks[0], standard), first, 'asked again by the same peer: encoded again');
  t.equal(f.encoded, undefined, 'nothing kept for one peer');
  const second = memo.encode(f, 2, attrsA, blocks[0], standard);
  t.ok(f.encoded, 'kept once another peer asks');
  t.equal(memo.encode(f, 3, attrsA, blocks[0], standard), second, 'the third gets the same messages');
  t.equal(memo.encode(f, 1, attrsA, blocks[0], standard), second, 'and so does the first now');
  const own: Memoized = { selfNextHopAt: 12 };
  for (const reader of [1, 2, 3]) memo.encode(own, reader, attrsA, blocks[0], standard);
  t.equal(own.encoded, undefined, 'a form with the receiver\'s own next hop is never kept');
});

const ctx = makeContext();
const client = (index: number): ExportPeer => ({
  index, address: `10.0.0.${index}`, addressOctets: addressOctets(`10.0.0.${index}`), asn: 65000, bgpId: index, ibgp: true, local: false, rrClient: true,
  localAs: 65000, routerId: 0x0a000001, clusterId: 0x0a000001, localIpv4: 0x0a000001, localIpv6: undefined, nextHopSelf: false, tx: ctx, groupKey: 'clients',
});

/** A reflector with clients 1-4 of one export group up, each's End-of-RIB sent; what each is sent from then on. */
function reflector() {
  const rib = new Rib({ localAs: 65000, routerId: 0x0a000001 });
  const sent = new Map<number, Buffer[]>();
  for (const i of [1, 2, 3, 4]) {
    sent.set(i, []);
    rib.peerUp(client(i), { allowasIn: 0, localIpv4: 0x0a000001 }, [0x101], (msgs) => {
      sent.get(i)!.push(...msgs);
      return true;
    });
  }
  rib.flushAll();
  for (const i of [1, 2, 3, 4]) sent.set(i, []); // End-of-RIB
  return { rib, sent };
}

/** What client 1 announces (a reflected route's attributes). */
const fromClient = { origin: 0, asPath: [], nextHop: 0x0a000063, localPref: 100 } as never;

t.test("a reflector's clients of one export group are sent one encoding of another client's routes", async (t) => {
  const { rib, sent } = reflector();
  rib.applyUpdate(1, { type: 'update', withdrawn: nlriFrom(1, false, []), attributes: fromClient, nlri: nlriFrom(1, false, [[0, 26, 0x0af40000], [0, 26, 0x0af40040]]) });
  rib.flushAll();
  const [two, three, four] = [2, 3, 4].map((i) => sent.get(i)!);
  t.equal(two.length, 1);
  t.same(three[0], two[0], 'the same octets');
  t.equal(four[0], three[0], 'kept once the second client asked, and sent again as they are');
  t.same(sent.get(1), [], 'not back to the client it came from');
});

t.test('a client due other prefixes behind the same form than the kept encoding gets its own, not the kept octets', async (t) => {
  const { rib, sent } = reflector();
  const none = nlriFrom(Afi.IPV4, false, []);
  const [p1, p2] = [[0, 26, 0x0af40000], [0, 26, 0x0af40040]];
  rib.applyUpdate(1, { type: 'update', withdrawn: none, attributes: fromClient, nlri: nlriFrom(Afi.IPV4, false, [p1]) });
  rib.flush(2);
  rib.flush(3); // the second client: its encoding of 10.244.0.0/26 is kept
  // Client 4 has not been sent it when it is replaced by 10.244.0.64/26 behind the same attributes:
  // one prefix, as in the kept encoding, but another.
  rib.applyUpdate(1, { type: 'update', withdrawn: nlriFrom(Afi.IPV4, false, [p1]), attributes: fromClient, nlri: nlriFrom(Afi.IPV4, false, [p2]) });
  rib.flush(4);
  const prefixes = (i: number) => sent.get(i)!.map((m) => decodeMessage(m, ctx)).flatMap((m) => (m.type === 'update' ? (nlriToText(m.nlri) as string[]) : []));
  t.same(prefixes(4), ['10.244.0.64/26'], 'its own prefix');
  t.same(prefixes(3), ['10.244.0.0/26'], 'the others had the first');
});

t.test('a kept encoding keeps its own copy of the block: a caller reusing its words (a flush step) is not answered with stale messages', async (t) => {
  const memo = new UpdateMemo();
  const form: Memoized = {};
  const scratch = new Uint32Array(blocks[0].words);
  const block: NlriBlock = { afi: Afi.IPV4, addPath: false, words: scratch };
  memo.encode(form, 1, attrsA, block, standard);
  const kept = memo.encode(form, 2, attrsA, block, standard);
  t.ok(form.encoded, 'kept once a second peer asked');
  // The caller writes the next group's prefixes into the same words.
  scratch.set(blocks[2].words);
  const next = memo.encode(form, 3, attrsA, block, standard);
  t.not(next, kept, 'not the messages kept for the old prefixes');
  t.same(nlriToText(decodeOnly(next)), ['10.1.0.0/24', '10.3.0.0/24']);
});

function decodeOnly(messages: readonly Buffer[]): NlriBlock {
  t.equal(messages.length, 1);
  const m = decodeMessage(messages[0], standard);
  if (m.type !== 'update') throw new Error('not an UPDATE');
  return m.nlri;
}
