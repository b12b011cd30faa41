// Drives a speaker-host.mjs process inside a namespace: events in, commands out, with waits that
// time out with the events seen so far (so a failure explains itself).
import { type ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { ROOT } from './fixtures.js';
import { tempDir } from './tmp.js';

export type HostEvent = Record<string, unknown> & { event: string };

export class SpeakerHost {
  readonly events: HostEvent[] = [];
  readonly #proc: ChildProcess;
  readonly #waiters: { pred: (e: HostEvent) => boolean; resolve: (e: HostEvent) => void }[] = [];
  #nextId = 1;
  readonly stderr: string[] = [];

  constructor(ns: string, config: unknown, script = 'speaker-host.mjs') {
    const dir = tempDir('nodebgp-host-');
    const file = join(dir, 'config.json');
    writeFileSync(file, JSON.stringify(config));
    this.#proc = spawn('ip', ['netns', 'exec', ns, process.execPath, '--expose-gc', join(ROOT, 'test', 'helpers', script), file], { stdio: ['pipe', 'pipe', 'pipe'] });
    createInterface({ input: this.#proc.stdout! }).on('line', (line) => {
      let e: HostEvent;
      try {
        e = JSON.parse(line);
      } catch {
        this.stderr.push(line);
        return;
      }
      this.events.push(e);
      for (const w of [...this.#waiters]) {
        if (w.pred(e)) {
          this.#waiters.splice(this.#waiters.indexOf(w), 1);
          w.resolve(e);
        }
      }
    });
    this.#proc.stderr!.on('data', (d) => this.stderr.push(String(d)));
  }

  /** Resolves with the first event (already seen, or coming) that matches; rejects after `ms`. */
  waitFor(pred: (e: HostEvent) => boolean, ms = 20000, since = 0): Promise<HostEvent> {
    const seen = this.events.slice(since).find(pred);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const w = { pred, resolve: (e: HostEvent) => { clearTimeout(t); resolve(e); } };
      const t = setTimeout(() => {
        this.#waiters.splice(this.#waiters.indexOf(w), 1);
        reject(new Error(`timed out after ${ms} ms; events: ${JSON.stringify(this.events.slice(-15))}; stderr: ${this.stderr.join('').slice(-2000)}`));
      }, ms);
      this.#waiters.push(w);
    });
  }

  state(peer: string, state: string, ms?: number, since = 0): Promise<HostEvent> {
    return this.waitFor((e) => e.event === 'state' && e.peer === peer && e.to === state, ms, since);
  }

  async command(cmd: Record<string, unknown>): Promise<HostEvent> {
    const id = this.#nextId++;
    this.#proc.stdin!.write(JSON.stringify({ ...cmd, id }) + '\n');
    return this.waitFor((e) => e.id === id, 10000);
  }

  /** A command answered with { event: 'reply', id, ... }. */
  async ask(cmd: Record<string, unknown>): Promise<Record<string, any>> {
    return (await this.command(cmd)) as Record<string, any>;
  }

  async snapshot(peer: string): Promise<Record<string, any>> {
    return (await this.command({ cmd: 'snapshot', peer })).snapshot as Record<string, any>;
  }

  async stop(): Promise<void> {
    if (this.#proc.exitCode !== null) return;
    const exited = new Promise((r) => this.#proc.once('exit', r));
    this.#proc.stdin!.end();
    const t = setTimeout(() => this.#proc.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(t);
  }
}

/** Stops the host and the peer daemons, in that order, when the test ends (passed or failed). */
export function stopAtEnd(t: { teardown(fn: () => unknown): void }, ...things: { stop(): unknown }[]): void {
  t.teardown(async () => {
    for (const x of things) await x.stop();
  });
}
