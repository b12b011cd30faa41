// The devices under test for the propagation benchmarks, with equivalent configuration: eBGP from
// the sender (AS 65001) and to the receiver (AS 65002), local AS 65000, no policy, no kernel routes.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

export function configs({ routerId, neighbors }) {
  // neighbors: [{ address, asn, local }] where local is our address on that link
  return {
    nodebgp: JSON.stringify({
      asn: 65000, routerId, listen: { addresses: ['0.0.0.0'] }, holdTime: 240, ebgpRequiresPolicy: false,
      neighbors: neighbors.map((n) => ({ address: n.address, remoteAs: n.asn, timers: { connectRetryTime: 1 }, ...(n.rrClient ? { routeReflectorClient: true } : {}) })),
    }),
    bird: `router id ${routerId};
protocol device {}
${neighbors.map((n, i) => `protocol bgp p${i} { local ${n.local} as 65000; neighbor ${n.address} as ${n.asn}; connect retry time 1; ${n.rrClient ? 'rr client;' : ''} ipv4 { import all; export all; }; }`).join('\n')}
`,
    frr: `frr defaults traditional
hostname dut
router bgp 65000
 bgp router-id ${routerId}
 no bgp ebgp-requires-policy
 no bgp default ipv4-unicast
${neighbors.map((n) => ` neighbor ${n.address} remote-as ${n.asn}\n neighbor ${n.address} timers connect 1`).join('\n')}
 address-family ipv4 unicast
${neighbors.map((n) => `  neighbor ${n.address} activate${n.rrClient ? `\n  neighbor ${n.address} route-reflector-client` : ''}`).join('\n')}
 exit-address-family
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
${n.rrClient ? '  [neighbors.route-reflector.config]\n    route-reflector-client = true\n    route-reflector-cluster-id = "' + routerId + '"\n' : ''}  [[neighbors.afi-safis]]
    [neighbors.afi-safis.config]
      afi-safi-name = "ipv4-unicast"`).join('\n')}
`,
  };
}

/** Starts a DUT in a namespace; returns its process (pid = the daemon's pid: ip netns exec execs). */
export function startDut(name, ns, config) {
  const dir = mkdtempSync(join(tmpdir(), `nodebgp-bench-${name}-`));
  const file = join(dir, name === 'gobgp' ? 'gobgpd.toml' : 'config');
  writeFileSync(file, config);
  const cmd = {
    nodebgp: [process.execPath, ...(process.env.NODEBGP_FLAGS ?? '--max-semi-space-size=64 --min-semi-space-size=16').split(' ').filter(Boolean), join(here, 'dut-nodebgp.mjs'), file],
    bird: ['bird', '-f', '-c', file, '-s', join(dir, 'bird.ctl'), '-P', join(dir, 'bird.pid')],
    frr: ['/usr/lib/frr/bgpd', '-Z', '-S', '-n', '-f', file, '-i', join(dir, 'bgpd.pid'), '--vty_socket', dir, '-z', join(dir, 'zserv'), '--log', `file:${join(dir, 'log')}`],
    gobgp: ['gobgpd', '-f', file, '-p', '--log-level=error', '--api-hosts', '127.0.0.1:50051'],
  }[name];
  return spawn('ip', ['netns', 'exec', ns, ...cmd], { stdio: ['pipe', 'ignore', 'ignore'] });
}

const TICKS = 100; // USER_HZ

/** CPU seconds (user + system, all threads) and peak RSS (MB) of a process. */
export function usage(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const cpu = (Number(fields[11]) + Number(fields[12])) / TICKS;
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const hwm = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
    return { cpu, rssMb: hwm };
  } catch {
    return { cpu: NaN, rssMb: NaN };
  }
}
