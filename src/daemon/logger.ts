// The daemon's logger: pino JSON lines with ISO timestamps (one object per line, for log
// pipelines), or pino-pretty's readable lines for a person at a terminal (the default when stdout
// is a TTY, or `log.format: pretty` / `--log-format pretty`).

import { createRequire } from 'node:module';
import { type Logger, pino } from 'pino';
import type PinoPretty from 'pino-pretty';

/** pino-pretty is loaded only for pretty output: a daemon logging JSON (a DaemonSet's) never needs its modules. */
const loadPretty = () => createRequire(import.meta.url)('pino-pretty') as typeof PinoPretty;

export type LogFormat = 'json' | 'pretty';

/** `destination`: where lines go (stdout unless a test captures them). */
export function makeLogger(level: string, format: LogFormat = process.stdout.isTTY ? 'pretty' : 'json', destination?: NodeJS.WritableStream): Logger {
  const options = { level, base: { service: 'nodebgpd' }, timestamp: pino.stdTimeFunctions.isoTime };
  if (format === 'json') return destination ? pino(options, destination) : pino(options);
  return pino(options, loadPretty()({ colorize: destination === undefined && process.stdout.isTTY === true, translateTime: 'SYS:yyyy-mm-dd HH:MM:ss.l', ignore: 'service', sync: true, ...(destination ? { destination } : {}) }));
}
