# One image for every service: docker build --build-arg SERVICE=sync-applier -t msync/sync-applier .
# ENTRY names another program of the build instead (docker-compose.yml runs the simulators and
# its one-shot setup jobs this way): --build-arg ENTRY=sandbox/mirakl-sim/dist/main.js
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.base.json tsconfig.json ./
COPY libs libs
COPY services services
COPY sandbox sandbox
COPY tools tools
RUN npm ci --no-audit --no-fund && npx tsc -b && npm prune --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim
ARG SERVICE
ARG ENTRY=services/${SERVICE}/dist/main.js
RUN test -n "$SERVICE" || (echo "build with --build-arg SERVICE=<name>" && exit 1)
ENV NODE_ENV=production SERVICE=${SERVICE} ENTRY=${ENTRY} OPS_PORT=8080
# glibc's malloc gives back what it frees (ADR 0133): SERVICE_MALLOC_ENV in tools/infra.
ENV MALLOC_MMAP_THRESHOLD_=131072 MALLOC_TRIM_THRESHOLD_=131072
WORKDIR /app
COPY --from=build --chown=node:node /app /app
# The compose file's state volume (local secrets) is mounted here and must be the user's.
RUN test -f "$ENTRY" && install -d -o node -g node /var/lib/msync
USER node
EXPOSE 8080
# exec: the service is PID 1's child-free replacement and receives SIGTERM directly.
CMD ["sh", "-c", "exec node ${ENTRY}"]
