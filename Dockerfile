# nodebgp container image. Until the daemon lands (see the README's status), the image runs the
# `nodebgp` CLI; the daemon issue replaces the entry point with `nodebgpd` and documents the
# capabilities it needs. Multi-stage: build with the full toolchain, run on the slim image.
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
COPY fixtures/sample ./fixtures/sample
USER node
ENTRYPOINT ["node", "dist/api/cli/main.js"]
CMD ["decode", "--raw", "fixtures/sample/session.bin"]
