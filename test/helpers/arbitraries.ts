// fast-check generators for canonical BGP messages: what the decoder returns for what the encoder
// writes (attributes in canonical form, prefixes with no bits beyond their octets).
import fc from 'fast-check';
import {
  type BgpMessage, type Capability, type CodecContext, type NlriBlock, type PathAttributes, type UpdateMessage,
  Afi, AsPathSegmentType, type AsPathSegmentTypeCode, type AfiCode, type OriginCode, DESCRIPTORS, asPathFrom, stride,
} from '../../src/wire/index.js';

/** fc.record with ordinary prototypes, so generated messages compare strictly with decoded ones. */
function rec<T>(model: { [K in keyof T]: fc.Arbitrary<T[K]> }): fc.Arbitrary<T> {
  return fc.record(model, { noNullPrototype: true }) as fc.Arbitrary<T>;
}

const u8 = fc.integer({ min: 0, max: 0xff });
const u16 = fc.integer({ min: 0, max: 0xffff });
const u32 = fc.integer({ min: 0, max: 0xffffffff });

function maskToOctets(word: number, octetsInWord: number): number {
  if (octetsInWord >= 4) return word >>> 0;
  if (octetsInWord <= 0) return 0;
  return (word & (0xffffffff << (32 - 8 * octetsInWord))) >>> 0;
}

export function nlriArb(afi: AfiCode, addPath: boolean, maxCount: number): fc.Arbitrary<NlriBlock> {
  const width = afi === Afi.IPV4 ? 32 : 128;
  const words = afi === Afi.IPV4 ? 1 : 4;
  const entry = fc.tuple(addPath ? u32 : fc.constant(0), fc.integer({ min: 0, max: width }), fc.array(u32, { minLength: words, maxLength: words }))
    .map(([pathId, len, addr]) => {
      const octets = (len + 7) >>> 3;
      return [pathId, len, ...addr.map((w, i) => maskToOctets(w, octets - 4 * i))];
    });
  return fc.array(entry, { maxLength: maxCount }).map((entries) => {
    const st = stride(afi);
    const out = new Uint32Array(entries.length * st);
    entries.forEach((e, i) => out.set(e, i * st));
    return { afi, addPath, words: out };
  });
}

const segmentArb = (as4: boolean) =>
  rec({
    type: fc.constantFrom(...([AsPathSegmentType.AS_SET, AsPathSegmentType.AS_SEQUENCE, AsPathSegmentType.AS_CONFED_SEQUENCE, AsPathSegmentType.AS_CONFED_SET] as AsPathSegmentTypeCode[])),
    asns: fc.array(as4 ? u32 : u16, { minLength: 1, maxLength: 8 }),
  });

const KNOWN_TYPES = new Set<number>([...DESCRIPTORS.map((d) => d.type), 14, 15]);
const unknownArb = fc
  .uniqueArray(
    rec({
      type: fc.integer({ min: 1, max: 254 }).filter((t) => !KNOWN_TYPES.has(t)),
      flags: fc.constantFrom(0x80, 0xc0, 0xe0),
      value: fc.uint8Array({ maxLength: 40 }).map((a) => Buffer.from(a)),
    }),
    { selector: (u) => u.type, maxLength: 3 },
  )
  .map((list) => [...list].sort((a, b) => a.type - b.type));

export function attributesArb(as4: boolean, mandatory: boolean): fc.Arbitrary<PathAttributes> {
  const opt = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });
  const always = <T>(a: fc.Arbitrary<T>) => (mandatory ? a : opt(a));
  return fc
    .record({
      origin: always(fc.constantFrom<OriginCode>(0, 1, 2)),
      asPath: always(fc.array(segmentArb(as4), { maxLength: 4 }).map(asPathFrom)),
      nextHop: always(u32),
      med: opt(u32),
      localPref: opt(u32),
      atomicAggregate: opt(fc.constant(true as const)),
      aggregator: opt(rec({ asn: as4 ? u32 : u16, address: u32 })),
      communities: opt(fc.array(u32, { minLength: 1, maxLength: 6 })),
      originatorId: opt(u32),
      clusterList: opt(fc.array(u32, { minLength: 1, maxLength: 4 })),
      extendedCommunities: opt(fc.array(fc.tuple(u32, u32), { minLength: 1, maxLength: 4 })),
      as4Path: opt(fc.array(segmentArb(true), { maxLength: 3 }).map(asPathFrom)),
      as4Aggregator: opt(rec({ asn: u32, address: u32 })),
      largeCommunities: opt(fc.array(fc.tuple(u32, u32, u32), { minLength: 1, maxLength: 4 })),
      unknown: opt(unknownArb.filter((l) => l.length > 0)),
    })
    .map((a) => Object.fromEntries(Object.entries(a).filter(([, v]) => v !== undefined)) as PathAttributes)
    .filter((a) => Object.keys(a).length > 0);
}

const nextHopArb = (afi: AfiCode) =>
  fc.uint8Array({ minLength: 32, maxLength: 32 }).chain((b) =>
    fc.constantFrom(...(afi === Afi.IPV4 ? [4, 16, 32] : [16, 32])).map((n) => Buffer.from(b.subarray(0, n))),
  );

