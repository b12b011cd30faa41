// The devices under test for the propagation benchmarks, with equivalent configuration: eBGP from
// the sender (AS 65001) and to the receiver (AS 65002), local AS 65000, no policy, no kernel routes
// (nodebgp fib.enabled false, FRR bgpd -n, BIRD without a kernel protocol).
import { spawn, spawnSync } from 'node:child_process';
import { appendFileSync, chmodSync, copyFileSync, closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

/** BFD at 100 ms x 3 where a neighbor asks for it (`bfd: true`); FRR's bfdd reads this profile. */
export const BFD_PROFILE = `bfd
 profile fast
  receive-interval 100
  transmit-interval 100
  detect-multiplier 3
 !
!
`;

/**
 * The same DUTs installing what they learn into the kernel's main table: nodebgp's FIB, BIRD's
 * kernel protocol, FRR's bgpd through zebra (started beside it by startDut with `zebra`).
 */
export function kernelConfigs(args) {
  const c = configs(args);
  return {
    nodebgp: c.nodebgp.replace('"fib":{"enabled":false}', '"fib":{"enabled":true}'),
    bird: `${c.bird}protocol kernel { ipv4 { export all; }; }\n`,
    frr: c.frr,
  };
}

export function configs({ routerId, neighbors, family = 4 }) {
  // neighbors: [{ address, asn, local, rrClient?, bfd? }] where local is our address on that link;
  // family 6: sessions over IPv6 carrying IPv6 unicast only (the neighbors' addresses IPv6)
  const v6 = family === 6;
  const anyBfd = neighbors.some((n) => n.bfd);
  // FRR: reflector clients join one peer group, activated and made a client once, as an operator
  // configures thousands of them (and a client is never defined before it is activated).
  const inClientGroup = (n) => n.rrClient && !n.passive && !n.bfd;
  const clientAsns = [...new Set(neighbors.filter(inClientGroup).map((n) => n.asn))];
  return {
    // nodebgpd's configuration file (JSON is YAML too), as a user writes it.
    nodebgp: JSON.stringify({
      asn: 65000, routerId, listen: { addresses: [v6 ? '::' : '0.0.0.0'] }, holdTime: 240, ebgpRequiresPolicy: false, fib: { enabled: false },
      api: { address: '127.0.0.1', port: 8179 }, log: { level: 'warn' },
      neighbors: neighbors.map((n) => ({
        address: n.address, remoteAs: n.asn, timers: { connectRetryTime: 1, ...(n.passive ? { idleHoldTime: 1, idleHoldMaxTime: 1 } : {}) }, ...(n.rrClient ? { routeReflectorClient: true } : {}),
        ...(n.passive ? { passive: true } : {}),
        ...(v6 ? { addressFamilies: ['ipv6-unicast'] } : {}),
        ...(n.bfd ? { bfd: { transmitInterval: 100, receiveInterval: 100, detectMultiplier: 3 } } : {}),
      })),
    }),
    bird: `router id ${routerId};
protocol device {}
${anyBfd ? 'protocol bfd { interface "*" { min rx interval 100 ms; min tx interval 100 ms; multiplier 3; }; }' : ''}
${neighbors.map((n, i) => `protocol bgp p${i} { local ${n.local} as 65000; neighbor ${n.address} as ${n.asn}; connect retry time 1; ${n.passive ? 'passive on; error wait time 1, 2;' : ''} ${n.rrClient ? 'rr client;' : ''} ${n.bfd ? 'bfd on;' : ''} ${v6 ? 'ipv6' : 'ipv4'} { import all; export all; }; }`).join('\n')}
`,
    frr: `frr defaults traditional
hostname dut
router bgp 65000
 bgp router-id ${routerId}
 no bgp ebgp-requires-policy
 no bgp default ipv4-unicast
${neighbors.filter((n) => !inClientGroup(n)).map((n) => ` neighbor ${n.address} remote-as ${n.asn}\n neighbor ${n.address} timers connect 1${n.passive ? `\n neighbor ${n.address} passive` : ''}${n.bfd ? `\n neighbor ${n.address} bfd\n neighbor ${n.address} bfd profile fast` : ''}`).join('\n')}
${clientAsns.map((asn) => ` neighbor CLIENTS${asn} peer-group\n neighbor CLIENTS${asn} remote-as ${asn}\n neighbor CLIENTS${asn} timers connect 1`).join('\n')}
 address-family ${v6 ? 'ipv6' : 'ipv4'} unicast
${neighbors.filter((n) => !inClientGroup(n)).map((n) => `  neighbor ${n.address} activate${n.rrClient ? `\n  neighbor ${n.address} route-reflector-client` : ''}`).join('\n')}
${clientAsns.map((asn) => `  neighbor CLIENTS${asn} activate\n  neighbor CLIENTS${asn} route-reflector-client`).join('\n')}
 exit-address-family
${neighbors.filter(inClientGroup).map((n) => ` neighbor ${n.address} peer-group CLIENTS${n.asn}`).join('\n')}
`,
    gobgp: `[global.config]
  as = 65000
  router-id = "${routerId}"
  port = 179
${neighbors.map((n) => `[[neighbors]]
  [neighbors.config]
    neighbor-address = "${n.address}"
    peer-as = ${n.asn}
  [neighbors.timers.config]
    connect-retry = 1
    idle-hold-time-after-reset = 1
${n.passive ? '  [neighbors.transport.config]\n    passive-mode = true\n' : ''}${n.rrClient ? '  [neighbors.route-reflector.config]\n    route-reflector-client = true\n    route-reflector-cluster-id = "' + routerId + '"\n' : ''}  [[neighbors.afi-safis]]
    [neighbors.afi-safis.config]
      afi-safi-name = "${v6 ? 'ipv6' : 'ipv4'}-unicast"`).join('\n')}
`,
  };
}

/**
 * FRR's zebra in a namespace, daemonized (bgpd installs kernel routes and registers BFD sessions
 * through it), and bfdd beside it when `bfddConfig` is given (also as the BFD peer of a DUT).
 * Returns vtysh for the directory.
 */
export function startZebra(ns, dir, bfddConfig) {
  chmodSync(dir, 0o777);
  const args = (d) => ['-d', '-u', 'frr', '-g', 'frr', '-i', join(dir, `${d}.pid`), '--vty_socket', dir, '-z', join(dir, 'zserv'), '--log', `file:${join(dir, `${d}.log`)}`];
  spawnSync('ip', ['netns', 'exec', ns, '/usr/lib/frr/zebra', ...args('zebra'), '-f', '/dev/null']);
  for (let i = 0; i < 50 && !existsSync(join(dir, 'zserv')); i++) spawnSync('sleep', ['0.05']);
  if (bfddConfig !== undefined) {
    writeFileSync(join(dir, 'bfdd.conf'), bfddConfig);
    spawnSync('ip', ['netns', 'exec', ns, '/usr/lib/frr/bfdd', ...args('bfdd'), '-f', join(dir, 'bfdd.conf'), '--bfdctl', join(dir, 'bfdd.sock')]);
  }
  return (command) => spawnSync('ip', ['netns', 'exec', ns, 'vtysh', '--vty_socket', dir, '-c', command], { encoding: 'utf8' }).stdout;
}

// Diagnostics of nodebgpd only (figures for the README come from runs without them), all as node
// flags before its script, which the binary's re-execution keeps: PROFILE=<dir>, a CPU profile
// written there at exit; DUT_NODE_FLAGS, any others ('--trace-gc', '--heapsnapshot-signal=SIGUSR2
// --diagnostic-dir=/tmp/x'). DUT_ENV, variables for its environment ('MALLOC_ARENA_MAX=16,FOO=1');
// DUT_LOG=<file>, a copy of its output at exit; RSS_LOG=<file>, its resident memory every 10 ms
// while it runs ("milliseconds since it started, MB" a line; beside --trace-gc's times it shows
// which collection a peak came with, give or take the tens of milliseconds before the binary's
// re-execution, from which --trace-gc counts).
function nodeFlags() {
  const profile = process.env.PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.PROFILE}`] : [];
  return [...profile, ...(process.env.DUT_NODE_FLAGS ?? '').split(' ').filter(Boolean)];
}
const dutEnvironment = () => Object.fromEntries((process.env.DUT_ENV ?? '').split(',').filter(Boolean).map((kv) => kv.split(/=(.*)/s, 2)));

/**
 * Starts a DUT in a namespace; returns its process (pid = the daemon's pid: ip netns exec execs).
 * With `bfd`, FRR runs zebra and bfdd beside bgpd; `env` is added to the DUT's environment.
 */
export function startDut(name, ns, config, { bfd = false, zebra = false, env = {} } = {}) {
  const dir = mkdtempSync(join(tmpdir(), `nodebgp-bench-${name}-`));
  const file = join(dir, name === 'gobgp' ? 'gobgpd.toml' : 'config');
  writeFileSync(file, config);
  if (name === 'frr' && (bfd || zebra)) startZebra(ns, dir, bfd ? BFD_PROFILE : undefined);
  const cmd = {
    // The shipped binary with the config file, exactly as a user starts it.
    nodebgp: [process.execPath, ...nodeFlags(), join(here, '..', '..', 'dist', 'api', 'nodebgpd.js'), '-c', file],
    bird: ['bird', '-f', '-c', file, '-s', join(dir, 'bird.ctl'), '-P', join(dir, 'bird.pid')],
    frr: ['/usr/lib/frr/bgpd', ...(bfd || zebra ? [] : ['-Z']), '-S', ...(zebra ? [] : ['-n']), '-f', file, '-i', join(dir, 'bgpd.pid'), '--vty_socket', dir, '-z', join(dir, 'zserv'), '--log', `file:${join(dir, 'log')}`],
    gobgp: ['gobgpd', '-f', file, '-p', '--log-level=error', '--api-hosts', '127.0.0.1:50051'],
  }[name];
  // The DUT's own output stays in its directory (output.log), for when a run fails.
  const out = openSync(join(dir, 'output.log'), 'w');
  const dutEnv = name === 'nodebgp' ? dutEnvironment() : {};
  const proc = spawn('ip', ['netns', 'exec', ns, ...cmd], { stdio: ['pipe', out, out], env: { ...process.env, ...env, ...dutEnv } });
  closeSync(out);
  // Its directory: config, output.log, BIRD's control socket (bird.ctl), FRR's vty sockets.
  proc.dir = dir;
  const stopWatching = name === 'nodebgp' && process.env.RSS_LOG ? watchRss(proc.pid, process.env.RSS_LOG) : () => {};
  // Gone once the DUT stops as asked; kept (with output.log) when it failed on its own.
  proc.once('exit', (code, signal) => {
    stopWatching();
    if (name === 'nodebgp' && process.env.DUT_LOG) copyFileSync(join(dir, 'output.log'), process.env.DUT_LOG);
    if (signal !== null || code === 0) rmSync(dir, { recursive: true, force: true });
  });
  return proc;
}

/**
 * Appends "ms-since-start MB" for a process every 10 ms (VmRSS). Its age is read once, from its
 * start in /proc/PID/stat against /proc/uptime, and carried on by the monotonic clock. Returns
 * the function that stops it.
 */
function watchRss(pid, file) {
  writeFileSync(file, '');
  let ageMs = NaN;
  try {
    ageMs = Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]) * 1000 - (Number(statFields(pid)[19]) / TICKS) * 1000;
  } catch {
    // Gone already: nothing will be written.
  }
  const t0 = performance.now();
  const timer = setInterval(() => {
    try {
      const rss = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN);
      if (rss) appendFileSync(file, `${Math.round(ageMs + performance.now() - t0)} ${(rss / 1024).toFixed(1)}\n`);
    } catch {
      // Gone between two reads: the exit handler stops the timer.
    }
  }, 10);
  return () => clearInterval(timer);
}

/**
 * Resolves once something listens on TCP port 179 in the namespace: a peer that connects once
 * must not race the DUT's start (nodebgpd re-executes itself, zebra starts before bgpd).
 */
export async function bgpListening(ns, timeoutMs = 30000) {
  await listening(ns, 179, timeoutMs);
}

/**
 * Resolves once the DUT holds `count` neighbors: FRR listens before it has read its file (2,000
 * neighbors: about 0.8 s later), nodebgpd and BIRD only after. GoBGP is not asked.
 */
export async function neighborsConfigured(name, ns, proc, count, timeoutMs = 60000) {
  if (name !== 'frr') return;
  const deadline = Date.now() + timeoutMs;
  const total = () => Number(/Total number of neighbors (\d+)/.exec(spawnSync('ip', ['netns', 'exec', ns, 'vtysh', '--vty_socket', proc.dir, '-c', 'show bgp summary'], { encoding: 'utf8', maxBuffer: 64 * 2 ** 20 }).stdout)?.[1] ?? 0);
  while (total() < count) {
    if (Date.now() > deadline) throw new Error(`FRR holds fewer than ${count} neighbors after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Resolves once something listens on a TCP port in the namespace. */
export async function listening(ns, port, timeoutMs = 30000) {
  const deadline = Date.now() + timeoutMs;
  while (!spawnSync('ip', ['netns', 'exec', ns, 'ss', '-Hltn', `sport = :${port}`], { encoding: 'utf8' }).stdout.trim()) {
    if (Date.now() > deadline) throw new Error(`nothing listens on port ${port} in ${ns} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** nodebgpd's admin API inside a namespace (metrics, BFD state): the text of a GET. */
export function nodebgpApi(ns, path) {
  // A reflector's /metrics (series per neighbor) passes spawnSync's default 1 MB.
  return spawnSync('ip', ['netns', 'exec', ns, 'curl', '-s', `http://127.0.0.1:8179${path}`], { encoding: 'utf8', maxBuffer: 256 * 2 ** 20 }).stdout;
}

/** nodebgpd's heap after a full collection it runs on request (POST /v1/memory/compact), in MB. */
export function nodebgpHeapAfterGc(ns) {
  const out = spawnSync('ip', ['netns', 'exec', ns, 'curl', '-s', '-X', 'POST', 'http://127.0.0.1:8179/v1/memory/compact'], { encoding: 'utf8' }).stdout;
  const r = JSON.parse(out);
  return { heapUsedMb: r.heapAfter / 2 ** 20, rssMb: r.rssAfter / 2 ** 20 };
}

/** One value of a Prometheus series from nodebgpd's /metrics (the first matching line). */
export function nodebgpMetric(ns, name, labels = '') {
  const line = nodebgpApi(ns, '/metrics').split('\n').find((l) => l.startsWith(`${name}${labels ? `{${labels}` : ''}`) && !l.startsWith('#'));
  return line ? Number(line.split(' ').at(-1)) : NaN;
}

/**
 * Where nodebgpd's memory is, from its own metrics (MB): RSS, the V8 heap in use, the young
 * generation's committed pages, memory outside the heap and the RIB's columns; then the heap after
 * a full collection it runs on request. One line, for a bench run with MEMORY=1.
 */
export function nodebgpMemory(ns) {
  const text = nodebgpApi(ns, '/metrics');
  const mb = (name, labels) => {
    const l = text.split('\n').find((x) => x.startsWith(labels ? `${name}{${labels}}` : `${name} `));
    return l ? (Number(l.split(' ').at(-1)) / 2 ** 20).toFixed(0) : '?';
  };
  const sum = (name) => ['ipv4-unicast', 'ipv6-unicast'].map((f) => Number(mb(name, `afi_safi="${f}"`))).filter((v) => !Number.isNaN(v)).reduce((a, v) => a + v, 0);
  const pid = spawnSync('ip', ['netns', 'pids', ns], { encoding: 'utf8' }).stdout.split('\n').find((p) => p && readFileSync(`/proc/${p}/cmdline`, 'utf8').includes('nodebgpd.js'));
  const status = pid ? readFileSync(`/proc/${pid}/status`, 'utf8') : '';
  const statusMb = (key) => (Number(new RegExp(`${key}:\\s+(\\d+)`).exec(status)?.[1] ?? NaN) / 1024).toFixed(0);
  const after = nodebgpHeapAfterGc(ns);
  return `RSS ${mb('process_resident_memory_bytes')} MB (anonymous ${statusMb('RssAnon')}, from files ${statusMb('RssFile')}): heap committed ${mb('nodejs_heap_size_total_bytes')} MB, in use ${mb('nodejs_heap_size_used_bytes')} MB (young generation's pages ${mb('nodejs_heap_space_size_total_bytes', 'space="new"')} MB), outside the heap ${mb('nodejs_external_memory_bytes')} MB (RIB columns ${sum('nodebgp_rib_bytes')} MB, Adj-RIB-Out columns ${sum('nodebgp_adj_rib_out_bytes')} MB); after a full collection: heap ${after.heapUsedMb.toFixed(0)} MB, RSS ${after.rssMb.toFixed(0)} MB`;
}

const TICKS = 100; // USER_HZ

/** The fields of /proc/PID/stat after the command's parenthesis (index 0 is the state, 19 the start time in ticks). */
function statFields(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** CPU seconds (user + system, all threads) and peak RSS (MB) of a process. */
export function usage(pid) {
  try {
    const fields = statFields(pid);
    const cpu = (Number(fields[11]) + Number(fields[12])) / TICKS;
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const hwm = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
    return { cpu, rssMb: hwm };
  } catch {
    return { cpu: NaN, rssMb: NaN };
  }
}
