// The image and the DaemonSet as they run, without a container engine. From the Dockerfile: the
// numeric user, node and ip with their file capabilities, the entrypoint (lab/netns/image.mjs lays
// them out). From daemonset.yaml: the pod's user, each container's capability bounding set, the
// init container's command and arguments, the ConfigMap's base configuration. In a namespace
// standing for a dual-stack node with two FRR ToRs on its segment and an ECMP default route through
// them: the init step renders this node's configuration as UID 1000 (the Node object served over
// HTTPS with a bearer token, as the API server serves it; there is no Kubernetes API server here),
// then the entrypoint runs on it as UID 1000 with exactly NET_BIND_SERVICE and NET_ADMIN: sessions
// with both ToRs over IPv4 and IPv6 with TCP-MD5 from the "Secret", both pod CIDRs announced, the
// ToRs' routes in the kernel, metrics on the node address; a SIGTERM and a start again (a rollout)
// keep the kernel routes. Whatever only works as root fails here.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import t from 'tap';
import { parseAllDocuments } from 'yaml';
import { asContainer, dockerfileFacts, installImage } from '../../lab/netns/image.mjs';
import { ROOT } from '../helpers/fixtures.js';
import { bridge, createNamespace, destroyNamespace, inNs, uniquePrefix } from '../helpers/netns.js';
import { Frr, until } from '../helpers/peers.js';

const p = uniquePrefix('depl');
const N = `${p}n`;
const A = `${p}a`;
const B = `${p}b`;
const H = `${p}h`;
const work = mkdtempSync(join(tmpdir(), 'nodebgp-deployed-'));
// As a container's root filesystem: the pod's user can look inside (mkdtemp makes it 0700).
chmodSync(work, 0o755);
const PASSWORD = 'from-the-nodebgp-bgp-secret';

t.before(() => {
  for (const ns of [N, A, B, H]) createNamespace(ns);
  bridge(H, { ipv4: '10.98.0.254', ipv6: 'fd98::254' }, [
    { ns: N, ifname: 'eth0', ipv4: '10.98.0.10', ipv6: 'fd98::10' },
    { ns: A, ifname: 'eth0', ipv4: '10.98.0.2', ipv6: 'fd98::2' },
    { ns: B, ifname: 'eth0', ipv4: '10.98.0.3', ipv6: 'fd98::3' },
  ]);
  // The node's default routes through both ToRs (ECMP), as a dual-homed node has them.
  inNs(N, 'ip', ['route', 'add', 'default', 'nexthop', 'via', '10.98.0.2', 'nexthop', 'via', '10.98.0.3']);
  inNs(N, 'ip', ['-6', 'route', 'add', 'default', 'nexthop', 'via', 'fd98::2', 'nexthop', 'via', 'fd98::3']);
});
t.teardown(() => {
  for (const ns of [N, A, B, H]) destroyNamespace(ns);
  rmSync(work, { recursive: true, force: true });
});

const tor = (id: 2 | 3) => `frr defaults datacenter
hostname tor${id}
router bgp 6450${id}
 bgp router-id 10.98.0.${id}
 no bgp ebgp-requires-policy
 no bgp network import-check
 neighbor 10.98.0.10 remote-as 64512
 neighbor 10.98.0.10 password ${PASSWORD}
 neighbor 10.98.0.10 timers connect 1
 neighbor fd98::10 remote-as 64512
 neighbor fd98::10 password ${PASSWORD}
 neighbor fd98::10 timers connect 1
 address-family ipv4 unicast
  network 10.99.${id}.0/24
  no neighbor fd98::10 activate
 exit-address-family
 address-family ipv6 unicast
  network 2001:db8:${id}::/48
  neighbor fd98::10 activate
 exit-address-family
`;

/** The Node object as GET /api/v1/nodes/NAME returns it (the fields nodebgpd-render reads). */
const NODE = {
  kind: 'Node', apiVersion: 'v1',
  metadata: { name: 'worker-7', labels: { 'kubernetes.io/hostname': 'worker-7' }, annotations: {} },
  spec: { podCIDR: '10.244.7.0/24', podCIDRs: ['10.244.7.0/24', 'fd10:244:7::/64'] },
  status: { addresses: [{ type: 'InternalIP', address: '10.98.0.10' }, { type: 'InternalIP', address: 'fd98::10' }] },
};

/** An HTTPS endpoint in the node's namespace serving the Node object to the service account's token. */
function apiServer(): ChildProcess {
  const dir = join(work, 'api');
  mkdirSync(dir, { recursive: true });
  const r = spawnSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=kubernetes', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'ca.crt')], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  writeFileSync(join(dir, 'token'), 'service-account-token\n');
  writeFileSync(join(dir, 'node.json'), JSON.stringify(NODE));
  const script = `
    const { readFileSync } = require('fs');
    require('https').createServer({ key: readFileSync('${dir}/key.pem'), cert: readFileSync('${dir}/ca.crt') }, (req, res) => {
      if (req.headers.authorization !== 'Bearer service-account-token') return res.writeHead(401).end();
      if (req.url !== '/api/v1/nodes/worker-7') return res.writeHead(404).end('{}');
      res.writeHead(200, { 'content-type': 'application/json' }).end(readFileSync('${dir}/node.json'));
    }).listen(6443, '127.0.0.1');`;
  return spawn('ip', ['netns', 'exec', N, process.execPath, '-e', script], { stdio: 'ignore' });
}

