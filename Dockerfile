# One image per service: docker build --build-arg SERVICE=conversation -t contactcenter/conversation .
FROM node:20-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
COPY proto/package.json proto/
COPY infra/package.json infra/
COPY services/gateway/package.json services/gateway/
COPY services/conversation/package.json services/conversation/
COPY services/routing/package.json services/routing/
COPY services/presence/package.json services/presence/
COPY services/translation/package.json services/translation/
COPY services/survey/package.json services/survey/
RUN npm ci --no-audit --no-fund

FROM node:20-bookworm-slim
ARG SERVICE
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps /app/node_modules node_modules
COPY package.json tsconfig.base.json tsconfig.json ./
COPY proto proto
COPY infra infra
COPY services/${SERVICE} services/${SERVICE}
ENV SERVICE=${SERVICE}
USER 10001:10001
# tsx compiles on load and caches under /tmp (an emptyDir in k8s: the root filesystem is read-only).
# exec: node is PID 1 and receives SIGTERM for graceful shutdown.
ENTRYPOINT ["sh", "-c", "exec node --import tsx services/$SERVICE/src/main.ts"]
