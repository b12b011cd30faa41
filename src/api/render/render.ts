// The per-node configuration of the DaemonSet: the cluster-wide base file (a ConfigMap) completed
// with what differs per node: router ID, listen and metrics addresses, the BGP peers (the node's
// ToRs: from an annotation, else its default gateways), the pod CIDRs to originate (IPv4, IPv6 or
// both), the TCP-MD5 password (from a Secret). Pure: the facts are gathered elsewhere (facts.ts).
// A node that cannot get a working configuration gets one line saying why.

import { isIPv4, isIPv6 } from 'node:net';
import { stringify } from 'yaml';
import { ConfigError, parseConfig } from '../../config/load.js';

export interface NodeFacts {
  readonly name: string;
  /** The node's addresses (status.hostIPs), at most one per family. */
  readonly ipv4?: string;
  readonly ipv6?: string;
  /** spec.podCIDRs (or spec.podCIDR): none, one per family. */
  readonly podCidrs: readonly string[];
  /** The ToRs: the annotation nodebgp.io/peers when set, else the default gateways. */
  readonly peers: readonly string[];
  /** Where the peers came from, for messages. */
  readonly peersFrom: 'annotation' | 'default gateways';
  /** The annotation nodebgp.io/router-id. */
  readonly routerId?: string;
  /** The TCP-MD5 password for the ToR sessions (a Secret, through the environment). */
  readonly password?: string;
}

export interface RenderOptions {
  /** The peer group of the base file the ToR neighbors join. */
  readonly peerGroup: string;
  /** Communities on the originated pod CIDRs. */
  readonly communities?: readonly string[];
}

export class RenderError extends Error {}

type Doc = Record<string, unknown>;

/** The node's configuration as YAML text, checked by the loader nodebgpd uses. Throws RenderError. */
export function renderNodeConfig(base: Doc, f: NodeFacts, o: RenderOptions): { text: string; notes: string[] } {
  const notes: string[] = [];
  const groups = (base.peerGroups ?? {}) as Record<string, Doc>;
  if (!groups[o.peerGroup]) throw new RenderError(`the base configuration has no peer group "${o.peerGroup}" for the ToR neighbors`);
  if (!f.ipv4 && !f.ipv6) throw new RenderError(`node ${f.name} has no address (status.hostIPs is empty)`);

  const routerId = (base.routerId as string | undefined) ?? f.routerId ?? f.ipv4 ?? routerIdFromIpv6(f.ipv6!);
  if (!f.ipv4 && !base.routerId && !f.routerId) notes.push(`node ${f.name} is IPv6-only: router ID ${routerId} from the last 32 bits of ${f.ipv6} (set the annotation nodebgp.io/router-id to choose it)`);

  const peers = f.peers.filter((p) => (isIPv4(p) && f.ipv4) || (isIPv6(p) && f.ipv6));
  if (f.peers.length === 0) {
    throw new RenderError(`node ${f.name} has no BGP peer: set the annotation nodebgp.io/peers (comma-separated ToR addresses), or give it a default route through its ToRs`);
  }
  const linkLocal = peers.find((p) => /^fe[89ab]/i.test(p));
  if (linkLocal) throw new RenderError(`node ${f.name}: the ToR address ${linkLocal} (from its ${f.peersFrom}) is link-local; set the annotation nodebgp.io/peers to the ToRs' global addresses`);
  if (peers.length === 0) throw new RenderError(`node ${f.name}: none of the peers ${f.peers.join(', ')} (from its ${f.peersFrom}) is of a family the node has an address in`);

  const podCidrs = f.podCidrs.filter((c) => c.trim() !== '');
  if (podCidrs.length === 0) notes.push(`node ${f.name} has no spec.podCIDR: it peers but originates no pod CIDR`);

  const group = { ...groups[o.peerGroup], ...(f.password ? { password: f.password } : {}) };
  const doc: Doc = {
    ...base,
    routerId,
    listen: base.listen ?? { addresses: [f.ipv4, f.ipv6].filter(Boolean) },
    metrics: { address: f.ipv4 ?? f.ipv6, ...(base.metrics as Doc | undefined) },
    peerGroups: { ...groups, [o.peerGroup]: group },
    neighbors: [
      ...((base.neighbors as Doc[] | undefined) ?? []),
      ...peers.map((address, i) => ({
        address,
        peerGroup: o.peerGroup,
        description: `tor-${i + 1}`,
        // Each session carries its own family (dual-stack: one IPv4 and one IPv6 session per ToR).
        addressFamilies: [isIPv6(address) ? 'ipv6-unicast' : 'ipv4-unicast'],
      })),
    ],
    originate: [
      ...((base.originate as Doc[] | undefined) ?? []),
      ...podCidrs.map((prefix) => ({ prefix, ...(o.communities?.length ? { communities: [...o.communities] } : {}) })),
    ],
  };
  const text = `# rendered for node ${f.name} by nodebgpd-render (peers from its ${f.peersFrom})\n${stringify(doc)}`;
  try {
    parseConfig(text, `node ${f.name}`);
  } catch (e) {
    if (e instanceof ConfigError) throw new RenderError(`the configuration rendered for node ${f.name} is not valid: ${e.problems.map((p) => `${p.key}: ${p.message}`).join('; ')}`);
    throw e;
  }
  return { text, notes };
}

/** A BGP identifier for an IPv6-only node: the last 32 bits of its address (never 0). */
export function routerIdFromIpv6(address: string): string {
  const groups = expandIpv6(address);
  const n = ((parseInt(groups[6], 16) << 16) | parseInt(groups[7], 16)) >>> 0 || 1;
  return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

function expandIpv6(a: string): string[] {
  const [head, tail] = a.split('%')[0].split('::');
  const h = head ? head.split(':') : [];
  const t = tail !== undefined && tail !== '' ? tail.split(':') : [];
  return tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
}
