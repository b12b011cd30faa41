// What the renderer needs to know about the node it runs on, gathered as the init container sees
// it: the downward API's environment (NODE_NAME, NODE_IPS or NODE_IP), the Node object from the
// Kubernetes API (pod CIDRs, annotations) with the pod's service account, the Secret's password
// (BGP_PASSWORD), and the node's default gateways (`ip -j route`, hostNetwork).

import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { isIPv4, isIPv6 } from 'node:net';
import { RenderError, type NodeFacts } from './render.js';

const SA = '/var/run/secrets/kubernetes.io/serviceaccount';

export interface KubeAccess {
  /** https://host:port; default from KUBERNETES_SERVICE_HOST/PORT (in-cluster). */
  readonly server?: string;
  readonly tokenFile?: string;
  readonly caFile?: string;
}

interface NodeObject {
  readonly metadata?: { readonly annotations?: Record<string, string> };
  readonly spec?: { readonly podCIDR?: string; readonly podCIDRs?: readonly string[] };
}

/** GET /api/v1/nodes/NAME with the service account's token, trusting the cluster CA. */
export async function fetchNode(name: string, k: KubeAccess = {}): Promise<NodeObject> {
  const host = process.env.KUBERNETES_SERVICE_HOST;
  const server = k.server ?? (host ? `https://${host.includes(':') ? `[${host}]` : host}:${process.env.KUBERNETES_SERVICE_PORT ?? 443}` : undefined);
  if (!server) throw new RenderError('no Kubernetes API server: not in a pod (KUBERNETES_SERVICE_HOST unset) and no --api-server');
  let token: string;
  let ca: Buffer;
  try {
    token = readFileSync(k.tokenFile ?? `${SA}/token`, 'utf8').trim();
    ca = readFileSync(k.caFile ?? `${SA}/ca.crt`);
  } catch (e) {
    throw new RenderError(`cannot read the service account's credentials: ${(e as Error).message}`);
  }
  const url = new URL(`/api/v1/nodes/${encodeURIComponent(name)}`, server);
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { authorization: `Bearer ${token}`, accept: 'application/json' }, ca, timeout: 10_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (body += d));
      res.on('end', () => {
        if (res.statusCode !== 200) return reject(new RenderError(`GET ${url.pathname}: HTTP ${res.statusCode}${res.statusCode === 403 ? ' (the service account needs get on nodes: see the ClusterRole in daemonset.yaml)' : ''}`));
        try {
          resolve(JSON.parse(body) as NodeObject);
        } catch {
          reject(new RenderError(`GET ${url.pathname}: not JSON`));
        }
      });
    });
    req.on('timeout', () => req.destroy(new RenderError(`GET ${url.pathname}: no answer in 10 s`)));
    req.on('error', (e) => reject(e instanceof RenderError ? e : new RenderError(`GET ${url.pathname}: ${e.message}`)));
    req.end();
  });
}

/** The gateways of the node's default routes, IPv4 and IPv6 (ECMP routes give several). */
export function defaultGateways(): string[] {
  const out: string[] = [];
  for (const family of ['-4', '-6']) {
    const r = spawnSync('ip', ['-j', family, 'route', 'show', 'default'], { encoding: 'utf8' });
    if (r.status !== 0) continue;
    for (const route of JSON.parse(r.stdout || '[]') as { gateway?: string; nexthops?: { gateway?: string }[] }[]) {
      for (const g of [route.gateway, ...(route.nexthops ?? []).map((n) => n.gateway)]) if (g && !out.includes(g)) out.push(g);
    }
  }
  return out;
}

/** The facts of the node this runs on (see the module header). */
export async function nodeFacts(env: NodeJS.ProcessEnv, k: KubeAccess = {}): Promise<NodeFacts> {
  const name = env.NODE_NAME;
  if (!name) throw new RenderError('NODE_NAME is not set (the downward API: fieldRef spec.nodeName)');
  const ips = (env.NODE_IPS ?? env.NODE_IP ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  const node = await fetchNode(name, k);
  const annotations = node.metadata?.annotations ?? {};
  const annotated = (annotations['nodebgp.io/peers'] ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  const bad = annotated.find((p) => !isIPv4(p) && !isIPv6(p));
  if (bad) throw new RenderError(`node ${name}: the annotation nodebgp.io/peers holds "${bad}", which is not an address`);
  const spec = node.spec ?? {};
  return {
    name,
    ...(ips.find((a) => isIPv4(a)) ? { ipv4: ips.find((a) => isIPv4(a))! } : {}),
    ...(ips.find((a) => isIPv6(a)) ? { ipv6: ips.find((a) => isIPv6(a))! } : {}),
    podCidrs: spec.podCIDRs?.length ? spec.podCIDRs : spec.podCIDR ? [spec.podCIDR] : [],
    peers: annotated.length > 0 ? annotated : defaultGateways(),
    peersFrom: annotated.length > 0 ? 'annotation' : 'default gateways',
    ...(annotations['nodebgp.io/router-id'] ? { routerId: annotations['nodebgp.io/router-id'] } : {}),
    ...(env.BGP_PASSWORD ? { password: env.BGP_PASSWORD } : {}),
  };
}
