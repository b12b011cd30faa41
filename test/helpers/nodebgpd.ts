// Runs the real `nodebgpd` binary inside a namespace, with its config file in a temp dir, its
// JSON log collected, and the real `nodebgp` CLI run in the same namespace to query and change it.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { ROOT } from './fixtures.js';
import { inNs, run } from './netns.js';
import { freePort } from './raw-peer.js';
import { shipped } from './shipped-env.js';
import { tempDir } from './tmp.js';

export type LogLine = Record<string, unknown> & { msg: string };

export class Nodebgpd {
  readonly log: LogLine[] = [];
  readonly stderr: string[] = [];
  readonly dir = tempDir('nodebgpd-');
  readonly configFile = join(this.dir, 'nodebgpd.yaml');
  readonly #proc: ChildProcess;
  readonly exited: Promise<number | null>;

  /**
   * `config` undefined runs the embedded default configuration. `ns` null runs it in this
   * namespace (hardening tests on loopback, with fib disabled and ports of their own). `env`: more
   * of the environment an operator may give it (NODE_OPTIONS, say).
   */
  constructor(readonly ns: string | null, config: string | undefined, readonly apiPort = 8179, env: Record<string, string> = {}) {
    const args = [process.execPath, join(ROOT, 'dist', 'api', 'nodebgpd.js')];
    if (config !== undefined) {
      writeFileSync(this.configFile, config);
      args.push('-c', this.configFile);
    }
    const argv = shipped(args, env);
    this.#proc = ns === null ? spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] }) : spawn('ip', ['netns', 'exec', ns, ...argv], { stdio: ['ignore', 'pipe', 'pipe'] });
    createInterface({ input: this.#proc.stdout! }).on('line', (l) => {
      try {
        this.log.push(JSON.parse(l));
      } catch {
        this.stderr.push(l);
      }
    });
    this.#proc.stderr!.on('data', (d) => this.stderr.push(String(d)));
    this.exited = new Promise((r) => this.#proc.on('exit', (code) => r(code)));
  }

  writeConfig(text: string): void {
    writeFileSync(this.configFile, text);
  }

  /** The daemon's pid (`ip netns exec` execs node). */
  get pid(): number | undefined {
    return this.#proc.pid;
  }

  signal(sig: NodeJS.Signals): void {
    // `ip netns exec` execs node, so the child's pid is the daemon's.
    this.#proc.kill(sig);
  }

  /** The `nodebgp` CLI in the namespace; JSON output parsed (throws with its stderr on failure). */
  cli(...args: string[]): any {
    const argv = shipped([process.execPath, join(ROOT, 'dist', 'api', 'cli', 'main.js'), '--api', `http://127.0.0.1:${this.apiPort}`, '--json', ...args]);
    return JSON.parse(this.#here(argv[0], argv.slice(1)));
  }

  #here(cmd: string, args: string[], opts: { allowFail?: boolean } = {}): string {
    return this.ns === null ? run(cmd, args, opts) : inNs(this.ns, cmd, args, opts);
  }

  /** The CLI's exit status and output (human form), also for commands expected to fail. */
  cliRaw(...args: string[]): { status: number | null; stdout: string; stderr: string } {
    const cli = shipped([process.execPath, join(ROOT, 'dist', 'api', 'cli', 'main.js'), '--api', `http://127.0.0.1:${this.apiPort}`, ...args]);
    const r = this.ns === null ? spawnSync(cli[0], cli.slice(1), { encoding: 'utf8' }) : spawnSync('ip', ['netns', 'exec', this.ns, ...cli], { encoding: 'utf8' });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  }

  curl(path: string): string {
    return this.#here('curl', ['-s', `http://127.0.0.1:${this.apiPort}${path}`], { allowFail: true });
  }

  async waitLog(pred: (l: LogLine) => boolean, ms = 20000, since = 0): Promise<LogLine> {
    const end = Date.now() + ms;
    while (Date.now() < end) {
      const hit = this.log.slice(since).find(pred);
      if (hit) return hit;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`no such log line in ${ms} ms; last lines: ${JSON.stringify(this.log.slice(-12))}; stderr: ${this.stderr.join('').slice(-1500)}`);
  }

  /** Resolves once the admin API listens (the daemon is fully started). */
  async ready(ms = 20000): Promise<void> {
    await this.waitLog((l) => l.msg === 'admin API listening', ms);
  }

  /** Whether the process is still running. */
  get alive(): boolean {
    return this.#proc.exitCode === null && this.#proc.signalCode === null;
  }

  stop(): void {
    if (this.#proc.exitCode === null) this.#proc.kill('SIGKILL');
  }
}

/**
 * The binary on loopback for hardening tests: ports of its own, no kernel routes, AS 65000;
 * `rest` is the rest of its configuration. Resolves once it is ready; stopped at `t`'s teardown.
 */
export async function onLoopback(t: { teardown(fn: () => unknown): void }, rest: string, env: Record<string, string> = {}): Promise<{ d: Nodebgpd; port: number; apiPort: number }> {
  const port = await freePort();
  const apiPort = await freePort();
  const d = new Nodebgpd(null, `asn: 65000
routerId: 10.0.0.1
listen: { addresses: [127.0.0.1], port: ${port} }
api: { address: 127.0.0.1, port: ${apiPort} }
fib: { enabled: false }
${rest}`, apiPort, env);
  t.teardown(() => d.stop());
  await d.ready();
  return { d, port, apiPort };
}
