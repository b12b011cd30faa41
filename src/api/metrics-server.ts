// The metrics listener: Prometheus exposition on its own port, read-only (GET /metrics, nothing
// else), so that scraping from other hosts needs no admin token and opens no other read. The
// admin API stays on loopback.

import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import type { Metrics } from './metrics.js';

// node:http through require, not an ES import: importing a built-in reads all of its exports,
// and http's lazy WebSocket, CloseEvent and MessageEvent then load undici (72 more built-in
// modules; a bare node importing node:http: 59.2 MB RSS, requiring it: 45.7 MB).
const { createServer } = createRequire(import.meta.url)('node:http') as typeof import('node:http');

export async function serveMetrics(metrics: Metrics, address: string, port: number): Promise<Server> {
  const server = createServer((req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/metrics') {
      res.writeHead(path === '/' ? 200 : 404, { 'content-type': 'text/plain; charset=utf-8' }).end(path === '/' ? 'nodebgp metrics: /metrics\n' : 'not found\n');
      return;
    }
    metrics.scrape().then(
      (text) => res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(req.method === 'HEAD' ? undefined : text),
      (e: Error) => res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end(`${e.message}\n`),
    );
  });
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: address, port }, () => resolve());
  });
  return server;
}
