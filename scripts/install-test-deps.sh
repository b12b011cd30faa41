#!/usr/bin/env bash
# Installs what the test suite needs on a fresh Debian machine (run as root): Node.js 24 LTS (the
# runtime; the machine's may be older), the real peers the interop tests run in network namespaces
# (FRR, BIRD 2, GoBGP; FRR's rpki module), an RPKI cache (stayrtr: RTR from a VRP file), Prometheus
# (promtool and a real scrape), pmacct (pmbmpd: the BMP collector), bgpdump (reads our MRT dumps),
# capture tools, nftables, ping (the lab's pod-to-pod traffic), curl, openssl, and setcap/setpriv
# (the image's capabilities and user, emulated).
# Idempotent: packages already present are not fetched again.
set -euo pipefail
packages=(frr frr-rpki-rtrlib bird2 gobgpd stayrtr prometheus pmacct bgpdump tcpdump tshark nftables iproute2 procps iputils-ping curl openssl libcap2-bin util-linux)
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
for d in frr bird gobgpd stayrtr prometheus prometheus-node-exporter pmacctd nfacctd sfacctd uacctd; do service "$d" stop >/dev/null 2>&1 || true; done
bash "$(dirname "$0")/install-node.sh"
echo "test dependencies: ok"
