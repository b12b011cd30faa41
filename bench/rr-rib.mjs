// A reflector's export, in process (npm run bench:rr-rib): the RIB alone with K iBGP clients (default
// 2,000) that each announce four /26 once all are up, their UPDATEs generated for every other client
// (flushed every 50 clients, as a busy daemon's turns would). Prints the time and the octets sent. A
// diagnostic of the Adj-RIB-Out's per-client cost (run it under --cpu-prof), not a benchmark of the
// daemon: bench:rr times the binary.
//   K=2000 npm run bench:rr-rib
import { Rib, addressOctets } from '../dist/rib/index.js';
import { makeContext, nlriFrom } from '../dist/wire/index.js';
const K = Number(process.env.K ?? 2000);
const ctx = makeContext();
// Clients of one export group, as the daemon makes them (reflector clients, no policy).
const peer = (index) => {
  const address = `10.92.${1 + (index >> 8)}.${index & 255}`;
  return {
    index, address, addressOctets: addressOctets(address), asn: 65000, bgpId: 0x0a5c0000 + index, ibgp: true, local: false, rrClient: true,
    localAs: 65000, routerId: 0x0a5c0001, clusterId: 0x0a5c0001, localIpv4: 0x0a5c0001, localIpv6: undefined, nextHopSelf: false, tx: ctx, groupKey: 'i|65000|v4|4|rr||||',
  };
};
const rib = new Rib({ localAs: 65000, routerId: 0x0a5c0001 });
let bytes = 0;
for (let i = 1; i <= K; i++) rib.peerUp(peer(i), { allowasIn: 0, localIpv4: 0x0a5c0001 }, [0x101], (m) => { for (const b of m) bytes += b.length; return true; });
while (rib.flushAll());
const t0 = performance.now();
for (let i = 1; i <= K; i++) {
  const prefixes = [0, 1, 2, 3].map((k) => [0, 26, (0x0b000000 + (i << 8) + (k << 6)) | 0]);
  rib.applyUpdate(i, { type: 'update', withdrawn: nlriFrom(1, false, []), attributes: { origin: 0, asPath: [], localPref: 100, nextHop: 0x0a5c0000 + i }, nlri: nlriFrom(1, false, prefixes) });
  if (i % 50 === 0) while (rib.flushAll());
}
while (rib.flushAll());
console.log(`K=${K}: ${((performance.now() - t0) / 1000).toFixed(2)} s, ${(bytes / 1e6).toFixed(1)} MB sent`);
