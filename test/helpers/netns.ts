// Network namespaces for multi-host tests: unique names per test file, veth links, and cleanup
// that runs when the test ends, passes or fails (and when the process exits).
import { execFileSync, spawnSync } from 'node:child_process';

const created = new Set<string>();
process.on('exit', () => {
  for (const ns of created) destroyNamespace(ns);
});

export function run(cmd: string, args: string[], opts: { allowFail?: boolean; input?: string } = {}): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', input: opts.input });
  if (r.status !== 0 && !opts.allowFail) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr || r.stdout}`);
  return r.stdout;
}

export function inNs(ns: string, cmd: string, args: string[], opts: { allowFail?: boolean; input?: string } = {}): string {
  return run('ip', ['netns', 'exec', ns, cmd, ...args], opts);
}

export function destroyNamespace(ns: string): void {
  const pids = spawnSync('ip', ['netns', 'pids', ns], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean);
  for (const pid of pids) spawnSync('kill', ['-9', pid]);
  spawnSync('ip', ['netns', 'del', ns]);
  created.delete(ns);
}

/** A short unique prefix for this process's namespaces and links (Linux names are at most 15 chars). */
export function uniquePrefix(tag: string): string {
  return `${tag.slice(0, 4)}${(process.pid % 100000).toString(36)}`;
}

export function createNamespace(ns: string): void {
  destroyNamespace(ns);
  execFileSync('ip', ['netns', 'add', ns]);
  created.add(ns);
  inNs(ns, 'ip', ['link', 'set', 'lo', 'up']);
}

export interface LinkEnd {
  readonly ns: string;
  readonly ifname: string;
  readonly ipv4: string;
  readonly ipv6: string;
}

/** A veth pair between two namespaces, with one IPv4 /24 and one IPv6 /64 address per end. */
export function link(a: LinkEnd, b: LinkEnd): void {
  run('ip', ['link', 'add', a.ifname, 'netns', a.ns, 'type', 'veth', 'peer', 'name', b.ifname, 'netns', b.ns]);
  for (const end of [a, b]) {
    inNs(end.ns, 'ip', ['addr', 'add', `${end.ipv4}/24`, 'dev', end.ifname]);
    inNs(end.ns, 'ip', ['-6', 'addr', 'add', `${end.ipv6}/64`, 'dev', end.ifname, 'nodad']);
    inNs(end.ns, 'ip', ['link', 'set', end.ifname, 'up']);
  }
}

/** A bridge in `hubNs` with one veth port per member namespace; the hub gets `hubIpv4`/`hubIpv6` on the bridge. */
export function bridge(hubNs: string, hub: { ipv4: string; ipv6: string }, members: readonly LinkEnd[]): void {
  inNs(hubNs, 'ip', ['link', 'add', 'br0', 'type', 'bridge']);
  inNs(hubNs, 'ip', ['addr', 'add', `${hub.ipv4}/24`, 'dev', 'br0']);
  inNs(hubNs, 'ip', ['-6', 'addr', 'add', `${hub.ipv6}/64`, 'dev', 'br0', 'nodad']);
  inNs(hubNs, 'ip', ['link', 'set', 'br0', 'up']);
  members.forEach((m, i) => {
    const port = `p${i}`;
    run('ip', ['link', 'add', port, 'netns', hubNs, 'type', 'veth', 'peer', 'name', m.ifname, 'netns', m.ns]);
    inNs(hubNs, 'ip', ['link', 'set', port, 'master', 'br0', 'up']);
    inNs(m.ns, 'ip', ['addr', 'add', `${m.ipv4}/24`, 'dev', m.ifname]);
    inNs(m.ns, 'ip', ['-6', 'addr', 'add', `${m.ipv6}/64`, 'dev', m.ifname, 'nodad']);
    inNs(m.ns, 'ip', ['link', 'set', m.ifname, 'up']);
  });
}

interface TapLike {
  before(fn: () => void): void;
  teardown(fn: () => void): void;
}

/** Two namespaces joined by one veth link, made before the file's tests and removed after them. */
export function twoHosts(t: TapLike, a: LinkEnd, b: LinkEnd): void {
  t.before(() => {
    createNamespace(a.ns);
    createNamespace(b.ns);
    link(a, b);
  });
  t.teardown(() => {
    destroyNamespace(a.ns);
    destroyNamespace(b.ns);
  });
}
