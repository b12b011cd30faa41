// The RIB's own heap, in-process (npm run bench:rib-heap): N IPv4 prefixes, PER_SET to an attribute
// set, from one eBGP peer, re-advertised to another; the V8 heap after full collections once the
// table is loaded and once its UPDATEs are generated, and the time of each step. A diagnostic of
// the store's layout, not a benchmark of the daemon (bench:propagation times the binary).
//   N=1000000 PER_SET=5 npm run bench:rib-heap
import { Rib, addressOctets } from '../dist/rib/index.js';
import { asPathFrom, makeContext, nlriFrom } from '../dist/wire/index.js';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc');
const N = Number(process.env.N ?? 1_000_000);
const PER_SET = Number(process.env.PER_SET ?? 5);
const ctx = makeContext();
const peer = (index, address, asn) => ({
  index, address, addressOctets: addressOctets(address), asn, bgpId: index, ibgp: false, local: false, rrClient: false,
  localAs: 65000, routerId: 0x0a000001, clusterId: 0x0a000001, localIpv4: 0x0a000001 + index * 256, localIpv6: undefined, nextHopSelf: false, tx: ctx, groupKey: 'e|65000|v4|4||||',
});
const heapMb = () => {
  gc();
  gc();
  return process.memoryUsage().heapUsed / 1e6;
};

const rib = new Rib({ localAs: 65000, routerId: 0x0a000001 });
const empty = heapMb();
rib.peerUp(peer(1, '10.0.0.2', 65001), { allowasIn: 0, localIpv4: 0x0a000101 }, [0x101], () => true);
rib.peerUp(peer(2, '10.0.1.2', 65002), { allowasIn: 0, localIpv4: 0x0a000201 }, [0x101], () => true);
const t0 = performance.now();
for (let s = 0; s * PER_SET < N; s++) {
  const prefixes = [];
  for (let k = 0; k < PER_SET && s * PER_SET + k < N; k++) prefixes.push([0, 24, (0x10000000 + ((s * PER_SET + k) << 8)) | 0]);
  const attributes = { origin: 0, asPath: asPathFrom([{ type: 2, asns: [65001, 100 + (s % 50000), s] }]), nextHop: 0x0a000002, med: s };
  rib.applyUpdate(1, { type: 'update', withdrawn: nlriFrom(1, false, []), attributes, nlri: nlriFrom(1, false, prefixes) });
}
const t1 = performance.now();
const loaded = heapMb();
rib.flushAll();
const t2 = performance.now();
const flushed = heapMb();
// The columns live in resizable buffers, which process.memoryUsage().arrayBuffers does not count.
const columns = rib.v4.bytes / 1e6;
const rss = process.memoryUsage().rss / 1e6;
console.log(`N=${N} PER_SET=${PER_SET}: load ${((t1 - t0) / 1000).toFixed(2)} s, heap ${(loaded - empty).toFixed(1)} MB (${(((loaded - empty) * 1e6) / N).toFixed(0)} octets a prefix); UPDATEs generated in ${((t2 - t1) / 1000).toFixed(2)} s, heap ${(flushed - empty).toFixed(1)} MB; the Loc-RIB's columns ${columns.toFixed(1)} MB, RSS ${rss.toFixed(0)} MB`);
