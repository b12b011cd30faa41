// pmacct's pmbmpd (Debian) as a BMP collector in a test's namespace, and its real-time JSON log.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';

export type CollectorLine = Record<string, any>;

/** pmbmpd listening on 127.0.0.1:1790 in `ns`, logging every message to `file` (-o). */
export function pmbmpd(ns: string, file: string): ChildProcess {
  return spawn('ip', ['netns', 'exec', ns, 'pmbmpd', '-L', '127.0.0.1', '-l', '1790', '-o', file], { stdio: 'ignore' });
}

/** The log so far: one JSON object per line (a line being written is skipped). */
export function collectorLog(file: string): CollectorLine[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').split('\n').filter(Boolean).flatMap((l) => {
    try {
      return [JSON.parse(l)];
    } catch {
      return [];
    }
  });
}
