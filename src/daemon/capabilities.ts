// The Linux capabilities the daemon makes effective for itself. The image's node carries its file
// capabilities as permitted only (`setcap ...+p`): the process gets those the pod's bounding set
// allows, none effective. So the image starts under any bounding set (with `+ep`, exec fails with
// EPERM when the set lacks one), and each capability is effective only where the configuration
// needs it: NET_BIND_SERVICE and NET_ADMIN always, NET_RAW (raw ICMPv6, the router advertisements of
// unnumbered neighbors) only once an interface neighbor is configured. Capabilities belong to a
// thread: they are raised on the main thread, and threads started later (the FIB's writer, BFD)
// copy their creator's. Through koffi (capget/capset, _LINUX_CAPABILITY_VERSION_3).

import { createRequire } from 'node:module';

export const CAPABILITIES = { NET_BIND_SERVICE: 10, NET_ADMIN: 12, NET_RAW: 13 } as const;
export type CapabilityName = keyof typeof CAPABILITIES;

const VERSION_3 = 0x20080522;

interface Libc {
  capget(header: Buffer, data: Buffer): number;
  capset(header: Buffer, data: Buffer): number;
}

let libc: Libc | undefined;

function load(): Libc {
  if (libc) return libc;
  const require = createRequire(import.meta.url);
  const lib = require('koffi').load('libc.so.6');
  libc = { capget: lib.func('int capget(const void *, void *)'), capset: lib.func('int capset(const void *, const void *)') };
  return libc;
}

export interface Raised {
  /** Effective now (raised here, or already). */
  readonly effective: CapabilityName[];
  /** Not permitted to this process (the pod's bounding set, or no file capability): not effective. */
  readonly unavailable: CapabilityName[];
}

/**
 * Makes the named capabilities effective on this thread where they are permitted. Never throws:
 * without koffi or the syscalls, every name is reported unavailable and the caller carries on
 * (whatever needs it fails later with its own error, as it would without).
 */
export function raiseCapabilities(names: readonly CapabilityName[]): Raised {
  try {
    const c = load();
    const header = Buffer.alloc(8);
    header.writeUInt32LE(VERSION_3, 0);
    // Two struct __user_cap_data_struct { effective, permitted, inheritable } (bits 0-31, 32-63).
    const data = Buffer.alloc(24);
    if (c.capget(header, data) !== 0) return { effective: [], unavailable: [...names] };
    const effective: CapabilityName[] = [];
    const unavailable: CapabilityName[] = [];
    for (const name of names) {
      const bit = CAPABILITIES[name];
      const mask = 1 << (bit % 32);
      const at = (bit >> 5) * 12;
      if ((data.readUInt32LE(at + 4) & mask) === 0) unavailable.push(name);
      else {
        data.writeUInt32LE((data.readUInt32LE(at) | mask) >>> 0, at);
        effective.push(name);
      }
    }
    if (effective.length > 0 && c.capset(header, data) !== 0) return { effective: [], unavailable: [...names] };
    return { effective, unavailable };
  } catch {
    return { effective: [], unavailable: [...names] };
  }
}
