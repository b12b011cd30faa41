#!/usr/bin/env node
// nodebgpd-render: the DaemonSet's init step. Writes this node's nodebgpd configuration from the
// cluster-wide base file and the node's facts (src/api/render). One line and exit 1 when the node
// cannot get a working configuration; a note on stderr for what is unusual but works.
//   nodebgpd-render --base /etc/nodebgp/base.yaml --out /config/nodebgpd.yaml [--peer-group tors]

import { chmodSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { Command } from 'commander';
import { parse } from 'yaml';
import { nodeFacts } from './render/facts.js';
import { RenderError, renderNodeConfig } from './render/render.js';
import { VERSION } from './version.js';

const program = new Command('nodebgpd-render')
  .description("render this node's nodebgpd configuration (the DaemonSet's init container)")
  .version(VERSION)
  .requiredOption('--base <file>', 'the cluster-wide base configuration (YAML)')
  .requiredOption('--out <file>', 'where to write the node configuration')
  .option('--peer-group <name>', 'the base file\'s peer group for the ToR neighbors', 'tors')
  .option('--community <value...>', 'communities on the originated pod CIDRs')
  .option('--api-server <url>', 'the Kubernetes API (default: in-cluster, KUBERNETES_SERVICE_HOST)')
  .option('--token-file <file>', 'bearer token (default: the pod\'s service account)')
  .option('--ca-file <file>', 'CA of the API server (default: the pod\'s service account)')
  .parse();
const o = program.opts<{ base: string; out: string; peerGroup: string; community?: string[]; apiServer?: string; tokenFile?: string; caFile?: string }>();

try {
  const base = parse(readFileSync(o.base, 'utf8')) as Record<string, unknown>;
  const facts = await nodeFacts(process.env, { server: o.apiServer, tokenFile: o.tokenFile, caFile: o.caFile });
  const { text, notes } = renderNodeConfig(base, facts, { peerGroup: o.peerGroup, communities: o.community });
  for (const n of notes) process.stderr.write(`nodebgpd-render: ${n}\n`);
  // The password may be in it: readable by its owner only, and replaced whole.
  writeFileSync(`${o.out}.tmp`, text, { mode: 0o600 });
  chmodSync(`${o.out}.tmp`, 0o600);
  renameSync(`${o.out}.tmp`, o.out);
  process.stderr.write(`nodebgpd-render: ${o.out} written for node ${facts.name} (${facts.peers.length} peers from its ${facts.peersFrom}, pod CIDRs: ${facts.podCidrs.join(', ') || 'none'})\n`);
} catch (e) {
  const message = e instanceof RenderError ? e.message : (e as Error).message;
  process.stderr.write(`nodebgpd-render: ${message}\n`);
  process.exit(1);
}
