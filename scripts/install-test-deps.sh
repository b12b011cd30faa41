#!/usr/bin/env bash
# Installs what the test suite needs on a fresh Debian machine (run as root): the real peers the
# interop tests run in network namespaces (FRR, BIRD 2, GoBGP), capture tools, nftables and ping
# (the lab's pod-to-pod traffic).
# Idempotent: packages already present are not fetched again.
set -euo pipefail
packages=(frr bird2 gobgpd tcpdump tshark nftables iproute2 procps iputils-ping)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# The packages may start their own daemons; the tests start private instances in namespaces.
for d in frr bird gobgpd; do service "$d" stop >/dev/null 2>&1 || true; done
echo "test dependencies: ok"
