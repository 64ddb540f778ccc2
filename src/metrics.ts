/**
 * The product's Prometheus metrics. One registry per process (never prom-client's global
 * default, so a test file can build several apps), created by the composition root and
 * injected where something is counted. The API serves it at GET /metrics; a worker-only
 * process serves it with `startMetricsServer`. Labels never carry URLs or personal data.
 */
import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { PoolStats } from './db/client';

export type ReceiptOutcome = 'accepted' | 'duplicate' | 'rejected' | 'conflict';

export interface Metrics {
  readonly registry: Registry;
  /** Labels: `route` (the pattern, `/q/:token`, never the URL), `method`, `status`. */
  readonly httpRequestDuration: Histogram<'route' | 'method' | 'status'>;
  /** Problems answered, by route pattern, method, status and machine code (src/domain/error-codes.ts). */
  readonly httpProblems: Counter<'route' | 'method' | 'status' | 'code'>;
  readonly receipts: Counter<'outcome'>;
  /** Labels: `status` (`sent`, `failed`), `channel` (`email`, `portal`). */
  readonly notifications: Counter<'status' | 'channel'>;
  readonly responses: Counter;
  readonly reconcilerBacklog: Gauge;
  readonly reconcilerStarted: Counter;
  readonly scoringRunSeconds: Histogram<'final' | 'status'>;
  /** Reports this pool's waiting clients (and its size) on every scrape. */
  observePool(pool: PoolStats | undefined): void;
}

export function createMetrics(options: { defaultMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });
  const registers = [registry];
  let pool: PoolStats | null = null;
  new Gauge({
    name: 'feedback_db_pool_waiting',
    help: 'Queries waiting for a free connection of the PostgreSQL pool',
    registers,
    collect() {
      this.set(pool?.waitingCount ?? 0);
    },
  });
  new Gauge({
    name: 'feedback_db_pool_connections',
    help: 'Connections of the PostgreSQL pool, by state',
    labelNames: ['state'],
    registers,
    collect() {
      this.set({ state: 'total' }, pool?.totalCount ?? 0);
      this.set({ state: 'idle' }, pool?.idleCount ?? 0);
    },
  });
  return {
    registry,
    httpRequestDuration: new Histogram({
      name: 'feedback_http_request_duration_seconds',
      help: 'HTTP requests by route pattern, method and status',
      labelNames: ['route', 'method', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    httpProblems: new Counter({
      name: 'feedback_http_problems_total',
      help: 'Problems (application/problem+json) answered, by route pattern, method, status and code',
      labelNames: ['route', 'method', 'status', 'code'],
      registers,
    }),
    receipts: new Counter({
      name: 'feedback_receipts_total',
      help: 'Receipts posted, by outcome (each item of a batch counts)',
      labelNames: ['outcome'],
      registers,
    }),
    notifications: new Counter({
      name: 'feedback_notifications_total',
      help: 'Invitation notifications sent, and those given up after their deadline, by channel (email, portal)',
      labelNames: ['status', 'channel'],
      registers,
    }),
    responses: new Counter({ name: 'feedback_responses_total', help: 'Questionnaire answers stored', registers }),
    reconcilerBacklog: new Gauge({
      name: 'feedback_reconciler_backlog',
      help: 'Receipts without a workflow past the grace period, at the reconciler\'s last pass',
      registers,
    }),
    reconcilerStarted: new Counter({
      name: 'feedback_reconciler_started_total',
      help: 'Workflows the reconciler started for receipts that had none',
      registers,
    }),
    scoringRunSeconds: new Histogram({
      name: 'feedback_scoring_run_seconds',
      help: 'Duration of the scoring activity (computeSnapshots), by final/provisional and status',
      labelNames: ['final', 'status'],
      buckets: [0.1, 0.5, 1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600],
      registers,
    }),
    observePool(p) {
      pool = p ?? null;
    },
  };
}

/** Counts one receipt outcome of ReceiptService.ingest (forbidden and invalid are "rejected"). */
export function receiptOutcome(kind: 'accepted' | 'duplicate' | 'conflict' | 'forbidden' | 'invalid'): ReceiptOutcome {
  return kind === 'forbidden' || kind === 'invalid' ? 'rejected' : kind;
}

/** True when no token is required, or the request carries `Authorization: Bearer <token>`. */
export function metricsAuthorized(authorization: string | undefined, token: string | undefined): boolean {
  if (!token) return true;
  const match = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
  if (!match) return false;
  const given = Buffer.from(match[1]);
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/**
 * Serves the registry at GET /metrics on its own port: for a process without the API (the
 * worker role, METRICS_PORT, 9464 by default). `port` 0 picks a free one.
 */
export async function startMetricsServer(
  registry: Registry,
  port: number,
  options: { host?: string; token?: string } = {},
): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((request: IncomingMessage, response) => {
    const path = (request.url ?? '').split('?')[0];
    if (request.method !== 'GET' || path !== '/metrics') {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('Not found\n');
      return;
    }
    if (!metricsAuthorized(request.headers.authorization, options.token)) {
      response.writeHead(401, { 'content-type': 'text/plain', 'www-authenticate': 'Bearer' }).end('Unauthorized\n');
      return;
    }
    registry.metrics().then(
      (text) => response.writeHead(200, { 'content-type': registry.contentType }).end(text),
      () => response.writeHead(500, { 'content-type': 'text/plain' }).end('Metrics unavailable\n'),
    );
  });
  const host = options.host ?? '0.0.0.0';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${bound}/metrics`,
    close: () => new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve()))),
  };
}
