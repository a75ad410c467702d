# rapport: one image for `rapport start` (HTTP API + worker, or `--role http`) and `rapport worker`.
# Build: docker build -t rapport .   Run: see docker-compose.yml and the README's Docker section.

# --- build: compile TypeScript, then keep only the runtime dependencies ---
FROM node:22-bookworm-slim AS build
WORKDIR /app
# better-sqlite3 compiles from source where its prebuilt binary cannot be downloaded.
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY src ./src
# `npm ci` builds dist/ through the `prepare` script; then the dev dependencies go.
RUN npm ci && npm prune --omit=dev && npm cache clean --force

# --- runtime: code, migrations and the default config; no compiler, not root ---
FROM node:22-bookworm-slim
# redis-server: the embedded default when REDIS_URL is unset (a single container);
# tini: signals reach rapport (graceful SIGTERM) and zombies are reaped.
RUN apt-get update \
  && apt-get install -y --no-install-recommends redis-server tini \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /app
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    INBOUND_SMTP_HOST=0.0.0.0 \
    RAPPORT_CONFIG_DIR=/app/config \
    RAPPORT_DATA_DIR=/app/var
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY bin ./bin
# The migrations are applied by rapport itself on start (SQLite and Postgres).
COPY src/store/migrations ./src/store/migrations
COPY src/store/migrations-pg ./src/store/migrations-pg
# The shipped config; mount your own over /app/config (read-only is enough).
COPY config ./config
COPY schema ./schema
RUN useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin rapport \
  && mkdir -p /app/var \
  && chown rapport /app/var
USER rapport
# SQLite, the embedded Redis, the outbox folder, the generated secret and API key.
VOLUME /app/var
# 3000: the HTTP API and customer pages; 2525: the inbound SMTP listener (replies).
EXPOSE 3000 2525
# /healthz answers while the HTTP server runs (`rapport worker` serves no HTTP: its
# containers turn this check off, see docker-compose.yml).
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# Node's flags: src/infra/node-flags.ts (the same as bin/rapport.js's shebang).
ENTRYPOINT ["tini", "--", "node", "--max-semi-space-size=8", "--heap-growing-percent=75", "bin/rapport.js"]
CMD ["start"]
