// Loads a configuration file in a worker thread: a large file (hundreds of thousands of
// originations) takes seconds to parse and validate, which must not stop the BGP sessions'
// timers. Posts the loaded configuration, or the problems of a ConfigError.

import { parentPort, workerData } from 'node:worker_threads';
import { ConfigError, loadConfigFile } from './load.js';

try {
  parentPort!.postMessage({ ok: true, loaded: loadConfigFile(workerData as string) });
} catch (e) {
  if (e instanceof ConfigError) parentPort!.postMessage({ ok: false, source: e.source, problems: e.problems });
  else parentPort!.postMessage({ ok: false, source: workerData as string, problems: [{ key: '', message: (e as Error).message }] });
}
