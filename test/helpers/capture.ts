// Packet capture in a test namespace (tcpdump), read back with tshark: what really crossed the wire.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { tempDir } from './tmp.js';

const MINOR_FIELDS = ['minor_error', 'minor_error_open', 'minor_error_update', 'minor_error_expired', 'minor_error_state', 'minor_error_cease', 'minor_error_unknown'].map((f) => `bgp.notify.${f}`);

export interface WireNotification {
  readonly src: string;
  readonly code: number;
  readonly subcode: number;
}

export class Capture {
  readonly file: string;
  readonly #proc: ChildProcess;
  readonly #ready: Promise<void>;

  constructor(ns: string, iface: string, filter = 'tcp port 179') {
    this.file = join(tempDir('nodebgp-pcap-'), 'cap.pcap');
    this.#proc = spawn('ip', ['netns', 'exec', ns, 'tcpdump', '-i', iface, '-U', '-s', '0', '-w', this.file, ...filter.split(' ')], { stdio: ['ignore', 'ignore', 'pipe'] });
    this.#ready = new Promise((resolve) => {
      this.#proc.stderr!.on('data', (d) => {
        if (String(d).includes('listening')) resolve();
      });
      setTimeout(resolve, 2000);
    });
  }

  ready(): Promise<void> {
    return this.#ready;
  }

  async stop(): Promise<void> {
    if (this.#proc.exitCode !== null) return;
    const done = new Promise((r) => this.#proc.once('exit', r));
    await new Promise((r) => setTimeout(r, 300));
    this.#proc.kill('SIGINT');
    await done;
  }

  /** Every BGP message in order: its sender, type (1 OPEN .. 5 ROUTE-REFRESH) and, for ROUTE-REFRESH, the RFC 7313 subtype. */
  messages(): { src: string; type: number; subtype?: number }[] {
    const r = spawnSync('tshark', ['-r', this.file, '-Y', 'bgp', '-T', 'fields', '-E', 'separator=,', '-E', 'aggregator=;', '-E', 'occurrence=a', '-e', 'ip.src', '-e', 'ipv6.src', '-e', 'bgp.type', '-e', 'bgp.route_refresh.subtype'], { encoding: 'utf8' });
    const out: { src: string; type: number; subtype?: number }[] = [];
    for (const line of r.stdout.split('\n').filter(Boolean)) {
      const [v4, v6, types, subtypes] = line.split(',');
      const subs = (subtypes ?? '').split(';').filter((x) => x !== '').map(Number);
      for (const ty of types.split(';').map(Number)) out.push({ src: v4 || v6, type: ty, ...(ty === 5 ? { subtype: subs.shift() ?? 0 } : {}) });
    }
    return out;
  }

  notifications(): WireNotification[] {
    const r = spawnSync('tshark', ['-r', this.file, '-Y', 'bgp.type == 3', '-T', 'fields', '-E', 'separator=,', '-E', 'occurrence=f', '-e', 'ip.src', '-e', 'ipv6.src', '-e', 'bgp.notify.major_error', ...MINOR_FIELDS.flatMap((f) => ['-e', f])], { encoding: 'utf8' });
    return r.stdout.split('\n').filter(Boolean).map((line) => {
      const [v4, v6, major, ...minors] = line.split(',');
      return { src: v4 || v6, code: Number(major), subcode: Number(minors.find((m) => m !== '') ?? 0) };
    });
  }
}
