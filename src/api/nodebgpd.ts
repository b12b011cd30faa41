#!/usr/bin/env node
// nodebgpd: the daemon's entry. Its node flags come first (node-flags.ts re-executes node with
// them), before the daemon's modules load: loading them is half a second of CPU, paid once.
// Asking for the version, help, the default configuration, the schema or a check runs as is.

import { execWithNodeFlags } from './node-flags.js';

const INFORMATIONAL = new Set(['--check', '--print-default-config', '--print-config-schema', '-V', '--version', '-h', '--help']);
if (!process.argv.slice(2).some((a) => INFORMATIONAL.has(a))) execWithNodeFlags();
await import('./daemon-main.js');
