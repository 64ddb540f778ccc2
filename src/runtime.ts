/**
 * The process roles, from one codebase (src/main.ts picks one): `api` (HTTP only), `worker`
 * (Temporal worker and reconciler), `migrate` (one-shot preparation), and `all` (what `npm
 * start` runs: everything in one process). Each builds its services through the one
 * composition root (src/composition.ts). The long-running roles assume a migrated database.
 */
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import type { Logger } from 'pino';
import { buildApp } from './api/app';
import type { Config } from './config';
import { seedReferenceData } from '../prisma/seed';
import { createServices, type Services } from './composition';
import { createDb } from './db/client';
import { migrate } from './db/migrate';
import { startReconciler } from './reconciler';
import { TEMPORAL_CALL_DEADLINE_MS } from './temporal/invitations';
import { ensureSchedules } from './temporal/schedules';
import { ensureSearchAttributes } from './temporal/search-attributes';
import { createWorker } from './temporal/worker';
import { createMetrics, startMetricsServer } from './metrics';

/**
 * gRPC's default reconnect back-off grows to two minutes: after a Temporal outage the API's
 * connection would sit idle that long (measured: receipts got their workflows 113–127 s
 * after Temporal returned). A few seconds at most keeps recovery within the reconciler's window.
 */
const RECONNECT_QUICKLY = { 'grpc.initial_reconnect_backoff_ms': 250, 'grpc.max_reconnect_backoff_ms': 2_000 };

export { mailerFromConfig, policyFromConfig } from './composition';

/** A started role: stop it with close() (graceful: the worker drains, the API finishes requests). */
export interface RunningRole {
  close(): Promise<void>;
}

/** The clients of a process: one Prisma pool, one Temporal connection. */
async function connect(config: Config, log: Logger): Promise<{ services: Services; connection: Connection; close(): Promise<void> }> {
  if (!config.databaseUrl) throw new Error('DATABASE_URL is not set');
  const db = createDb(config.databaseUrl, { max: config.databasePoolMax });
  const connection = await Connection.connect({ address: temporalAddress(config), channelArgs: RECONNECT_QUICKLY });
  const client = new Client({ connection, namespace: config.temporal.namespace });
  return {
    services: createServices(config, { db, client, log, metrics: createMetrics() }),
    connection,
    async close() {
      await connection.close();
      await db.$disconnect();
    },
  };
}

function schedulesOf(config: Config) {
  return { taskQueue: config.temporal.taskQueue, provisionalIntervalMinutes: config.provisionalIntervalMinutes };
}

function temporalAddress(config: Config): string {
  return config.temporal.address ?? '127.0.0.1:7233';
}

/** `api`: HTTP only. Scales out behind a proxy; starts no workflow code and no schedule. */
export async function startApi(config: Config, log: Logger): Promise<RunningRole & { apiUrl: string }> {
  const clients = await connect(config, log);
  const api = await listen(config, log, clients.services, clients.connection);
  log.info({ apiUrl: api.apiUrl, role: 'api' }, 'started');
  return {
    apiUrl: api.apiUrl,
    async close() {
      await api.close();
      await clients.close();
    },
  };
}

/** `worker`: the Temporal worker and the reconciler. Scales out; SIGTERM drains it. */
export async function startWorker(config: Config, log: Logger): Promise<RunningRole> {
  const clients = await connect(config, log);
  const worker = await work(config, log, clients.services);
  // No API in this role: its metrics on METRICS_PORT (the SDK's own: TEMPORAL_METRICS_PORT, see temporalMetricsOptions).
  // Metrics are not worth stopping a worker for (a second worker on one host, METRICS_PORT taken): said, and on without.
  const metricsServer = await startMetricsServer(clients.services.metrics.registry, config.metrics.port, { token: config.metrics.token }).catch((err: Error) => {
    log.warn({ error: err.message, port: config.metrics.port }, 'metrics not served: set METRICS_PORT to a free port (0: any)');
    return null;
  });
  log.info({ role: 'worker', taskQueue: config.temporal.taskQueue, mail: clients.services.mailer.kind, portal: clients.services.portalNotifier ? 'on' : 'off', metrics: metricsServer?.url }, 'started');
  return {
    async close() {
      await metricsServer?.close();
      await worker.close();
      await clients.close();
    },
  };
}

