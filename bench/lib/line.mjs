// The sender -> DUT -> receiver line of namespaces the propagation and BFD-under-load benchmarks
// share: sender 10.90.0.2 -- 10.90.0.1 DUT 10.90.1.1 -- 10.90.1.2 receiver, and the benchmark
// speaker (peer.mjs) started in a namespace with waits on its JSON events.
import { spawn, spawnSync } from 'node:child_process';
import { createInterface } from 'node:readline';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

export const sh = (cmd, args, input) => {
  const r = spawnSync(cmd, args, { encoding: 'utf8', input });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
};
export const inNs = (ns, ...args) => sh('ip', ['netns', 'exec', ns, ...args]);

/** Namespaces a benchmark owns: create() makes them afresh (lo up); remove() kills their processes and deletes them, also at exit. */
export function ownedNamespaces(names) {
  function remove() {
    for (const ns of names) {
      const pids = spawnSync('ip', ['netns', 'pids', ns], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean);
      for (const pid of pids) spawnSync('kill', ['-9', pid]);
      spawnSync('ip', ['netns', 'del', ns]);
    }
  }
  function create() {
    remove();
    for (const ns of names) {
      sh('ip', ['netns', 'add', ns]);
      inNs(ns, 'ip', 'link', 'set', 'lo', 'up');
    }
  }
  process.on('exit', remove);
  // Interrupted or timed out (timeout(1) sends SIGTERM): the namespaces go too.
  process.on('SIGINT', () => process.exit(130));
  process.on('SIGTERM', () => process.exit(143));
  return { create, remove };
}

/**
 * A veth pair between namespaces a and b, each end up with its address in a /24, and with
 * `aip6`/`bip6` (if given) in a /64.
 */
export function link(a, aif, aip, b, bif, bip, aip6, bip6) {
  sh('ip', ['link', 'add', aif, 'netns', a, 'type', 'veth', 'peer', 'name', bif, 'netns', b]);
  inNs(a, 'ip', 'addr', 'add', `${aip}/24`, 'dev', aif);
  inNs(b, 'ip', 'addr', 'add', `${bip}/24`, 'dev', bif);
  if (aip6) inNs(a, 'ip', '-6', 'addr', 'add', `${aip6}/64`, 'dev', aif, 'nodad');
  if (bip6) inNs(b, 'ip', '-6', 'addr', 'add', `${bip6}/64`, 'dev', bif, 'nodad');
  inNs(a, 'ip', 'link', 'set', aif, 'up');
  inNs(b, 'ip', 'link', 'set', bif, 'up');
}

/** The line's IPv6 addresses (each link a /64 of its own), for sessions over IPv6 (FAMILY=6). */
export const LINE6 = { sender: 'fd90::2', dutS: 'fd90::1', dutR: 'fd90:1::1', receiver: 'fd90:1::2' };

export function lineTopology(tag) {
  const NS = { s: `${tag}s`, d: `${tag}d`, r: `${tag}r` };
  const owned = ownedNamespaces(Object.values(NS));
  function setup() {
    owned.create();
    link(NS.s, 'eth0', '10.90.0.2', NS.d, 'tos', '10.90.0.1', LINE6.sender, LINE6.dutS);
    link(NS.d, 'tor', '10.90.1.1', NS.r, 'eth0', '10.90.1.2', LINE6.dutR, LINE6.receiver);
  }
  return { NS, setup, teardown: owned.remove };
}

/**
 * A script of bench/lib run in a namespace that reports JSON lines on stdout: `events` holds them
 * all, `wait` resolves on the first (seen or to come) that matches.
 */
export function nsScript(ns, file, args, role, env = {}) {
  const p = spawn('ip', ['netns', 'exec', ns, process.execPath, join(here, file), ...args], { stdio: ['pipe', 'pipe', 'inherit'], env: { ...process.env, ...env } });
  const events = [];
  const waiters = [];
  createInterface({ input: p.stdout }).on('line', (l) => {
    const e = JSON.parse(l);
    events.push(e);
    for (const w of [...waiters]) if (w.pred(e)) { waiters.splice(waiters.indexOf(w), 1); w.resolve(e); }
  });
  const wait = (pred, ms) => {
    const seen = events.find(pred);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`${role}: timed out; events ${JSON.stringify(events.slice(-5))}`)), ms);
      waiters.push({ pred, resolve: (e) => { clearTimeout(t); resolve(e); } });
    });
  };
  return { p, events, wait, kill: () => { p.stdin.end(); p.kill('SIGKILL'); } };
}

/** The benchmark speaker (peer.mjs) as sender or receiver in a namespace; `env` for its options (PREPEND). */
export function peer(role, ns, local, remote, asn, count, env = {}) {
  return nsScript(ns, 'peer.mjs', [role, local, remote, String(asn), String(count), JSON.stringify([65000, 65002])], role, env);
}
