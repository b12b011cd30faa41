#!/usr/bin/env node
// The containerlab topologies of lab/containerlab, run without Docker: one network namespace per
// node, veth pairs for the links (a bridge namespace for `kind: bridge`), the nodes' own files
// unchanged (FRR's frr.conf for zebra, bfdd and bgpd; nodebgpd.yaml for `nodebgp:latest` nodes and
// their `exec` address commands). The nodebgp nodes run as containerlab runs their container
// (image.mjs): the image laid out with its file capabilities; nodebgpd (the entrypoint with the
// node's `cmd`) and the CLI (`docker exec`) as the image's user, UID 1000, with the capabilities
// its files carry and no others; the exec lines as root, since containerlab runs them as user 0;
// the node file "bind-mounted" (copied) read-only.
// Run as root from the repository root, after `npm run build`:
//   node lab/netns/fabric.mjs up fabric        # or fabric-rr, fabric-unnumbered; prints where everything runs
//   node lab/netns/fabric.mjs check fabric     # the checks of test/interop/lab-fabric.test.ts
//   node lab/netns/fabric.mjs down fabric
// Everything lives in namespaces named <prefix><node> and files under /tmp/nodebgp-lab-<prefix>.
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { asContainer, dockerfileFacts, imageLayout, installImage } from './image.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
/**
 * The capability bounding set of the node's container: containerlab runs it privileged (all of
 * them), and a non-root process gets only what its file carries, so node's (NET_BIND_SERVICE,
 * NET_ADMIN, NET_RAW, permitted; nodebgpd makes effective those its configuration needs).
 */
const containerCaps = (facts) => facts.caps.node.map((c) => c.replace(/^cap_/, '').toUpperCase());

