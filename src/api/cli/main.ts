#!/usr/bin/env node
// `nodebgp`: the operator's command line. Subcommands talk to the daemon's API, except `decode`,
// which runs the wire codec locally.

import { Command, Option } from 'commander';
import { runDecode } from './decode.js';

const program = new Command();
program.name('nodebgp').description('nodebgp command line').showHelpAfterError();

program
  .command('decode')
  .description('decode BGP messages (hex arguments, hex lines on stdin, or --raw binary) to JSON lines')
  .argument('[hex...]', 'messages as hex, one per argument')
  .addOption(new Option('--raw [file]', 'read a binary BGP stream from a file (or stdin)'))
  .option('--add-path <afi-safis>', 'path identifiers present for these AFI/SAFIs (ipv4-unicast,ipv6-unicast,...)')
  .option('--no-as4', 'AS numbers are 2 octets (no 4-octet AS capability negotiated)')
  .option('--extended-message', 'allow RFC 8654 extended messages (up to 65535 octets)')
  .action((hex: string[], opts) => {
    try {
      process.exitCode = runDecode(hex, opts);
    } catch (e) {
      process.stderr.write(`nodebgp decode: ${(e as Error).message}\n`);
      process.exitCode = 2;
    }
  });

program.parse();
