// RIB snapshots as MRT files (RFC 6396 TABLE_DUMP_V2), on demand (`nodebgp dump`, POST
// /v1/rib/dump) and every mrt.ribInterval seconds, into the configured directory. Written a page of prefixes at a time with the event
// loop free between pages, so sessions keep their timers during a dump of a full table; the file
// appears under its name only when complete (written as NAME.part, then renamed).

import { open, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Clock, TimerHandle } from '../fsm/index.js';
import { MrtSnapshot, type Rib } from '../rib/index.js';
import { CommandError } from './commands.js';

/** Prefixes per write: about 100 KB, a few milliseconds of encoding. */
const PAGE = 1000;
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export interface RibDump {
  readonly file: string;
  readonly prefixes: number;
  readonly paths: number;
  readonly bytes: number;
  readonly seconds: number;
}

/** The default file name of a dump at `date` (UTC): rib.YYYYMMDD.HHMMSS.mrt, as collectors name them. */
export function dumpName(date: Date): string {
  const s = date.toISOString();
  return `rib.${s.slice(0, 10).replaceAll('-', '')}.${s.slice(11, 19).replaceAll(':', '')}.mrt`;
}

/**
 * Writes the RIB to `directory`/`name`. `epoch` turns a path's receive time (seconds on the
 * daemon's clock) into seconds since the epoch.
 */
export async function writeRibDump(rib: Rib, directory: string | undefined, name: string | undefined, epoch: (at: number) => number, viewName = 'nodebgp'): Promise<RibDump> {
  if (!directory) throw new CommandError('conflict', 'no MRT directory is configured (mrt.directory)');
  const start = performance.now();
  const now = new Date();
  const file = name ?? dumpName(now);
  if (!NAME.test(file)) throw new CommandError('invalid', `"${file}" is not a file name (letters, digits, ".", "_" and "-"; no directories)`);
  const path = join(directory, file);
  const part = `${path}.part`;
  const snapshot = new MrtSnapshot(rib, Math.floor(now.getTime() / 1000), epoch);
  let handle;
  try {
    handle = await open(part, 'w', 0o644);
  } catch (e) {
    throw new CommandError('conflict', `cannot write ${part}: ${(e as Error).message}`);
  }
  let prefixes = 0;
  let paths = 0;
  let bytes = 0;
  try {
    const header = snapshot.peerIndex(viewName);
    await handle.write(header);
    bytes += header.length;
    for (const page of snapshot.pages(PAGE)) {
      if (page.records.length === 0) continue;
      const chunk = Buffer.concat(page.records);
      await handle.write(chunk);
      bytes += chunk.length;
      prefixes += page.prefixes;
      paths += page.paths;
    }
    await handle.close();
    handle = undefined;
    await rename(part, path);
  } catch (e) {
    await handle?.close().catch(() => {});
    await rm(part, { force: true });
    throw new CommandError('conflict', `cannot write ${path}: ${(e as Error).message}`);
  }
  return { file: path, prefixes, paths, bytes, seconds: (performance.now() - start) / 1000 };
}

/**
 * RIB dumps every `mrt.ribInterval` seconds on the injected clock, each timed from the end of the
 * one before (a dump that takes long never overlaps the next). `set` (re)arms it from the current
 * configuration: at start and after a reload.
 */
export class DumpSchedule {
  readonly #clock: Clock;
  readonly #run: () => Promise<unknown>;
  #every: number | undefined;
  #timer: TimerHandle | undefined;

  constructor(clock: Clock, run: () => Promise<unknown>) {
    this.#clock = clock;
    this.#run = run;
  }

  /** Dumps every `seconds` (undefined: none). An unchanged interval keeps the running timer. */
  set(seconds: number | undefined): void {
    if (seconds === this.#every) return;
    this.stop();
    this.#every = seconds;
    if (seconds) this.#arm();
  }

  stop(): void {
    this.#every = undefined;
    if (this.#timer) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #arm(): void {
    const every = this.#every!;
    this.#timer = this.#clock.setTimeout(() => {
      this.#timer = undefined;
      void this.#run().finally(() => {
        if (this.#every === every && !this.#timer) this.#arm();
      });
    }, every * 1000);
  }
}
