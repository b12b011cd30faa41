// The CLI's HTTP client for the admin API. Errors come back as one clear line: the daemon is not
// reachable (and where it was looked for), or the API's own error code and message.

import type { ErrorBody } from '../../daemon/contract/index.js';

export class CliError extends Error {}

export interface ClientOptions {
  readonly api: string;
  readonly token?: string;
}

/** One API call; `T` is the contract type the path answers with (the CLI trusts the daemon's contract). */
export async function call<T = unknown>(o: ClientOptions, method: string, path: string, body?: unknown): Promise<T> {
  let res: Response;
  try {
    res = await fetch(new URL(path, o.api), {
      method,
      headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(o.token ? { authorization: `Bearer ${o.token}` } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
  } catch (e) {
    const c = (e as { cause?: { code?: string; message?: string } }).cause;
    const cause = c?.code ?? c?.message ?? (e as Error).message;
    throw new CliError(`cannot reach nodebgpd at ${o.api} (${cause}); is it running? (set --api or NODEBGP_API)`);
  }
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new CliError(`unexpected answer from ${o.api} (HTTP ${res.status}): ${text.slice(0, 200)}`);
  }
  if (!res.ok) {
    const err = (json as Partial<ErrorBody>).error;
    const details = Array.isArray(err?.details) ? `\n${(err.details as { key?: string; line?: number; message?: string }[]).map((d) => `  ${d.line ? `line ${d.line}: ` : ''}${d.key ? `${d.key}: ` : ''}${d.message}`).join('\n')}` : '';
    throw new CliError(`${err?.code ?? `HTTP ${res.status}`}: ${err?.message ?? text}${details}`);
  }
  return json as T;
}
