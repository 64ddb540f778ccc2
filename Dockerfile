# syntax=docker/dockerfile:1
# The production image: API, Temporal worker and receipt reconciler in one process
# (src/start.ts, run by tsx; there is no build step). With NODE_ENV=production it never
# starts embedded servers: DATABASE_URL, TEMPORAL_ADDRESS and PII_HASH_KEY must be set.
# It migrates and seeds the database at start. docker-compose.yml shows a whole stack.

# The Prisma client is generated here (npm install's postinstall runs `npm run generate`, which
# needs the schema and the prisma CLI, a dev dependency).
FROM node:20-slim AS generate
WORKDIR /app
COPY package.json package-lock.json prisma.config.ts ./
COPY prisma ./prisma
RUN npm install --no-audit --no-fund --loglevel=error && test -d src/generated/prisma

FROM node:20-slim
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000
WORKDIR /app
COPY package.json package-lock.json ./
# npm install, not npm ci: the lockfile was made where some platforms' optional packages
# (@swc/core for macOS) are unreachable, and npm ci rejects it for that.
# --ignore-scripts: no prisma CLI here for the postinstall; no other production dependency
# needs its install script (the embedded PostgreSQL binaries come along unused).
RUN npm install --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=error && npm cache clean --force
COPY tsconfig.json ./
COPY prisma ./prisma
COPY workflows ./workflows
COPY activities ./activities
COPY scripts ./scripts
COPY src ./src
COPY --from=generate /app/src/generated ./src/generated
USER node
EXPOSE 3000
# Node itself is PID 1 and handles SIGTERM: API, then worker drain, then connections.
CMD ["node", "--import", "tsx", "src/start.ts"]
