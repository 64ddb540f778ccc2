# syntax=docker/dockerfile:1
# The production image: compiled JavaScript (npm run build: tsc to dist/, no tsx at run time)
# and the workflow bundle prebuilt at build time (dist/workflow-bundle.js, loaded by the
# worker through WORKFLOW_BUNDLE_PATH: no webpack at start). One image, three roles:
#
#   node dist/src/main.js migrate   # one-shot, before the others, on every deploy
#   node dist/src/main.js api       # the default command
#   node dist/src/main.js worker
#   node dist/scripts/keys.js create --role admin --name ops
#
# With NODE_ENV=production nothing embedded is started: DATABASE_URL, TEMPORAL_ADDRESS,
# PII_HASH_KEY, PUBLIC_BASE_URL and RESEND_API_KEY (or MAIL_TRANSPORT=outbox) must be set.
# docker-compose.yml runs the whole stack.
#
# npm ci, so the lockfile is what gets installed. (It used to lack other platforms' optional
# packages, e.g. @swc/core for macOS, and npm ci refused it; the lockfile now lists them,
# and `npm ci --ignore-scripts` on a fresh clone succeeds.) --ignore-scripts: the one
# install script we need, `prisma generate`, is run by name below; the others (prisma's
# engines download, embedded-postgres, esbuild) are not needed in a container.

ARG NODE_IMAGE=node:22-bookworm-slim

# Build: all dependencies, the generated Prisma client (src/generated, compiled along with
# the rest by tsc), dist/, and the workflow bundle.
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
COPY tsconfig.json tsconfig.build.json prisma.config.ts ./
COPY prisma ./prisma
COPY src ./src
COPY workflows ./workflows
COPY activities ./activities
COPY scripts ./scripts
RUN npm run generate && npm run build && test -f dist/src/main.js && test -f dist/workflow-bundle.js

# Production dependencies only (the prisma CLI, TypeScript, jest… stay out).
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=error && npm cache clean --force

FROM ${NODE_IMAGE}
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    WORKFLOW_BUNDLE_PATH=/app/dist/workflow-bundle.js
WORKDIR /app
COPY --from=deps --chown=root:root /app/node_modules ./node_modules
COPY --from=build --chown=root:root /app/dist ./dist
COPY package.json ./
# Non-root; the application's files stay root-owned and read-only to it.
USER node
# 3000: API; 9464: the worker's metrics (METRICS_PORT); 9465: the Temporal SDK's (TEMPORAL_METRICS_PORT).
EXPOSE 3000 9464 9465
# Node itself is PID 1 and handles SIGTERM: the API finishes its requests, the worker drains.
CMD ["node", "dist/src/main.js", "api"]
