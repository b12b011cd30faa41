// Many clients on one link: a DUT namespace (10.92.0.1/16) and a clients namespace holding K
// addresses from 10.92.1.1 (250 per /24), one BGP session each. Shared by bench:rr and
// bench:sessions.
import { inNs, ownedNamespaces, sh } from './line.mjs';

export const clientAddress = (i) => `10.92.${1 + Math.floor(i / 250)}.${1 + (i % 250)}`;

export function clientsTopology(tag, k) {
  const C = `${tag}c`;
  const D = `${tag}d`;
  const owned = ownedNamespaces([C, D]);
  function setup() {
    owned.create();
    sh('ip', ['link', 'add', 'eth0', 'netns', C, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', D]);
    inNs(D, 'ip', 'addr', 'add', '10.92.0.1/16', 'dev', 'eth0');
    // One `ip -batch` for all client addresses: hundreds of `ip` runs take seconds.
    const batch = Array.from({ length: k }, (_, i) => `addr add ${clientAddress(i)}/16 dev eth0`).join('\n');
    sh('ip', ['-n', C, '-batch', '-'], batch);
    inNs(C, 'ip', 'link', 'set', 'eth0', 'up');
    inNs(D, 'ip', 'link', 'set', 'eth0', 'up');
    // Past about 1,000 addresses the kernel's neighbour table (gc_thresh3 1024, shared by every
    // namespace) overflows and connections fail for that, not for the DUT: the clients' addresses
    // are pinned as permanent entries, which the limit does not count.
    const mac = JSON.parse(sh('ip', ['-n', C, '-j', 'link', 'show', 'eth0']))[0].address;
    const neigh = Array.from({ length: k }, (_, i) => `neigh replace ${clientAddress(i)} lladdr ${mac} dev eth0 nud permanent`).join('\n');
    sh('ip', ['-n', D, '-batch', '-'], neigh);
    // More clients than the kernel's default cap on a listen queue (net.core.somaxconn 4096, per
    // namespace) dialing at once overflow it whatever a daemon asks for: raised in the DUT's
    // namespace, for every DUT alike, as an operator of a reflector that size would (README).
    inNs(D, 'sysctl', '-q', '-w', `net.core.somaxconn=${Math.max(4096, 2 * k)}`);
  }
  return { C, D, setup, teardown: owned.remove };
}
