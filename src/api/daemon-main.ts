// nodebgpd's daemon process (loaded by nodebgpd.ts once the heap flags are in force). Loads the configuration (a file, or the embedded default), starts
// the BGP listeners and sessions, serves the admin API and metrics, and handles signals: SIGHUP
// reloads the file, SIGTERM/SIGINT send Cease / Administrative Shutdown to every peer and exit.
// Start-up failures (bad config, port in use, missing permission) exit non-zero with one line.

import type { Server } from 'node:http';
import { isIP } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Command, Option } from 'commander';
import { ConfigError, type LoadedConfig, loadConfigFile, parseConfig } from '../config/load.js';
import { checkToken } from '../config/spec.js';
import { DEFAULT_CONFIG_TEXT } from '../config/default.js';
import { configJsonSchema } from '../config/json-schema.js';
import { raiseCapabilities } from '../daemon/capabilities.js';
import { DaemonProcess, FibLockError, ListenError } from '../daemon/process.js';
import { buildApi } from './app.js';
import { createMetrics } from './metrics.js';
import { serveMetrics } from './metrics-server.js';
import { VERSION } from './version.js';

function isLoopback(address: string): boolean {
  return address === 'localhost' || address === '::1' || (isIP(address) === 4 && address.startsWith('127.'));
}

/**
 * V8's full collection, exposed by the daemon to itself (not a flag users pass): after most of a
 * table is withdrawn, the memory goes back to the system at once.
 */
function fullCollection(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

function hostPort(address: string, port: number): string {
  return `${address.includes(':') ? `[${address}]` : address}:${port}`;
}

function fail(message: string, code = 1): never {
  process.stderr.write(`nodebgpd: ${message}\n`);
  process.exit(code);
}

async function main(): Promise<void> {
  const program = new Command('nodebgpd')
    .description('BGP-4 route daemon for bare-metal Kubernetes fabrics')
    .option('-c, --config <file>', 'configuration file (YAML or JSON); without it the embedded default runs')
    .option('--check', 'validate the configuration and exit')
    .option('--print-default-config', 'print the embedded default configuration and exit')
    .option('--print-config-schema', 'print the configuration file\'s JSON Schema (for editors) and exit')
    .version(`nodebgpd ${VERSION} (node ${process.version})`, '-V, --version')
    .option('--api-address <address>', 'override api.address')
    .option('--api-port <port>', 'override api.port', (v) => Number(v))
    .option('--listen-port <port>', 'override listen.port', (v) => Number(v))
    .addOption(new Option('--log-format <format>', 'json lines, or pretty lines for a person (default: pretty on a terminal)').choices(['json', 'pretty']))
    .parse();
  const opts = program.opts<{ config?: string; check?: boolean; printDefaultConfig?: boolean; printConfigSchema?: boolean; apiAddress?: string; apiPort?: number; listenPort?: number; logFormat?: 'json' | 'pretty' }>();
  if (opts.printDefaultConfig) {
    process.stdout.write(DEFAULT_CONFIG_TEXT);
    return;
  }
  if (opts.printConfigSchema) {
    process.stdout.write(`${JSON.stringify(configJsonSchema(), null, 2)}\n`);
    return;
  }
  let loaded: LoadedConfig;
  try {
    loaded = opts.config ? loadConfigFile(opts.config) : parseConfig(DEFAULT_CONFIG_TEXT, 'embedded default');
  } catch (e) {
    if (e instanceof ConfigError) fail(`invalid configuration:\n${e.message}`, 2);
    throw e;
  }
  if (opts.listenPort !== undefined) loaded = { ...loaded, daemon: { ...loaded.daemon, listen: { ...loaded.daemon.listen, port: opts.listenPort } } };
  const envToken = process.env.NODEBGP_API_TOKEN || undefined;
  const envProblem = envToken === undefined ? undefined : checkToken(envToken);
  if (envProblem) fail(`NODEBGP_API_TOKEN: ${envProblem}`, 2);
  const token = loaded.api.token ?? envToken;
  const api = { ...loaded.api, ...(opts.apiAddress ? { address: opts.apiAddress } : {}), ...(opts.apiPort !== undefined ? { port: opts.apiPort } : {}) };
  if (!isLoopback(api.address) && !token) fail(`refusing to serve the API on ${api.address} without a token: set api.token (or NODEBGP_API_TOKEN), or bind to 127.0.0.1`, 2);
  if (opts.check) {
    for (const w of loaded.warnings) process.stderr.write(`${loaded.source}: warning: ${w}\n`);
    process.stdout.write(`${loaded.source}: configuration OK (${loaded.daemon.neighbors.length} neighbors${loaded.warnings.length > 0 ? `, ${loaded.warnings.length} warnings` : ''})\n`);
    return;
  }

  // Before anything starts a thread: threads copy the capabilities of the one that makes them.
  const caps = raiseCapabilities(['NET_BIND_SERVICE', 'NET_ADMIN']);
  const proc = new DaemonProcess(loaded, { configPath: opts.config, envToken, apiLoopback: isLoopback(api.address), collectGarbage: fullCollection(), ...(opts.logFormat ? { logFormat: opts.logFormat } : {}) });
  if (caps.unavailable.length > 0) proc.logger.info({ effective: caps.effective, unavailable: caps.unavailable }, `capabilities not permitted to this process: ${caps.unavailable.join(', ')} (binding below port 1024, TCP-MD5 and kernel routes may fail)`);
  const metrics = createMetrics(proc);
  // The token in force is the loaded file's (a reload changes it), else the environment's.
  const app = await buildApi(proc, { token: () => proc.loaded.api.token ?? envToken, metrics });
  try {
    await proc.start();
  } catch (e) {
    if (e instanceof ListenError || e instanceof FibLockError) fail(e.message);
    throw e;
  }
  try {
    await app.listen({ host: api.address, port: api.port });
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    await proc.stop();
    fail(`cannot serve the API on ${api.address}:${api.port}: ${err.code === 'EADDRINUSE' ? 'the port is in use (set api.port or --api-port)' : err.message}`);
  }
  const m = loaded.metrics;
  let metricsServer: Server | undefined;
  if (m.enabled) {
    try {
      metricsServer = await serveMetrics(metrics, m.address, m.port);
    } catch (e) {
      await proc.stop();
      await app.close();
      const err = e as NodeJS.ErrnoException;
      fail(`cannot serve metrics on ${m.address}:${m.port}: ${err.code === 'EADDRINUSE' ? 'the port is in use (set metrics.port, or metrics.enabled: false)' : err.message}`);
    }
    proc.logger.info({ metrics: `http://${hostPort(m.address, m.port)}/metrics` }, 'metrics listening');
  }
  proc.logger.info({ api: `http://${hostPort(api.address, api.port)}`, token: token ? 'required for writes' : 'none' }, 'admin API listening');

  process.on('SIGHUP', () => {
    // Logged by reload(); on an error the running configuration stays.
    proc.reload().catch(() => undefined);
  });
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    proc.logger.info({ signal }, 'shutting down');
    await proc.stop();
    await app.close();
    metricsServer?.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((e: Error) => fail(e.message));
