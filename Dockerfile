# syntax=docker/dockerfile:1
# Art DAG L2: one image for every role. `docker run IMAGE api|worker|all` (see deploy/docker-entrypoint.sh).
# The app runs its TypeScript through tsx (a runtime dependency), as `npm start` does: migrations and the
# workflow bundle are loaded from .ts sources at run time, so there is no separate compile step.

FROM node:20-bookworm-slim AS build
WORKDIR /app
# npm 11 honours package.json's allowScripts (which dependency install scripts may run), as on developer machines.
RUN npm install -g npm@11 && npm cache clean --force
COPY package.json package-lock.json ./
# `prepare` builds the browser assets: it needs the build script and its sources before `npm ci`.
COPY scripts ./scripts
COPY web ./web
COPY templates ./templates
RUN npm ci --omit=dev && npm cache clean --force
# Explicit, so the image never depends on whether npm ran `prepare` for an --omit=dev install.
RUN node scripts/build-assets.mjs

FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    ARTDAG_DATA=/var/lib/artdag \
    HOST=0.0.0.0 \
    PORT=8200
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY package.json package-lock.json tsconfig.json ./
COPY src ./src
COPY migrations ./migrations
COPY scripts ./scripts
COPY web ./web
COPY templates ./templates
COPY deploy/docker-entrypoint.sh ./deploy/docker-entrypoint.sh
# Copied last so the manifest is newer than its sources: the server then serves it instead of rebuilding.
COPY --from=build --chown=node:node /app/public/build ./public/build
# The data directory holds the content store, the operator's first password and the CLI bundle; mount a volume.
RUN mkdir -p "$ARTDAG_DATA" && chown node:node "$ARTDAG_DATA"
USER node
EXPOSE 8200
# The api answers /ready with 200 only when Postgres and Temporal answer. Worker containers serve no HTTP:
# docker-compose.yml turns this check off for them.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 8200) + '/ready', { signal: AbortSignal.timeout(4000) }).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["/app/deploy/docker-entrypoint.sh"]
CMD ["all"]
