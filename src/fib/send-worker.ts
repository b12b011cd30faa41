// The rtnetlink request socket's writer thread. rtnetlink applies requests inside the sendmsg that
// carries them, so a batch of 2,000 routes holds its caller for all of the kernel's work on it;
// sent from here, that work runs beside the event loop (on another core) instead of in it.
// Datagrams go out in the order posted; replies still arrive on the socket the main thread polls.
// Must not import rib, api, daemon, pino or prom-client.

import { parentPort, workerData } from 'node:worker_threads';
import { sendDatagram } from './netlink-options.js';

const fd = (workerData as { fd: number }).fd;
parentPort!.on('message', (m: Uint8Array | 'close') => {
  if (m === 'close') return parentPort!.close();
  const errno = sendDatagram(fd, m);
  if (errno !== 0) parentPort!.postMessage({ errno });
});
