// The stable JSON view of decoded messages, read by `nodebgp decode`, the fixtures and later the
// API. Field names are a contract (README "JSON shape"): add fields, never rename them.
// Must not import anything outside src/wire.

import { AsPathSegmentType, ErrorCode, RouteRefreshSubtype } from './constants.js';
import type { Capability } from './capabilities.js';
import type { BgpMessage } from './messages.js';
import { shutdownCommunication } from './notification.js';
import { capabilitiesOf } from './open.js';
import type { Aggregator, AsPath, ExtendedCommunity, PathAttributes } from './attributes/types.js';
import { endOfRib } from './update.js';
import { asPathSegments } from './attributes/as-path.js';
import { afiSafiName, communityToString, ipv4ToString, nextHopToText, nlriToText } from './text.js';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json | undefined };

const ORIGIN_NAMES = ['igp', 'egp', 'incomplete'];
const SEGMENT_NAMES: Record<number, string> = {
  [AsPathSegmentType.AS_SET]: 'set',
  [AsPathSegmentType.AS_SEQUENCE]: 'sequence',
  [AsPathSegmentType.AS_CONFED_SEQUENCE]: 'confed-sequence',
  [AsPathSegmentType.AS_CONFED_SET]: 'confed-set',
};

function asPathJson(path: AsPath): Json {
  return asPathSegments(path).map((s) => ({ type: SEGMENT_NAMES[s.type], asns: [...s.asns] }));
}

function aggregatorJson(a: Aggregator): Json {
  return { asn: a.asn, address: ipv4ToString(a.address) };
}

/** RFC 4360 3, RFC 7153, draft-ietf-idr-link-bandwidth: the common extended communities by name. */
export function extendedCommunityJson([hi, lo]: ExtendedCommunity): { type: string; value?: string; hex: string } {
  const type = hi >>> 24;
  const subtype = (hi >>> 16) & 0xff;
  const hex = (hi.toString(16).padStart(8, '0') + lo.toString(16).padStart(8, '0'));
  const kind = subtype === 0x02 ? 'route-target' : subtype === 0x03 ? 'route-origin' : undefined;
  if (kind && (type === 0x00 || type === 0x40)) return { type: kind, value: `${hi & 0xffff}:${lo}`, hex };
  if (kind && (type === 0x01 || type === 0x41)) return { type: kind, value: `${ipv4ToString(((hi & 0xffff) << 16 | lo >>> 16) >>> 0)}:${lo & 0xffff}`, hex };
  if (kind && (type === 0x02 || type === 0x42)) return { type: kind, value: `${((hi & 0xffff) * 65536 + (lo >>> 16))}:${lo & 0xffff}`, hex };
  if ((type === 0x40 || type === 0x00) && subtype === 0x04) {
    const bytesPerSecond = new DataView(new Uint32Array([lo]).buffer).getFloat32(0, true);
    return { type: 'link-bandwidth', value: `${hi & 0xffff}:${Math.round(bytesPerSecond * 8)}`, hex };
  }
  return { type: 'unknown', hex };
}

export function attributesJson(a: PathAttributes): Json {
  return {
    origin: a.origin === undefined ? undefined : ORIGIN_NAMES[a.origin],
    asPath: a.asPath && asPathJson(a.asPath),
    nextHop: a.nextHop === undefined ? undefined : ipv4ToString(a.nextHop),
    med: a.med,
    localPref: a.localPref,
    atomicAggregate: a.atomicAggregate,
    aggregator: a.aggregator && aggregatorJson(a.aggregator),
    communities: a.communities?.map(communityToString),
    originatorId: a.originatorId === undefined ? undefined : ipv4ToString(a.originatorId),
    clusterList: a.clusterList?.map(ipv4ToString),
    extendedCommunities: a.extendedCommunities?.map(extendedCommunityJson),
    as4Path: a.as4Path && asPathJson(a.as4Path),
    as4Aggregator: a.as4Aggregator && aggregatorJson(a.as4Aggregator),
    largeCommunities: a.largeCommunities?.map(([g, l1, l2]) => `${g}:${l1}:${l2}`),
    onlyToCustomer: a.onlyToCustomer,
    unknown: a.unknown?.map((u) => ({ type: u.type, flags: u.flags, value: u.value.toString('hex') })),
  };
}

function afiSafiEntries<T extends { afi: number; safi: number }>(list: readonly T[], extra: (e: T) => Record<string, Json>): Json {
  return list.map((e) => ({ afi: e.afi, safi: e.safi, afiSafi: afiSafiName(e.afi, e.safi), ...extra(e) }));
}

