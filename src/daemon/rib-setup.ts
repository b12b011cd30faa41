// The RIB's settings from the configuration: our identity (cluster ID defaults to the router ID,
// RFC 4456 7), the decision process options (FRR's `bgp bestpath ...`, `maximum-paths`) and the
// route-maps.

import { buildPolicySet } from '../config/policy.js';
import { parseIpv4 } from '../config/prefix.js';
import type { DaemonConfig } from '../config/types.js';
import type { RibOptions } from '../rib/index.js';

export function ribSettings(config: DaemonConfig, routerId: number): Omit<RibOptions, 'events' | 'now'> {
  const bp = config.bestpath ?? {};
  return {
    localAs: config.asn,
    routerId,
    clusterId: config.clusterId ? parseIpv4(config.clusterId) : routerId,
    decision: {
      alwaysCompareMed: bp.alwaysCompareMed ?? false,
      deterministicMed: bp.deterministicMed ?? true,
      multipathRelax: bp.multipathRelax ?? false,
      maxPathsEbgp: config.maximumPaths?.ebgp ?? 1,
      maxPathsIbgp: config.maximumPaths?.ibgp ?? 1,
    },
    policies: buildPolicySet(config.policy),
  };
}
