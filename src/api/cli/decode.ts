// `nodebgp decode`: BGP messages in, one JSON object per message per line out; or, with --mrt, an
// MRT file in, one JSON object per record out.
// Input: hex arguments, hex lines on stdin (one message per line), or with --raw a binary stream
// (a file or stdin) framed as a TCP stream would be. A malformed message prints
// {"error":{"code","subcode","data","reason"}} on its line; the exit status is then 1.

import { readFileSync } from 'node:fs';
import {
  type CodecContext, AttributeCache, Framer, decodeMessage, isBgpProtocolError, makeContext,
  maxMessageLength, messageToJsonText, afiSafiName, Afi, Safi, afiSafiKey, MrtError, readMrt,
} from '../../wire/index.js';

export interface DecodeOptions {
  raw?: string | boolean;
  /** An MRT file (RFC 6396) to read, or true for stdin. */
  mrt?: string | boolean;
  addPath?: string;
  as4: boolean;
  extendedMessage?: boolean;
}

const AFI_SAFI_BY_NAME = new Map<string, number>(
  [Afi.IPV4, Afi.IPV6].flatMap((afi) => [Safi.UNICAST, Safi.MULTICAST].map((safi) => [afiSafiName(afi, safi), afiSafiKey(afi, safi)] as [string, number])),
);

export function contextFromOptions(opts: DecodeOptions): CodecContext {
  const addPath = new Set<number>();
  for (const name of (opts.addPath ?? '').split(',').map((s) => s.trim()).filter(Boolean)) {
    const key = AFI_SAFI_BY_NAME.get(name);
    if (key === undefined) throw new Error(`--add-path: unknown AFI/SAFI "${name}" (allowed: ${[...AFI_SAFI_BY_NAME.keys()].join(', ')})`);
    addPath.add(key);
  }
  return makeContext({ as4: opts.as4, extendedMessage: opts.extendedMessage === true, addPath });
}

function errorLine(e: unknown): string {
  if (isBgpProtocolError(e)) {
    return JSON.stringify({ error: { code: e.code, subcode: e.subcode, data: e.data.toString('hex'), reason: e.message } });
  }
  throw e;
}

/** Decodes one message per hex string; returns the output lines and whether any failed. */
export function decodeHexLines(lines: readonly string[], ctx: CodecContext): { out: string[]; failed: boolean } {
  const out: string[] = [];
  let failed = false;
  const cache = new AttributeCache();
  for (const line of lines) {
    const hex = line.replace(/[\s:]/g, '');
    if (hex === '') continue;
    if (!/^([0-9a-fA-F]{2})+$/.test(hex)) {
      out.push(JSON.stringify({ error: { code: 0, subcode: 0, data: '', reason: 'not an even-length hex string' } }));
      failed = true;
      continue;
    }
    try {
      out.push(messageToJsonText(decodeMessage(Buffer.from(hex, 'hex'), ctx, cache)));
    } catch (e) {
      out.push(errorLine(e));
      failed = true;
    }
  }
  return { out, failed };
}

/** Frames and decodes a binary stream; a framing error ends the stream (it cannot resynchronise). */
export function decodeStream(data: Buffer, ctx: CodecContext): { out: string[]; failed: boolean } {
  const out: string[] = [];
  const framer = new Framer(maxMessageLength(ctx));
  const cache = new AttributeCache();
  let frames: Buffer[];
  try {
    frames = framer.push(data);
  } catch (e) {
    return { out: [errorLine(e)], failed: true };
  }
  let failed = false;
  for (const f of frames) {
    try {
      out.push(messageToJsonText(decodeMessage(f, ctx, cache)));
    } catch (e) {
      out.push(errorLine(e));
      failed = true;
    }
  }
  if (framer.buffered > 0) {
    out.push(JSON.stringify({ error: { code: 0, subcode: 0, data: '', reason: `stream ends inside a message (${framer.buffered} octets left)` } }));
    failed = true;
  }
  return { out, failed };
}

function readStdin(): Buffer {
  return readFileSync(0);
}

export function runDecode(hexArgs: string[], opts: DecodeOptions): number {
  // A reader that stops early (`| head`) is not an error.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
  if (opts.mrt !== undefined && opts.mrt !== false) {
    const data = typeof opts.mrt === 'string' && opts.mrt !== '-' ? readFileSync(opts.mrt) : readStdin();
    try {
      readMrt(data, (r) => process.stdout.write(`${JSON.stringify(r)}\n`));
      return 0;
    } catch (e) {
      if (!(e instanceof MrtError)) throw e;
      process.stdout.write(`${JSON.stringify({ error: e.message })}\n`);
      return 1;
    }
  }
  const ctx = contextFromOptions(opts);
  let result: { out: string[]; failed: boolean };
  if (opts.raw !== undefined && opts.raw !== false) {
    const data = typeof opts.raw === 'string' && opts.raw !== '-' ? readFileSync(opts.raw) : readStdin();
    result = decodeStream(data, ctx);
  } else {
    const lines = hexArgs.length > 0 ? hexArgs : readStdin().toString('utf8').split('\n');
    result = decodeHexLines(lines, ctx);
  }
  for (const line of result.out) process.stdout.write(line + '\n');
  return result.failed ? 1 : 0;
}