/**
 * `migrate`: one-shot, run before the others and on every deploy; idempotent and safe to
 * run twice at once (migrations under an advisory lock, upserts, create-or-update).
 * Migrations, reference data, search attributes, schedules.
 */
export async function runMigrate(config: Config, log: Logger): Promise<{ applied: string[] }> {
  if (!config.databaseUrl) throw new Error('DATABASE_URL is not set');
  const migration = await migrate(config.databaseUrl);
  log.info({ applied: migration.applied }, 'database schema is up to date');
  const db = createDb(config.databaseUrl, { max: 2 });
  try {
    await seedReferenceData(db);
  } finally {
    await db.$disconnect();
  }
  const connection = await Connection.connect({ address: temporalAddress(config) });
  try {
    const added = await ensureSearchAttributes(connection, config.temporal.namespace);
    if (added.length > 0) log.info({ added }, 'search attributes added');
    const client = new Client({ connection, namespace: config.temporal.namespace });
    await ensureSchedules(client, schedulesOf(config));
  } finally {
    await connection.close();
  }
  return { applied: migration.applied };
}

async function work(config: Config, log: Logger, services: Services): Promise<RunningRole> {
  const { db, mailer, portalNotifier, secrets, receipts, invitations, client, metrics } = services;
  const nativeConnection = await NativeConnection.connect({ address: temporalAddress(config) });
  const worker = await createWorker({
    connection: nativeConnection,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    // The production image's prebuilt bundle (no webpack at start); workflowsPath otherwise.
    workflowBundle: config.temporal.workflowBundlePath ? { codePath: config.temporal.workflowBundlePath } : undefined,
    maxConcurrentActivities: config.worker.maxConcurrentActivities,
    maxCachedWorkflows: config.worker.maxCachedWorkflows,
    shutdownGraceMs: config.worker.shutdownGraceMs,
    deps: { db, mailer, portal: portalNotifier, secrets, publicBaseUrl: config.publicBaseUrl, log, metrics },
  });
  const workerRun = worker.run();
  const reconciler = startReconciler({ db, receipts, invitations, client, intervalMs: config.reconcile.intervalMs, graceMs: config.reconcile.graceMs, log, metrics });
  return {
    async close() {
      await reconciler.stop();
      worker.shutdown();
      await workerRun;
      await nativeConnection.close();
    },
  };
}

async function listen(config: Config, log: Logger, services: Services, connection: Connection): Promise<RunningRole & { apiUrl: string }> {
  const app = await buildApp(
    {
      ...services,
      temporalHealthy: () =>
        connection.withDeadline(Date.now() + TEMPORAL_CALL_DEADLINE_MS, () => connection.workflowService.getSystemInfo({})).then(() => true, () => false),
    },
    log,
  );
  const apiUrl = await app.listen({ port: config.port, host: config.host });
  return { apiUrl, close: () => app.close() };
}

/**
 * `all`: worker, API and reconciler in one process with one set of clients (what `npm
 * start` runs after `runMigrate`). Callers that prepared the database otherwise (the tests'
 * own migrated databases) ask it to create or update the schedules too.
 */
export async function runServices(
  config: Config,
  log: Logger,
  options: { schedules?: boolean } = {},
): Promise<{ apiUrl: string; close(): Promise<void> }> {
  const clients = await connect(config, log);
  const worker = await work(config, log, clients.services);
  if (options.schedules ?? true) await ensureSchedules(clients.services.client, schedulesOf(config));
  const api = await listen(config, log, clients.services, clients.connection);
  log.info({ apiUrl: api.apiUrl, mail: clients.services.mailer.kind, timeScale: config.timeScale }, 'services started');
  return {
    apiUrl: api.apiUrl,
    async close() {
      await api.close();
      await worker.close();
      await clients.close();
    },
  };
}
