# rapport: one image for `start` (HTTP + worker) and `worker`.
FROM node:20-bookworm-slim AS build
WORKDIR /app
# better-sqlite3 builds from source when no prebuilt binary can be fetched.
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm ci && npm prune --omit=dev

FROM node:20-bookworm-slim
WORKDIR /app
# redis-server for embedded mode; set REDIS_URL to use your own Redis instead.
RUN apt-get update && apt-get install -y --no-install-recommends redis-server tini && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production HOST=0.0.0.0 PORT=3000 INBOUND_SMTP_HOST=0.0.0.0 RAPPORT_DATA_DIR=/app/var
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY bin ./bin
COPY src/store/migrations ./src/store/migrations
COPY config ./config
COPY schema ./schema
RUN useradd --system --home /app rapport && mkdir -p /app/var && chown rapport /app/var
USER rapport
VOLUME /app/var
EXPOSE 3000 2525
HEALTHCHECK CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
ENTRYPOINT ["tini", "--", "node", "bin/rapport.js"]
CMD ["start"]
