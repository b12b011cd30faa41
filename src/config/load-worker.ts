// Loads a configuration file in a worker thread: a large file (hundreds of thousands of
// originations) takes seconds to parse and validate, which must not stop the BGP sessions'
// timers. Posts the loaded configuration, or the problems of a ConfigError. The originations go
// a slice per request of the main thread (see WorkerReply): posted at once, the port delivers every
// queued message in one turn, and 200,000 originations took the main thread 250-400 ms to take in.

import { parentPort, workerData } from 'node:worker_threads';
import { ConfigError, ORIGINATE_SLICE, type WorkerReply, loadConfigFile } from './load.js';

const post = (m: WorkerReply) => parentPort!.postMessage(m);
try {
  const loaded = loadConfigFile(workerData as string);
  const originate = loaded.daemon.originate ?? [];
  let next = 0;
  const postNext = () => {
    if (next < originate.length) {
      post({ kind: 'originate', slice: originate.slice(next, next + ORIGINATE_SLICE) });
      next += ORIGINATE_SLICE;
    } else {
      post({ kind: 'loaded', loaded: { ...loaded, daemon: { ...loaded.daemon, originate: undefined } }, hadOriginate: loaded.daemon.originate !== undefined });
      parentPort!.close();
    }
  };
  parentPort!.on('message', postNext);
  postNext();
} catch (e) {
  if (e instanceof ConfigError) post({ kind: 'failed', source: e.source, problems: e.problems });
  else post({ kind: 'failed', source: workerData as string, problems: [{ key: '', message: (e as Error).message }] });
}