function sh(cmd, args, { allowFail = false } = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0 && !allowFail) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr || r.stdout}`);
  return r.stdout;
}

/** The topology of lab/containerlab/<name>/<name>.clab.yml: nodes by kind, and links. */
export function loadTopology(name) {
  const dir = join(ROOT, 'lab', 'containerlab', name);
  const clab = parse(readFileSync(join(dir, `${name}.clab.yml`), 'utf8'));
  const nodes = {};
  for (const [n, spec] of Object.entries(clab.topology.nodes)) {
    const binds = spec.binds ?? [];
    const file = (suffix) => binds.map((b) => b.split(':')).find(([, to]) => to.endsWith(suffix))?.[0];
    if (spec.kind === 'bridge') nodes[n] = { kind: 'bridge' };
    else if (spec.image === 'nodebgp:latest') nodes[n] = { kind: 'nodebgp', config: join(dir, file('nodebgpd.yaml')), exec: spec.exec ?? [] };
    else nodes[n] = { kind: 'frr', config: join(dir, file('frr.conf')) };
  }
  const links = clab.topology.links.map((l) => l.endpoints.map((e) => e.split(':')));
  return { name, dir, nodes, links };
}

/** Whether a process runs (exists and is not a zombie waiting to be reaped). */
function running(pid) {
  try {
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
}

/** FRR interface addresses from frr.conf (`interface X` then ` ip address A/L`), which zebra would set. */
function frrAddresses(text) {
  const out = [];
  let iface;
  for (const line of text.split('\n')) {
    const i = /^interface (\S+)/.exec(line);
    if (i) iface = i[1];
    const a = /^\s+ip address (\S+)/.exec(line);
    if (a && iface) out.push([iface, a[1]]);
    if (/^\S/.test(line) && !i) iface = undefined;
  }
  return out;
}

export class Lab {
  constructor(topology, prefix = `lb${(process.pid % 100000).toString(36)}`) {
    this.topology = topology;
    this.prefix = prefix;
    this.work = `/tmp/nodebgp-lab-${prefix}`;
    this.facts = dockerfileFacts();
    this.image = imageLayout(join(this.work, 'image'));
  }

  ns(node) {
    return `${this.prefix}${node}`.slice(0, 15);
  }

  inNs(node, cmd, args, opts) {
    return sh('ip', ['netns', 'exec', this.ns(node), cmd, ...args], opts);
  }

  /**
   * A command in a nodebgp node's container, with the image's PATH: as the image's user and the
   * capabilities above (`docker exec`), or `asRoot` as containerlab runs exec lines.
   */
  inContainer(node, cmd, args, { allowFail = false, asRoot = false } = {}) {
    const c = asContainer(this.facts, containerCaps(this.facts), this.image);
    const prefix = asRoot ? [] : c.prefix;
    const r = spawnSync('ip', ['netns', 'exec', this.ns(node), ...prefix, cmd, ...args], { encoding: 'utf8', maxBuffer: 64 << 20, env: c.env, cwd: this.image.app });
    if (r.status !== 0 && !allowFail) throw new Error(`${node} (as ${asRoot ? 'root' : `UID ${this.facts.uid}`}): ${cmd} ${args.join(' ')}: ${r.stderr || r.stdout}`);
    return r.stdout;
  }

  /** Builds namespaces and links, sets addresses, starts FRR and nodebgpd everywhere. */
  up() {
    this.down();
    mkdirSync(this.work, { recursive: true });
    spawnSync('chmod', ['777', this.work]);
    const { nodes, links } = this.topology;
    if (Object.values(nodes).some((n) => n.kind === 'nodebgp')) installImage(this.image.dir, this.facts);
    for (const n of Object.keys(nodes)) {
      sh('ip', ['netns', 'add', this.ns(n)]);
      this.inNs(n, 'ip', ['link', 'set', 'lo', 'up']);
    }
    for (const [[a, ai], [b, bi]] of links) {
      sh('ip', ['link', 'add', ai, 'netns', this.ns(a), 'type', 'veth', 'peer', 'name', bi, 'netns', this.ns(b)]);
    }
    for (const [n, spec] of Object.entries(nodes)) {
      if (spec.kind === 'bridge') {
        this.inNs(n, 'ip', ['link', 'add', 'br0', 'type', 'bridge']);
        for (const [[a, ai], [b, bi]] of links) {
          if (a === n) this.inNs(n, 'ip', ['link', 'set', ai, 'master', 'br0']);
          if (b === n) this.inNs(n, 'ip', ['link', 'set', bi, 'master', 'br0']);
        }
        this.inNs(n, 'ip', ['link', 'set', 'br0', 'up']);
      } else if (spec.kind === 'frr') {
        for (const [iface, addr] of frrAddresses(readFileSync(spec.config, 'utf8'))) this.inNs(n, 'ip', ['addr', 'add', addr, 'dev', iface]);
        this.inNs(n, 'sysctl', ['-qw', 'net.ipv4.ip_forward=1']);
      } else {
        // containerlab runs exec lines in the container as user 0 (its Docker runtime's Exec).
        for (const c of spec.exec) {
          const [cmd, ...args] = c.split(/\s+/);
          this.inContainer(n, cmd, args, { asRoot: true });
        }
      }
    }
    for (const [[a, ai], [b, bi]] of links) {
      this.inNs(a, 'ip', ['link', 'set', ai, 'up']);
      this.inNs(b, 'ip', ['link', 'set', bi, 'up']);
    }
    for (const [n, spec] of Object.entries(nodes)) {
      if (spec.kind === 'frr') this.#startFrr(n, spec.config);
      if (spec.kind === 'nodebgp') this.#startNodebgpd(n, spec.config);
    }
  }

  #dir(node) {
    const d = join(this.work, node);
    mkdirSync(d, { recursive: true });
    spawnSync('chmod', ['777', d]);
    return d;
  }

  #startFrr(node, config) {
    const d = this.#dir(node);
    const conf = join(d, 'frr.conf');
    writeFileSync(conf, readFileSync(config, 'utf8'));
    spawnSync('chmod', ['644', conf]);
    const args = (daemon) => ['-d', '-f', conf, '-i', join(d, `${daemon}.pid`), '--vty_socket', d, '-z', join(d, 'zserv'), '--log', `file:${join(d, `${daemon}.log`)}`];
    this.inNs(node, '/usr/lib/frr/zebra', [...args('zebra'), '-u', 'frr', '-g', 'frr']);
    for (let i = 0; i < 50 && !existsSync(join(d, 'zserv')); i++) spawnSync('sleep', ['0.05']);
    this.inNs(node, '/usr/lib/frr/bfdd', [...args('bfdd'), '-u', 'frr', '-g', 'frr', '--bfdctl', join(d, 'bfdd.sock')]);
    this.inNs(node, '/usr/lib/frr/bgpd', [...args('bgpd'), '-S']);
  }

  /** The node's container: the image's entrypoint with the topology's `cmd` (-c FILE), the bound file. */
  #startNodebgpd(node, config) {
    const d = this.#dir(node);
    const file = join(d, 'nodebgpd.yaml');
    writeFileSync(file, readFileSync(config, 'utf8'));
    spawnSync('chmod', ['444', file]);
    const log = openSync(join(d, 'nodebgpd.log'), 'a');
    const c = asContainer(this.facts, containerCaps(this.facts), this.image);
    const [entry, ...entryArgs] = this.facts.entrypoint;
    const argv = [entry === 'node' ? this.image.node : entry, ...entryArgs, '-c', file];
    const p = spawn('ip', ['netns', 'exec', this.ns(node), ...c.prefix, ...argv], { stdio: ['ignore', log, log], detached: true, env: c.env, cwd: this.image.app });
    p.unref();
    closeSync(log);
    // ip netns exec and setpriv exec in turn: this is nodebgpd's own pid.
    writeFileSync(join(d, 'nodebgpd.pid'), String(p.pid));
  }

  /**
   * A rolling update of one node's pod: SIGTERM to nodebgpd (as the kubelet sends it), wait for it
   * to exit, start the container again on the same file. Resolves once the new process runs.
   */
  async restartNodebgpd(node) {
    await this.stopNodebgpd(node);
    this.startNodebgpd(node);
  }

  /** SIGTERM to a node's nodebgpd, as the kubelet sends it; resolves once it has exited. */
  async stopNodebgpd(node) {
    const pid = Number(readFileSync(join(this.work, node, 'nodebgpd.pid'), 'utf8'));
    process.kill(pid, 'SIGTERM');
    for (let i = 0; i < 500 && running(pid); i++) await new Promise((r) => setTimeout(r, 20));
  }

  /** A node's container started again on its file. */
  startNodebgpd(node) {
    this.#startNodebgpd(node, this.topology.nodes[node].config);
  }

  vtysh(node, ...commands) {
    return this.inNs(node, 'vtysh', ['--vty_socket', join(this.work, node), ...commands.flatMap((c) => ['-c', c])], { allowFail: true });
  }

  /** FRR's JSON output of a show command ({} when it is not valid JSON yet). */
  frrJson(node, command) {
    try {
      return JSON.parse(this.vtysh(node, command));
    } catch {
      return {};
    }
  }

  /** The `nodebgp` CLI in a node's namespace, JSON parsed (undefined while the API is not up). */
  nodebgp(node, ...args) {
    const out = this.inContainer(node, this.image.node, [join(this.image.app, 'dist', 'api', 'cli', 'main.js'), '--json', ...args], { allowFail: true });
    try {
      return JSON.parse(out);
    } catch {
      return undefined;
    }
  }

  log(node, daemon = 'nodebgpd') {
    try {
      return readFileSync(join(this.work, node, `${daemon}.log`), 'utf8');
    } catch {
      return '';
    }
  }

  /** Stops every process in the lab's namespaces and removes them and their files. */
  down() {
    for (const n of Object.keys(this.topology.nodes)) {
      const ns = this.ns(n);
      const pids = spawnSync('ip', ['netns', 'pids', ns], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean);
      for (const pid of pids) spawnSync('kill', ['-9', pid]);
      spawnSync('ip', ['netns', 'del', ns]);
    }
    rmSync(this.work, { recursive: true, force: true });
  }
}

// --- the command line -------------------------------------------------------------------------------

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [cmd = 'up', name = 'fabric'] = process.argv.slice(2);
  const prefix = process.env.LAB_PREFIX ?? { fabric: 'lf', 'fabric-rr': 'lr', 'fabric-unnumbered': 'lu' }[name] ?? 'lx';
  const lab = new Lab(loadTopology(name), prefix);
  if (cmd === 'down') {
    lab.down();
    console.log(`${name}: removed`);
  } else if (cmd === 'up') {
    if (!existsSync(join(ROOT, 'dist', 'api', 'nodebgpd.js'))) throw new Error('run `npm run build` first');
    lab.up();
    console.log(`${name}: up. Namespaces: ${Object.keys(lab.topology.nodes).map((n) => lab.ns(n)).join(' ')}; files under ${lab.work}`);
    console.log(`  ip netns exec ${lab.ns(Object.keys(lab.topology.nodes).find((n) => lab.topology.nodes[n].kind === 'nodebgp'))} node dist/api/cli/main.js summary`);
  } else if (cmd === 'check') {
    const { runChecks } = await import('./checks.mjs');
    const results = await runChecks(lab, name);
    const failed = results.filter((r) => !r.ok);
    for (const r of results) console.log(`${r.ok ? 'ok  ' : 'FAIL'} ${r.name}\n${r.saw.replace(/^/gm, '     ')}`);
    process.exitCode = failed.length > 0 ? 1 : 0;
  } else {
    console.error('usage: fabric.mjs up|check|down [fabric|fabric-rr|fabric-unnumbered]');
    process.exitCode = 2;
  }
}
