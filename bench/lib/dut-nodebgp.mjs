// nodebgp as the device under test: the daemon from dist/ on a JSON config; exits when stdin closes.
import { readFileSync } from 'node:fs';
import { Daemon } from '../../dist/daemon/daemon.js';

const daemon = new Daemon(JSON.parse(readFileSync(process.argv[2], 'utf8')));
await daemon.start();
process.stdout.write('{"event":"started"}\n');
process.stdin.on('end', () => daemon.stop().then(() => process.exit(0)));
// SIGTERM ends at once but cleanly, so that --cpu-prof can write its profile.
process.on('SIGTERM', () => process.exit(0));
process.stdin.resume();
