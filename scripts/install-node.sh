#!/usr/bin/env bash
# Makes Node.js 24 LTS the `node` on PATH when the machine has an older one (Debian 12 ships 20,
# which reached end of life in April 2026). The npm registry carries the official binaries as the
# package node-linux-<arch>; it is unpacked under /usr/local/lib/nodebgp-node and linked from
# /usr/local/bin, which comes before /usr/bin on PATH. Node 22 or 24 already present is kept.
# Idempotent; needs root (or write access to /usr/local).
set -euo pipefail
VERSION="${NODEBGP_NODE_VERSION:-24.21.0}"
major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }
if [ "$(major)" -ge 22 ]; then
  echo "node $(node --version): ok"
  exit 0
fi
case "$(uname -m)" in
  x86_64) arch=x64 ;;
  aarch64) arch=arm64 ;;
  *) echo "install-node: no Node.js package for $(uname -m); install Node 24 by hand" >&2; exit 1 ;;
esac
prefix=/usr/local/lib/nodebgp-node
rm -rf "$prefix.tmp"
mkdir -p "$prefix.tmp"
npm install --silent --no-save --no-audit --no-fund --prefix "$prefix.tmp" "node-linux-$arch@$VERSION" >/dev/null
rm -rf "$prefix"
mv "$prefix.tmp" "$prefix"
ln -sf "$prefix/node_modules/node-linux-$arch/bin/node" /usr/local/bin/node
hash -r
echo "node $(/usr/local/bin/node --version): installed in $prefix"
