# nodebgpd container image. Multi-stage: build with the full toolchain, run on the slim LTS image
# as a non-root user. Capabilities the daemon needs (grant them in the pod or with --cap-add):
#   NET_BIND_SERVICE  listen on TCP 179 as a non-root user
#   NET_ADMIN         TCP-MD5 keys and GTSM socket options; installing kernel routes (FIB)
# BFD (UDP 3784, source ports 49152-65535) needs no capability.
# The API binds to 127.0.0.1:8179 by default; bind it elsewhere only with api.token set.
FROM node:24-slim AS build
WORKDIR /src
COPY package.json package-lock.json tsconfig.json ./
RUN npm ci
COPY src ./src
RUN npm run build && npm prune --omit=dev

FROM node:24-slim
WORKDIR /app
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY package.json ./
RUN ln -s /app/dist/api/cli/main.js /usr/local/bin/nodebgp && chmod +x dist/api/cli/main.js dist/api/nodebgpd.js \
 && apt-get update && apt-get install -y --no-install-recommends libcap2-bin && setcap cap_net_bind_service,cap_net_admin+ep "$(readlink -f "$(which node)")" \
 && apt-get purge -y libcap2-bin && rm -rf /var/lib/apt/lists/*
USER node
EXPOSE 179/tcp 3784/udp
ENTRYPOINT ["node", "dist/api/nodebgpd.js"]
# No arguments: the embedded default configuration (nodebgpd --print-default-config shows it).
CMD []