export function updateArb(ctx: CodecContext): fc.Arbitrary<UpdateMessage> {
  const ap = (afi: number) => ctx.addPath.has((afi << 8) | 1);
  const announce = rec({
    withdrawn: nlriArb(Afi.IPV4, ap(1), 20),
    attributes: attributesArb(ctx.as4, true),
    nlri: nlriArb(Afi.IPV4, ap(1), 20),
    mp: fc.option(
      fc.constantFrom<AfiCode>(Afi.IPV4, Afi.IPV6).chain((afi) =>
        rec({ afi: fc.constant(afi), safi: fc.constant(1), nextHop: nextHopArb(afi), nlri: nlriArb(afi, ap(afi), 10) }),
      ),
      { nil: undefined },
    ),
  });
  const withdraw = rec({
    withdrawn: nlriArb(Afi.IPV4, ap(1), 30),
    mpUnreach: fc.option(
      fc.constantFrom<AfiCode>(Afi.IPV4, Afi.IPV6).chain((afi) => rec({ afi: fc.constant(afi), safi: fc.constant(1), withdrawn: nlriArb(afi, ap(afi), 10) })),
      { nil: undefined },
    ),
  });
  return fc.oneof(
    announce.map(({ withdrawn, attributes, nlri, mp }) => {
      const m: UpdateMessage = { type: 'update', withdrawn, attributes, nlri, ...(mp ? { mpReach: mp } : {}) };
      return m;
    }),
    withdraw.map(({ withdrawn, mpUnreach }) => {
      const m: UpdateMessage = { type: 'update', withdrawn, attributes: null, nlri: { afi: Afi.IPV4, addPath: ap(1), words: new Uint32Array(0) }, ...(mpUnreach ? { mpUnreach } : {}) };
      return m;
    }),
  );
}

const afiSafi = rec({ afi: u16, safi: u8 });
const KNOWN_CAPS = new Set([1, 2, 5, 6, 9, 64, 65, 69, 70, 71, 73, 128]);
const shortText = fc.string({ maxLength: 12 }).filter((s) => Buffer.byteLength(s) <= 255);

export const capabilityArb: fc.Arbitrary<Capability> = fc.oneof(
  afiSafi.map(({ afi, safi }) => ({ type: 'multiprotocol' as const, afi, safi })),
  fc.constantFrom(2 as const, 128 as const).map((code) => ({ type: 'route-refresh' as const, code })),
  fc.array(rec({ afi: u16, safi: u16, nextHopAfi: u16 }), { maxLength: 3 }).map((entries) => ({ type: 'extended-next-hop' as const, entries })),
  fc.constant({ type: 'extended-message' as const }),
  u8.map((role) => ({ type: 'role' as const, role })),
  rec({ flags: fc.integer({ min: 0, max: 15 }), restartTime: fc.integer({ min: 0, max: 4095 }), entries: fc.array(rec({ afi: u16, safi: u8, flags: u8 }), { maxLength: 3 }) })
    .map((g) => ({ type: 'graceful-restart' as const, ...g })),
  u32.map((asn) => ({ type: 'four-octet-as' as const, asn })),
  fc.array(rec({ afi: u16, safi: u8, sendReceive: fc.integer({ min: 1, max: 3 }) }), { maxLength: 3 }).map((entries) => ({ type: 'add-path' as const, entries })),
  fc.constant({ type: 'enhanced-route-refresh' as const }),
  fc.array(rec({ afi: u16, safi: u8, flags: u8, staleTime: fc.integer({ min: 0, max: 0xffffff }) }), { maxLength: 3 }).map((entries) => ({ type: 'long-lived-graceful-restart' as const, entries })),
  rec({ hostname: shortText, domain: shortText }).map((f) => ({ type: 'fqdn' as const, ...f })),
  rec({ code: u8.filter((c) => !KNOWN_CAPS.has(c)), value: fc.uint8Array({ maxLength: 10 }).map((a) => Buffer.from(a)) }).map((u) => ({ type: 'unknown' as const, ...u })),
);

export function messageArb(ctx: CodecContext): fc.Arbitrary<BgpMessage> {
  return fc.oneof(
    rec({
      myAs: u16,
      holdTime: fc.oneof(fc.constant(0), fc.integer({ min: 3, max: 0xffff })),
      bgpId: fc.integer({ min: 1, max: 0xffffffff }),
      params: fc.array(fc.array(capabilityArb, { minLength: 1, maxLength: 4 }), { maxLength: 3 }),
    }).map((o): BgpMessage => ({ type: 'open', version: 4, ...o })),
    updateArb(ctx),
    rec({ code: u8, subcode: u8, data: fc.uint8Array({ maxLength: 64 }).map((a) => Buffer.from(a)) }).map((n): BgpMessage => ({ type: 'notification', ...n })),
    fc.constant<BgpMessage>({ type: 'keepalive' }),
    rec({ afi: u16, safi: u8, subtype: u8 }).map((r): BgpMessage => ({ type: 'route-refresh', ...r })),
  );
}
