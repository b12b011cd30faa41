// Our OPEN, and the checks of the peer's OPEN that need configuration (RFC 4271 6.2, RFC 6793 4,
// RFC 6286): peer AS, BGP identifier, hold time; then what the two OPENs negotiate for the session.
// Pure. Must not import rib, api, daemon, pino or prom-client.

import {
  AS_TRANS, Afi, BGP_VERSION, type Capability, type CodecContext, ErrorCode, OpenSubcode, type OpenMessage, Safi,
  type AfiSafiKey, afiSafiKey, capabilitiesOf, negotiateContexts, u16Data,
} from '../wire/index.js';
import type { ProtocolErrorInfo } from './types.js';

export interface AddPathConfig {
  readonly afi: number;
  readonly safi: number;
  /** RFC 7911: 1 receive, 2 send, 3 both. */
  readonly sendReceive: number;
}

/** What our side offers and expects, per neighbor. */
export interface OpenConfig {
  readonly localAs: number;
  readonly routerId: number;
  /** 'internal' and 'external' accept any AS of that kind (dynamic neighbors, Calico-style config). */
  readonly remoteAs: number | 'internal' | 'external';
  readonly holdTime: number;
  /** Configured keepalive interval; defaults to a third of the negotiated hold time. */
  readonly keepaliveTime?: number;
  /** Peers offering a hold time below this (and above 0) are refused with 2/6. */
  readonly minHoldTime: number;
  readonly afiSafis: readonly { readonly afi: number; readonly safi: number }[];
  readonly addPath?: readonly AddPathConfig[];
  /**
   * RFC 4724: `families` lists our AFI/SAFIs (we keep forwarding across a restart, so peers retain
   * our routes for them); `restarting` sets Restart State; `forwarding` the Forwarding State bits.
   */
  readonly gracefulRestart?: { readonly restartTime: number; readonly restarting?: boolean; readonly forwarding?: boolean; readonly families?: boolean };
  /** RFC 9494: the long-lived stale time we ask helpers to keep our routes for, past the restart time (0: no capability). */
  readonly longLivedStaleTime?: number;
  readonly extendedMessage: boolean;
  readonly extendedNextHop?: readonly { readonly afi: number; readonly safi: number; readonly nextHopAfi: number }[];
  readonly hostname?: string;
}

export interface PeerGracefulRestart {
  readonly restartTime: number;
  readonly restartState: boolean;
  /** RFC 8538 Notification extension: both sides sent the N bit. */
  readonly notification: boolean;
  readonly afiSafis: readonly { readonly key: AfiSafiKey; readonly forwarding: boolean }[];
}

export interface NegotiatedSession {
  readonly peerAs: number;
  readonly peerId: number;
  readonly ibgp: boolean;
  readonly holdTime: number;
  readonly keepaliveTime: number;
  /** AFI/SAFIs both sides announced (RFC 4760 8: IPv4 unicast when the peer sends no MP capability). */
  readonly afiSafis: readonly AfiSafiKey[];
  readonly as4: boolean;
  readonly extendedMessage: boolean;
  readonly routeRefresh: boolean;
  readonly enhancedRouteRefresh: boolean;
  readonly gracefulRestart?: PeerGracefulRestart;
  /**
   * RFC 9494, when both sides sent the capability: the peer's long-lived stale time per AFI/SAFI
   * key, lowered to ours (what a helper keeps its routes for once the restart time is over).
   */
  readonly longLivedStaleTime?: ReadonlyMap<number, number>;
  readonly hostname?: string;
  /** Codec contexts for what we send and what we receive. */
  readonly tx: CodecContext;
  readonly rx: CodecContext;
  readonly peerCapabilities: readonly Capability[];
}

export function buildOpen(cfg: OpenConfig): OpenMessage {
  const caps: Capability[] = cfg.afiSafis.map(({ afi, safi }) => ({ type: 'multiprotocol', afi, safi }));
  caps.push({ type: 'route-refresh', code: 2 }, { type: 'enhanced-route-refresh' });
  caps.push({ type: 'four-octet-as', asn: cfg.localAs });
  if (cfg.extendedMessage) caps.push({ type: 'extended-message' });
  if (cfg.addPath && cfg.addPath.length > 0) caps.push({ type: 'add-path', entries: cfg.addPath });
  if (cfg.extendedNextHop && cfg.extendedNextHop.length > 0) caps.push({ type: 'extended-next-hop', entries: cfg.extendedNextHop });
  if (cfg.gracefulRestart) {
    const gr = cfg.gracefulRestart;
    caps.push({
      type: 'graceful-restart',
      // RFC 4724 3: R (0x8) while restarting; RFC 8538 N (0x4): we support the Notification extension.
      flags: (gr.restarting ? 0x8 : 0) | 0x4,
      restartTime: gr.restartTime,
      entries: gr.forwarding || gr.families ? cfg.afiSafis.map(({ afi, safi }) => ({ afi, safi, flags: gr.forwarding ? 0x80 : 0 })) : [],
    });
  }
  if (cfg.longLivedStaleTime) {
    const staleTime = Math.min(cfg.longLivedStaleTime, 0xffffff);
    caps.push({ type: 'long-lived-graceful-restart', entries: cfg.afiSafis.map(({ afi, safi }) => ({ afi, safi, flags: cfg.gracefulRestart?.forwarding ? 0x80 : 0, staleTime })) });
  }
  if (cfg.hostname) caps.push({ type: 'fqdn', hostname: cfg.hostname.slice(0, 64), domain: '' });
  return {
    type: 'open',
    version: BGP_VERSION,
    myAs: cfg.localAs > 0xffff ? AS_TRANS : cfg.localAs,
    holdTime: cfg.holdTime,
    bgpId: cfg.routerId,
    params: [caps],
  };
}