const capsOf = (pid: number) => Object.fromEntries(readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').filter((l) => /^(Uid|Gid|CapEff|CapPrm|CapInh|CapAmb|CapBnd):/.test(l)).map((l) => l.split(/:\s+/)));

t.test('the DaemonSet pod, as it runs: render as UID 1000 with no capability, then the entrypoint with two', async (t) => {
  const facts = dockerfileFacts();
  t.same([facts.uid, facts.gid], [1000, 1000], 'the image runs as 1000:1000 (numeric USER)');
  t.same(facts.caps, { node: ['cap_net_bind_service', 'cap_net_admin', 'cap_net_raw'] }, 'file capabilities: node NET_BIND_SERVICE, NET_ADMIN and NET_RAW (unnumbered neighbors), nothing else');
  t.same(facts.capFlags, { node: 'p' }, 'permitted only: the daemon makes effective what it needs, and the image starts under any bounding set');
  const docs = parseAllDocuments(readFileSync(join(ROOT, 'deploy', 'kubernetes', 'daemonset.yaml'), 'utf8')).map((d) => d.toJS());
  const ds = docs.find((d) => d?.kind === 'DaemonSet').spec.template.spec;
  t.same([ds.securityContext.runAsUser, ds.securityContext.runAsGroup, ds.securityContext.runAsNonRoot], [facts.uid, facts.gid, true], 'the pod runs as the image\'s numeric user');
  const init = ds.initContainers[0];
  const main = ds.containers[0];
  t.notMatch(JSON.stringify(init), /kubectl|bitnami/, 'no third-party kubectl image: the init step is the nodebgp image');
  t.equal(init.image, main.image, 'the same image for both');
  const bounding = (c: { securityContext: { capabilities: { drop: string[]; add?: string[] } } }) => (c.securityContext.capabilities.drop.includes('ALL') ? c.securityContext.capabilities.add ?? [] : ['(not dropped)']);
  t.same(bounding(main), ['NET_BIND_SERVICE', 'NET_ADMIN'], 'the daemon gets NET_BIND_SERVICE and NET_ADMIN, nothing else (no NET_RAW: no interface neighbors here)');
  t.same(bounding(init), [], 'the render step gets no capability at all');
  t.notMatch(JSON.stringify(ds), /password:\s*\S|"password":"[^"]/, 'no password literal in the manifest');
  t.equal(init.env.find((e: { name: string }) => e.name === 'BGP_PASSWORD')?.valueFrom?.secretKeyRef?.name, 'nodebgp-bgp', 'the password comes from a Secret');
  const base = docs.find((d) => d?.kind === 'ConfigMap').data['base.yaml'];

  // The image's layout, the config volumes and the "Secret".
  const image = installImage(join(work, 'image'), facts);
  for (const d of ['etc-nodebgp', 'config']) {
    mkdirSync(join(work, d), { recursive: true });
    spawnSync('chmod', ['777', join(work, d)]); // emptyDir and configMap volumes are writable/readable by the pod's user
  }
  writeFileSync(join(work, 'etc-nodebgp', 'base.yaml'), base);
  const torA = new Frr(A, tor(2));
  const torB = new Frr(B, tor(3));
  const api = apiServer();
  t.teardown(() => {
    torA.stop();
    torB.stop();
    api.kill('SIGKILL');
  });

  // The init container: its command and arguments from the manifest, paths mapped to the mounts.
  const mount = (s: string) => s.replace('/etc/nodebgp/', `${work}/etc-nodebgp/`).replace('/config/', `${work}/config/`);
  const env = { NODE_NAME: 'worker-7', NODE_IPS: '10.98.0.10,fd98::10', NODE_IP: '10.98.0.10', BGP_PASSWORD: PASSWORD };
  const run = (bound: string[], argv: string[], extraEnv: Record<string, string>) => {
    const c = asContainer(facts, bound, image, extraEnv);
    return spawnSync('ip', ['netns', 'exec', N, ...c.prefix, ...argv], { encoding: 'utf8', cwd: image.app, env: c.env });
  };
  await until(() => inNs(N, 'curl', ['-sk', '-o', '/dev/null', '-w', '%{http_code}', 'https://127.0.0.1:6443/'], { allowFail: true }) === '401', 10000);
  const [cmd, ...args] = [...init.command, ...init.args].map(mount);
  const sa = ['--api-server', 'https://127.0.0.1:6443', '--token-file', join(work, 'api', 'token'), '--ca-file', join(work, 'api', 'ca.crt')];
  const rendered = run(bounding(init), [cmd === 'node' ? image.node : cmd, ...args, ...sa], env);
  t.equal(rendered.status, 0, `the init step renders, as UID 1000: ${rendered.stderr.trim()}`);
  const config = readFileSync(join(work, 'config', 'nodebgpd.yaml'), 'utf8');
  t.match(config, /address: 10\.98\.0\.2[\s\S]*address: 10\.98\.0\.3/, 'the ToRs from the node\'s ECMP default route');
  t.match(config, /fd98::2[\s\S]*fd98::3/, 'and from its IPv6 default route');
  t.match(config, /10\.244\.7\.0\/24[\s\S]*fd10:244:7::\/64/, 'both pod CIDRs');
  t.equal((spawnSync('stat', ['-c', '%a %u', join(work, 'config', 'nodebgpd.yaml')], { encoding: 'utf8' }).stdout.trim()), '600 1000', 'the file with the password is the pod user\'s only');

  // The main container: the image's entrypoint with the manifest's arguments.
  const c = asContainer(facts, bounding(main), image);
  const argv = [image.node, ...facts.entrypoint.slice(1), ...main.args.map(mount)];
  const start = () => {
    const proc = spawn('ip', ['netns', 'exec', N, ...c.prefix, ...argv], { cwd: image.app, env: c.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const log: Record<string, unknown>[] = [];
    createInterface({ input: proc.stdout! }).on('line', (l) => {
      try {
        log.push(JSON.parse(l));
      } catch {
        // not a log line
      }
    });
    let stderr = '';
    proc.stderr!.on('data', (d) => (stderr += d));
    return { proc, log, stderr: () => stderr };
  };
  const cli = (...a: string[]) => {
    const r = spawnSync('ip', ['netns', 'exec', N, ...c.prefix, image.node, join(image.app, 'dist', 'api', 'cli', 'main.js'), '--json', ...a], { encoding: 'utf8', env: c.env });
    try {
      return JSON.parse(r.stdout);
    } catch {
      return undefined;
    }
  };
  let d = start();
  t.teardown(() => d.proc.kill('SIGKILL'));
  const up = await until(() => {
    const s = cli('summary');
    return s && ['10.98.0.2', '10.98.0.3', 'fd98::2', 'fd98::3'].every((x) => s.peers[x]?.state === 'Established') ? s : undefined;
  }, 60000);
  t.ok(up, `four sessions Established (IPv4 and IPv6 to both ToRs, TCP-MD5): ${d.stderr()}`);
  const ids = capsOf(d.proc.pid!);
  t.match(ids.Uid, /^1000\s+1000/, 'the daemon runs as UID 1000');
  t.equal(ids.CapEff, '0000000000001400', 'with exactly NET_BIND_SERVICE and NET_ADMIN effective (raised by nodebgpd itself)');
  t.equal(ids.CapPrm, '0000000000001400', 'and permitted: NET_RAW is outside the pod\'s bounding set');
  t.equal(ids.CapAmb, '0000000000000000', 'none ambient');
  t.ok(await until(() => /10\.244\.7\.0\/24/.test(torA.vtysh('show bgp ipv4 unicast')) && /fd10:244:7::\/64/.test(torB.vtysh('show bgp ipv6 unicast')), 20000), 'the ToRs learn both pod CIDRs');
  const route = (pfx: string) => inNs(N, 'ip', [pfx.includes(':') ? '-6' : '-4', 'route', 'show', pfx]).trim();
  t.ok(await until(() => /proto 201/.test(route('10.99.2.0/24')) && /proto 201/.test(route('2001:db8:3::/48')), 20000), `the ToRs' routes are in the kernel: ${route('10.99.2.0/24')}`);
  t.match(inNs(N, 'curl', ['-s', 'http://10.98.0.10:9179/metrics']), /nodebgp_peer_up\{peer="10\.98\.0\.2",peer_as="64502"\} 1/, 'metrics on the node address');

  // A rolling update: SIGTERM (as the kubelet sends), then the new pod starts on the same file.
  d.proc.kill('SIGTERM');
  await new Promise((r) => d.proc.once('exit', r));
  t.match(route('10.99.2.0/24'), /proto 201/, 'the kernel routes stay across the restart (fib.retain)');
  const kept = await until(() => torA.json('show bgp ipv4 unicast 10.244.7.0/24 json').paths?.[0], 5000);
  t.equal(kept?.stale, true, 'the ToR keeps the node\'s pod CIDR, stale, as a graceful-restart helper (no NOTIFICATION was sent)');
  d = start();
  t.ok(await until(() => d.log.some((l) => typeof l.msg === 'string' && l.msg.startsWith('graceful restart:')), 20000), 'the new daemon restarts gracefully with the routes it found');
  t.ok(await until(() => cli('summary')?.peers['10.98.0.2']?.state === 'Established', 60000), 'and is back with its ToRs');
  t.match(route('10.99.2.0/24'), /proto 201/, 'routes in place throughout');
});
