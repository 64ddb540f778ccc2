/**
 * Starts the long-running parts of the product in one process: the Temporal worker, the
 * API and the receipt reconciler, with one Prisma client and one Temporal connection.
 * Assumes the database is migrated (src/start.ts does that).
 */
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import type { Logger } from 'pino';
import { buildApp } from './api/app';
import type { Config } from './config';
import { createDb } from './db/client';
import type { TimingPolicy } from './domain/policy';
import type { Mailer } from './mail/mailer';
import { OutboxMailer } from './mail/outbox-mailer';
import { ResendMailer } from './mail/resend-mailer';
import { startReconciler } from './reconciler';
import { Secrets } from './security';
import { QuestionnaireService } from './services/questionnaires';
import { ReceiptService } from './services/receipts';
import { ReportService } from './services/reports';
import { ScoringGateway } from './temporal/scoring';
import { InvitationGateway, TEMPORAL_CALL_DEADLINE_MS } from './temporal/invitations';
import { ensureSchedules } from './temporal/schedules';
import { createWorker } from './temporal/worker';

/**
 * gRPC's default reconnect back-off grows to two minutes: after a Temporal outage the API's
 * connection would sit idle that long (measured: receipts got their workflows 113–127 s
 * after Temporal returned). A few seconds at most keeps recovery within the reconciler's window.
 */
const RECONNECT_QUICKLY = { 'grpc.initial_reconnect_backoff_ms': 250, 'grpc.max_reconnect_backoff_ms': 2_000 };

export function policyFromConfig(config: Config): TimingPolicy {
  return { ...config.policy, timeScale: config.timeScale };
}

/** MAIL_TRANSPORT decides, as resolved by loadConfig (which refuses `resend` without a key). */
export function mailerFromConfig(config: Config, db: ReturnType<typeof createDb>, log: Logger): Mailer {
  const { transport, resendApiKey, from } = config.email;
  if (transport === 'outbox') return new OutboxMailer(db, log);
  if (!resendApiKey) throw new Error('MAIL_TRANSPORT=resend needs RESEND_API_KEY');
  return new ResendMailer(resendApiKey, from);
}

export async function runServices(config: Config, log: Logger): Promise<{ apiUrl: string; close(): Promise<void> }> {
  if (!config.databaseUrl) throw new Error('DATABASE_URL is not set');
  const address = config.temporal.address ?? '127.0.0.1:7233';
  const { namespace, taskQueue } = config.temporal;

  const db = createDb(config.databaseUrl, { max: config.databasePoolMax });
  const connection = await Connection.connect({ address, channelArgs: RECONNECT_QUICKLY });
  const nativeConnection = await NativeConnection.connect({ address });
  const client = new Client({ connection, namespace });
  const secrets = new Secrets(config.piiHashKey);
  const mailer = mailerFromConfig(config, db, log);
  const invitations = new InvitationGateway(client, taskQueue, policyFromConfig(config));
  const receipts = new ReceiptService({ db, secrets, invitations, log });
  const questionnaires = new QuestionnaireService({ db, invitations, log });
  const reports = new ReportService({ db, minResponses: config.reportMinResponses });
  const scoring = new ScoringGateway(client, taskQueue);

  const worker = await createWorker({
    connection: nativeConnection,
    namespace,
    taskQueue,
    maxConcurrentActivities: config.databasePoolMax,
    deps: { db, mailer, secrets, publicBaseUrl: config.publicBaseUrl, log },
  });
  const workerRun = worker.run();
  await ensureSchedules(client, { taskQueue, provisionalIntervalMinutes: config.provisionalIntervalMinutes });
  const reconciler = startReconciler({ db, receipts, invitations, client, intervalMs: config.reconcile.intervalMs, graceMs: config.reconcile.graceMs, log });
  const app = await buildApp(
    {
      config,
      db,
      secrets,
      invitations,
      receipts,
      questionnaires,
      reports,
      scoring,
      mailer,
      temporalHealthy: () =>
        connection.withDeadline(Date.now() + TEMPORAL_CALL_DEADLINE_MS, () => connection.workflowService.getSystemInfo({})).then(() => true, () => false),
    },
    log,
  );
  const apiUrl = await app.listen({ port: config.port, host: config.host });
  log.info({ apiUrl, mail: mailer.kind, timeScale: config.timeScale }, 'services started');

  return {
    apiUrl,
    async close() {
      await app.close();
      await reconciler.stop();
      worker.shutdown();
      await workerRun;
      await connection.close();
      await nativeConnection.close();
      await db.$disconnect();
    },
  };
}