function openError(subcode: number, data: Buffer = Buffer.alloc(0)): { ok: false; error: ProtocolErrorInfo } {
  return { ok: false, error: { code: ErrorCode.OPEN_MESSAGE, subcode, data } };
}

function find<T extends Capability['type']>(caps: readonly Capability[], type: T): Extract<Capability, { type: T }> | undefined {
  return caps.find((c) => c.type === type) as Extract<Capability, { type: T }> | undefined;
}

/** The AS a peer's OPEN announces (RFC 6793 4.2.1), or undefined when My AS contradicts the capability. */
export function announcedAs(open: OpenMessage): number | undefined {
  const cap = find(capabilitiesOf(open), 'four-octet-as');
  if (!cap) return open.myAs;
  if (open.myAs !== AS_TRANS && open.myAs !== cap.asn) return undefined;
  return cap.asn;
}

export function checkOpen(open: OpenMessage, ours: OpenMessage, cfg: OpenConfig): { ok: true; negotiated: NegotiatedSession } | { ok: false; error: ProtocolErrorInfo } {
  const peerAs = announcedAs(open);
  const asOk =
    peerAs !== undefined &&
    (cfg.remoteAs === 'internal' ? peerAs === cfg.localAs : cfg.remoteAs === 'external' ? peerAs !== cfg.localAs : peerAs === cfg.remoteAs);
  // RFC 4271 6.2: Bad Peer AS; the data carries the AS the peer announced, as 2 octets.
  if (!asOk || peerAs === undefined) return openError(OpenSubcode.BAD_PEER_AS, u16Data(open.myAs));
  const ibgp = peerAs === cfg.localAs;
  // RFC 6286 2.2: on iBGP the identifiers must differ.
  if (ibgp && open.bgpId === cfg.routerId) return openError(OpenSubcode.BAD_BGP_IDENTIFIER, Buffer.from([open.bgpId >>> 24, (open.bgpId >>> 16) & 255, (open.bgpId >>> 8) & 255, open.bgpId & 255]));
  if (open.holdTime !== 0 && open.holdTime < cfg.minHoldTime) return openError(OpenSubcode.UNACCEPTABLE_HOLD_TIME);

  const caps = capabilitiesOf(open);
  const holdTime = Math.min(open.holdTime, cfg.holdTime);
  const third = Math.floor(holdTime / 3);
  const keepaliveTime = holdTime === 0 ? 0 : Math.max(1, cfg.keepaliveTime ? Math.min(cfg.keepaliveTime, third) : third);
  const theirMp = caps.filter((c): c is Extract<Capability, { type: 'multiprotocol' }> => c.type === 'multiprotocol');
  const theirKeys = theirMp.length > 0 ? theirMp.map((c) => afiSafiKey(c.afi, c.safi)) : [afiSafiKey(Afi.IPV4, Safi.UNICAST)];
  const afiSafis = cfg.afiSafis.map((a) => afiSafiKey(a.afi, a.safi)).filter((k) => theirKeys.includes(k));
  const gr = find(caps, 'graceful-restart');
  const llgr = find(caps, 'long-lived-graceful-restart');
  const fqdn = find(caps, 'fqdn');
  const { tx, rx } = negotiateContexts(ours, open);
  return {
    ok: true,
    negotiated: {
      peerAs,
      peerId: open.bgpId,
      ibgp,
      holdTime,
      keepaliveTime,
      afiSafis,
      as4: tx.as4,
      extendedMessage: tx.extendedMessage,
      routeRefresh: caps.some((c) => c.type === 'route-refresh'),
      enhancedRouteRefresh: find(caps, 'enhanced-route-refresh') !== undefined,
      gracefulRestart: gr && {
        restartTime: gr.restartTime,
        restartState: (gr.flags & 0x8) !== 0,
        // RFC 8538: the N bit counts when both sides sent it (ours goes with every GR capability).
        notification: (gr.flags & 0x4) !== 0 && cfg.gracefulRestart !== undefined,
        afiSafis: gr.entries.map((e) => ({ key: afiSafiKey(e.afi, e.safi), forwarding: (e.flags & 0x80) !== 0 })),
      },
      ...(llgr && cfg.longLivedStaleTime ? { longLivedStaleTime: new Map(llgr.entries.filter((e) => e.staleTime > 0).map((e) => [afiSafiKey(e.afi, e.safi), Math.min(e.staleTime, cfg.longLivedStaleTime!)])) } : {}),
      hostname: fqdn?.hostname,
      tx,
      rx,
      peerCapabilities: caps,
    },
  };
}
