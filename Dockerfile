# One image per service, compiled JavaScript on production dependencies only:
#   docker build --build-arg SERVICE=conversation -t registry.example.com/contactcenter/conversation:0.1.0 .
# The conversation image also runs the relay (`node dist/relay/main.js`) and the
# event store migration (`node /app/infra/dist/eventstore/migrate.js`); see k8s/.
# test/integration/productionImage.test.ts runs these entrypoints from the same
# pruned tree, since no container engine is available in CI to build the image.

# Node 20.19.5 on Debian bookworm (slim), pinned by digest (multi-arch index) so
# a rebuild gets the same base; bump tag and digest together.
ARG NODE_IMAGE=node:20.19.5-bookworm-slim@sha256:9e70124bd00f47dd023e349cd587132ae61892acc0e47ed641416c3e18f401c3

# Every workspace's package.json and the lockfile, whatever workspaces exist:
# the install layers below are rebuilt only when these change.
FROM ${NODE_IMAGE} AS manifests
WORKDIR /src
COPY . .
RUN mkdir /out && cp package-lock.json /out/ \
 && find . -name package.json -not -path '*/node_modules/*' -exec cp --parents {} /out/ \;

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY --from=manifests /out/ ./
RUN npm ci --no-audit --no-fund
COPY scripts/build.mjs scripts/
COPY proto proto
COPY infra infra
COPY services services
# The widget and the desk, bundled with esbuild from their sources and the typed client.
COPY clients clients
COPY apps apps
RUN npm run build

FROM ${NODE_IMAGE}
ARG SERVICE
RUN test -n "${SERVICE}" || (echo "--build-arg SERVICE=<gateway|conversation|routing|presence|translation|survey|channels> is required" && exit 1)
WORKDIR /app
# npm ci wants every workspace's package.json to match the lockfile; only this
# service's dependencies (and its workspace packages) are installed, no dev ones.
COPY --from=manifests /out/ ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund -w @contactcenter/${SERVICE} && npm cache clean --force
COPY --from=build /app/proto/dist proto/dist
# The gateway derives its request and event schemas from the .proto files at start.
COPY --from=build /app/proto/contactcenter proto/contactcenter
COPY --from=build /app/infra/dist infra/dist
COPY --from=build /app/services/${SERVICE}/dist services/${SERVICE}/dist
# The browser apps the gateway serves (/widget/widget.js, /desk/): a few dozen kB, in every image for one Dockerfile.
COPY --from=build /app/apps/widget/dist apps/widget/dist
COPY --from=build /app/apps/desk/dist apps/desk/dist
# `dist`: workspace packages resolve to their compiled JavaScript, not to the TypeScript sources.
# A 32 MB young generation (V8's default is 16): the services allocate a short-lived object or
# more per message and event, and garbage collection took 15–19 % of their CPU in bench:routing.
ENV NODE_ENV=production NODE_OPTIONS="--conditions=dist --enable-source-maps --max-semi-space-size=32"
WORKDIR /app/services/${SERVICE}
# Numeric, so that Kubernetes' runAsNonRoot can verify it; the files stay root-owned and read-only.
USER 10001:10001
# The base image's docker-entrypoint.sh execs the command: node is PID 1 and receives SIGTERM for graceful shutdown.
CMD ["node", "dist/main.js"]