export function capabilityJson(c: Capability): Json {
  switch (c.type) {
    case 'multiprotocol': return { type: c.type, afi: c.afi, safi: c.safi, afiSafi: afiSafiName(c.afi, c.safi) };
    case 'route-refresh': return { type: c.type, code: c.code };
    case 'extended-next-hop': return { type: c.type, entries: afiSafiEntries(c.entries, (e) => ({ nextHopAfi: e.nextHopAfi })) };
    case 'role': return { type: c.type, role: c.role };
    case 'graceful-restart':
      return {
        type: c.type, restartState: (c.flags & 0x8) !== 0, notification: (c.flags & 0x4) !== 0, flags: c.flags, restartTime: c.restartTime,
        entries: afiSafiEntries(c.entries, (e) => ({ forwardingState: (e.flags & 0x80) !== 0, flags: e.flags })),
      };
    case 'four-octet-as': return { type: c.type, asn: c.asn };
    case 'add-path':
      return { type: c.type, entries: afiSafiEntries(c.entries, (e) => ({ sendReceive: ['none', 'receive', 'send', 'both'][e.sendReceive] ?? e.sendReceive })) };
    case 'long-lived-graceful-restart':
      return { type: c.type, entries: afiSafiEntries(c.entries, (e) => ({ forwardingState: (e.flags & 0x80) !== 0, flags: e.flags, staleTime: e.staleTime })) };
    case 'fqdn': return { type: c.type, hostname: c.hostname, domain: c.domain };
    case 'unknown': return { type: c.type, code: c.code, value: c.value.toString('hex') };
    case 'extended-message':
    case 'enhanced-route-refresh':
      return { type: c.type };
  }
}

const SUBTYPE_NAMES: Record<number, string> = {
  [RouteRefreshSubtype.NORMAL]: 'normal',
  [RouteRefreshSubtype.BEGINNING_OF_ROUTE_REFRESH]: 'borr',
  [RouteRefreshSubtype.END_OF_ROUTE_REFRESH]: 'eorr',
};

export const ERROR_CODE_NAMES: Record<number, string> = {
  [ErrorCode.MESSAGE_HEADER]: 'message-header-error',
  [ErrorCode.OPEN_MESSAGE]: 'open-message-error',
  [ErrorCode.UPDATE_MESSAGE]: 'update-message-error',
  [ErrorCode.HOLD_TIMER_EXPIRED]: 'hold-timer-expired',
  [ErrorCode.FSM]: 'fsm-error',
  [ErrorCode.CEASE]: 'cease',
  [ErrorCode.ROUTE_REFRESH]: 'route-refresh-message-error',
};

export function messageJson(m: BgpMessage): Json {
  switch (m.type) {
    case 'open':
      return {
        type: 'open', version: m.version, myAs: m.myAs, holdTime: m.holdTime, bgpId: ipv4ToString(m.bgpId),
        extendedParams: m.extendedParams, capabilities: capabilitiesOf(m).map(capabilityJson),
      };
    case 'update': {
      const eor = endOfRib(m);
      return {
        type: 'update',
        withdrawn: nlriToText(m.withdrawn),
        attributes: m.attributes && attributesJson(m.attributes),
        nlri: nlriToText(m.nlri),
        mpReach: m.mpReach && {
          afi: m.mpReach.afi, safi: m.mpReach.safi, afiSafi: afiSafiName(m.mpReach.afi, m.mpReach.safi),
          nextHop: nextHopToText(m.mpReach.nextHop),
          nlri: m.mpReach.nlri ? nlriToText(m.mpReach.nlri) : undefined,
          rawNlri: m.mpReach.rawNlri?.toString('hex'),
        },
        mpUnreach: m.mpUnreach && {
          afi: m.mpUnreach.afi, safi: m.mpUnreach.safi, afiSafi: afiSafiName(m.mpUnreach.afi, m.mpUnreach.safi),
          withdrawn: m.mpUnreach.withdrawn ? nlriToText(m.mpUnreach.withdrawn) : undefined,
          rawNlri: m.mpUnreach.rawNlri?.toString('hex'),
        },
        endOfRib: eor === undefined ? undefined : afiSafiName(eor >>> 8, eor & 0xff),
        errors: m.errors?.map((e) => ({ action: e.action, attrType: e.attrType, code: e.code, subcode: e.subcode, reason: e.reason })),
        action: m.action,
      };
    }
    case 'notification':
      return {
        type: 'notification', code: m.code, subcode: m.subcode, codeName: ERROR_CODE_NAMES[m.code],
        data: m.data.toString('hex'), communication: shutdownCommunication(m),
      };
    case 'keepalive':
      return { type: 'keepalive' };
    case 'route-refresh':
      return { type: 'route-refresh', afi: m.afi, safi: m.safi, afiSafi: afiSafiName(m.afi, m.safi), subtype: SUBTYPE_NAMES[m.subtype] ?? m.subtype };
  }
}

/** JSON text with undefined fields dropped (JSON.stringify does that) and a fixed field order. */
export function messageToJsonText(m: BgpMessage): string {
  return JSON.stringify(messageJson(m));
}
