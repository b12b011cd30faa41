// Temp dirs for one test file, removed when its process exits, passed or failed (tap runs each
// file in a process of its own), so a run leaves nothing behind in /tmp.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const made: string[] = [];

function removeAll(): void {
  for (const d of made) rmSync(d, { recursive: true, force: true, maxRetries: 2 });
}

/** A new directory `/tmp/<prefix>XXXXXX`, gone when this test process ends. */
export function tempDir(prefix: string): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  if (made.length === 0) process.once('exit', removeAll);
  made.push(d);
  return d;
}
