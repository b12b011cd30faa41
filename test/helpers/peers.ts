// Real BGP daemons from Debian (FRR bgpd, BIRD 2, GoBGP) started inside a test's namespace, with
// their own config, socket and log files under a temp dir, and their own query commands.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { inNs } from './netns.js';
import { tempDir } from './tmp.js';

function workdir(tag: string): string {
  const d = tempDir(`nodebgp-${tag}-`);
  chmodSync(d, 0o777);
  return d;
}

function pidFrom(file: string): number | undefined {
  try {
    return Number(readFileSync(file, 'utf8').trim()) || undefined;
  } catch {
    return undefined;
  }
}

export interface Daemon {
  readonly dir: string;
  stop(): void;
  /** SIGSTOP / SIGCONT: a frozen peer keeps its TCP connection but stops talking. */
  freeze(): void;
  thaw(): void;
}

export interface FrrOptions {
  /**
   * bfdd's configuration: with it zebra and bfdd run beside bgpd (bgpd registers its BFD sessions
   * through zebra, so `neighbor X bfd` needs both); without it bgpd runs alone (-Z).
   */
  readonly bfdd?: string;
  /** bgpd modules to load (`-M`), like rpki (frr-rpki-rtrlib). */
  readonly modules?: readonly string[];
  /** zebra beside bgpd without bfdd: unnumbered neighbors need it (it sends and hears the router advertisements). */
  readonly zebra?: boolean;
}

export class Frr implements Daemon {
  readonly dir: string;
  readonly ns: string;
  readonly config: string;
  readonly #bfdd: string | undefined;
  readonly #zebra: boolean;
  readonly #modules: readonly string[];

  constructor(ns: string, config: string, options: FrrOptions = {}) {
    this.ns = ns;
    this.config = config;
    this.#bfdd = options.bfdd;
    this.#modules = options.modules ?? [];
    this.#zebra = this.#bfdd !== undefined || (options.zebra ?? false);
    this.dir = workdir('frr');
    if (this.#zebra) this.#startZebra();
    if (this.#bfdd !== undefined) this.#startBfdd(this.#bfdd);
    this.start();
  }

  #daemonArgs(name: string): string[] {
    return ['-d', '-i', join(this.dir, `${name}.pid`), '--vty_socket', this.dir, '-z', join(this.dir, 'zserv'), '--log', `file:${join(this.dir, `${name}.log`)}`];
  }

  #startZebra(): void {
    inNs(this.ns, '/usr/lib/frr/zebra', [...this.#daemonArgs('zebra'), '-u', 'frr', '-g', 'frr', '-f', '/dev/null']);
    for (let i = 0; i < 50 && !existsSync(join(this.dir, 'zserv')); i++) spawnSync('sleep', ['0.05']);
  }

  #startBfdd(bfddConfig: string): void {
    writeFileSync(join(this.dir, 'bfdd.conf'), bfddConfig);
    inNs(this.ns, '/usr/lib/frr/bfdd', [...this.#daemonArgs('bfdd'), '-u', 'frr', '-g', 'frr', '-f', join(this.dir, 'bfdd.conf'), '--bfdctl', join(this.dir, 'bfdd.sock')]);
  }

  start(): void {
    writeFileSync(join(this.dir, 'bgpd.conf'), this.config);
    inNs(this.ns, '/usr/lib/frr/bgpd', [...this.#daemonArgs('bgpd'), ...(this.#zebra ? [] : ['-Z']), ...this.#modules.flatMap((m) => ['-M', m]), '-S', '-f', join(this.dir, 'bgpd.conf')]);
  }

  get pid(): number | undefined {
    return pidFrom(join(this.dir, 'bgpd.pid'));
  }

  vtysh(...commands: string[]): string {
    return inNs(this.ns, 'vtysh', ['--vty_socket', this.dir, ...commands.flatMap((c) => ['-c', c])], { allowFail: true });
  }

  json(command: string): any {
    const out = this.vtysh(command);
    try {
      return JSON.parse(out);
    } catch {
      return {};
    }
  }

  neighbor(address: string): any {
    return this.json(`show bgp neighbors ${address} json`)[address] ?? {};
  }

  log(): string {
    try {
      return readFileSync(join(this.dir, 'bgpd.log'), 'utf8');
    } catch {
      return '';
    }
  }

  /** Stops bgpd (and zebra and bfdd when they run). */
  stop(): void {
    for (const name of ['bgpd', 'bfdd', 'zebra']) {
      const pid = pidFrom(join(this.dir, `${name}.pid`));
      if (pid) spawnSync('kill', ['-9', String(pid)]);
    }
  }

  freeze(): void {
    spawnSync('kill', ['-STOP', String(this.pid)]);
  }

  thaw(): void {
    spawnSync('kill', ['-CONT', String(this.pid)]);
  }
}

export class Bird implements Daemon {
  readonly dir: string;
  readonly ns: string;

  constructor(ns: string, config: string) {
    this.ns = ns;
    this.dir = workdir('bird');
    writeFileSync(join(this.dir, 'bird.conf'), config);
    inNs(ns, 'bird', ['-c', join(this.dir, 'bird.conf'), '-s', join(this.dir, 'bird.ctl'), '-P', join(this.dir, 'bird.pid')]);
  }

  birdc(command: string): string {
    return inNs(this.ns, 'birdc', ['-s', join(this.dir, 'bird.ctl'), command], { allowFail: true });
  }

  /** Replaces the configuration file and has BIRD reload it (`birdc configure`). */
  configure(config: string): string {
    writeFileSync(join(this.dir, 'bird.conf'), config);
    return this.birdc('configure');
  }

  stop(): void {
    const pid = pidFrom(join(this.dir, 'bird.pid'));
    if (pid) spawnSync('kill', ['-9', String(pid)]);
  }

  freeze(): void {
    spawnSync('kill', ['-STOP', String(pidFrom(join(this.dir, 'bird.pid')))]);
  }

  thaw(): void {
    spawnSync('kill', ['-CONT', String(pidFrom(join(this.dir, 'bird.pid')))]);
  }
}

export class Gobgp implements Daemon {
  readonly dir: string;
  readonly ns: string;
  readonly #proc: ChildProcess;

  constructor(ns: string, toml: string) {
    this.ns = ns;
    this.dir = workdir('gobgp');
    writeFileSync(join(this.dir, 'gobgpd.toml'), toml);
    this.#proc = spawn('ip', ['netns', 'exec', ns, 'gobgpd', '-f', join(this.dir, 'gobgpd.toml'), '-p', '--log-level=warn', '--api-hosts', '127.0.0.1:50051'], { stdio: 'ignore' });
  }

  gobgp(...args: string[]): string {
    return inNs(this.ns, 'gobgp', ['-u', '127.0.0.1', '-p', '50051', ...args], { allowFail: true });
  }

  neighborJson(address: string): any {
    try {
      return JSON.parse(this.gobgp('neighbor', address, '-j'));
    } catch {
      return {};
    }
  }

  stop(): void {
    this.#proc.kill('SIGKILL');
  }

  freeze(): void {
    this.#proc.kill('SIGSTOP');
  }

  thaw(): void {
    this.#proc.kill('SIGCONT');
  }
}

/** Polls `fn` (sync or async) until it returns a truthy value or `ms` pass (shared with the lab). */
export { until } from '../../lab/netns/wait.mjs';
