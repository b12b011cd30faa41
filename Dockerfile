# nodebgpd container image. Multi-stage: build with the full toolchain, run on Node 24 LTS (slim)
# as UID 1000 (numeric, so that runAsNonRoot can verify it). Capabilities, as file capabilities
# on node (a non-root container user gets no others), within what the pod grants:
#   NET_BIND_SERVICE  listen on TCP 179
#   NET_ADMIN         TCP-MD5 keys and GTSM socket options; kernel routes (FIB)
#   NET_RAW           router advertisements (raw ICMPv6) of unnumbered (interface) neighbors only
# They are permitted only (+p, no effective bit): nodebgpd makes effective what its configuration
# needs (src/daemon/capabilities.ts), so NET_RAW is used only with interface neighbors, and the
# image starts under any bounding set (with +ep the kernel refuses to exec it, EPERM, when the pod
# grants fewer). BFD (UDP 3784, source ports 49152-65535) needs no capability.
# iproute2 is here for the renderer (it reads the node's default routes: no capability) and for
# containerlab's exec lines, which containerlab runs as root (exec user 0). A file capability on
# `ip` would not help UID 1000: iproute2 drops its capabilities when run by a non-root user.
# The API binds to 127.0.0.1:8179 (the health check uses it); metrics on the node's address :9179.
# CI runs this layout without a container engine: test/deploy/as-deployed.test.ts reads this file
# (user, capabilities, entrypoint) and runs it that way with setpriv.
FROM node:24-slim AS build
WORKDIR /src
COPY package.json package-lock.json tsconfig.json ./
RUN npm ci
COPY src ./src
RUN npm run build && npm prune --omit=dev

FROM node:24-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends iproute2 libcap2-bin \
 && setcap cap_net_bind_service,cap_net_admin,cap_net_raw+p "$(readlink -f "$(command -v node)")" \
 && apt-get purge -y libcap2-bin && apt-get autoremove -y && rm -rf /var/lib/apt/lists/*
# `ip route` shows our routes as "proto nodebgp" (protocol 201).
COPY deploy/iproute2/nodebgp.conf /etc/iproute2/rt_protos.d/nodebgp.conf
WORKDIR /app
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY package.json ./
RUN chmod +x dist/api/cli/main.js dist/api/nodebgpd.js dist/api/nodebgpd-render.js \
 && ln -s /app/dist/api/cli/main.js /usr/local/bin/nodebgp \
 && ln -s /app/dist/api/nodebgpd-render.js /usr/local/bin/nodebgpd-render
USER 1000:1000
EXPOSE 179/tcp 3784/udp 9179/tcp
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s CMD ["node", "-e", "fetch('http://127.0.0.1:8179/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "dist/api/nodebgpd.js"]
# No arguments: the embedded default configuration (nodebgpd --print-default-config shows it).
CMD []
