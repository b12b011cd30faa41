// One nodebgpd per kernel routing table and network namespace. An abstract unix socket is the
// lock: its name lives in the network namespace (as the routing table does), it is released when
// the process dies however it dies, and it needs no file. Whoever holds it answers a connection
// with its pid, so the one refused can say who holds it.
// Must not import rib, api, daemon, pino or prom-client.

import { type Server, connect, createServer } from 'node:net';

export class FibLockError extends Error {}

export class TableLock {
  readonly #server: Server;

  private constructor(server: Server) {
    this.#server = server;
  }

  /** Takes the lock of `table`, or throws FibLockError naming the holder. */
  static async acquire(table: number): Promise<TableLock> {
    const name = `\0nodebgpd-fib-table-${table}`;
    const server = createServer((s) => s.end(`${process.pid}\n`));
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen({ path: name }, () => resolve());
      });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw new FibLockError(`cannot lock routing table ${table}: ${(e as Error).message}`);
      const holder = await holderOf(name);
      throw new FibLockError(`routing table ${table} is managed by another nodebgpd in this network namespace${holder ? ` (pid ${holder})` : ''}; stop it, or give this one another fib.table`);
    }
    server.unref();
    return new TableLock(server);
  }

  release(): void {
    this.#server.close();
  }
}

function holderOf(name: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    let text = '';
    const s = connect({ path: name });
    s.setEncoding('utf8');
    s.on('data', (d) => (text += d));
    s.on('end', () => resolve(text.trim() || undefined));
    s.on('error', () => resolve(undefined));
    setTimeout(() => {
      s.destroy();
      resolve(text.trim() || undefined);
    }, 1000).unref();
  });
}
