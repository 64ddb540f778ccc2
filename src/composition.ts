/**
 * The composition root: the one place that wires the product's services from their
 * dependencies. Every process role (src/runtime.ts) and every test harness builds its
 * services here, so the wiring cannot drift between them. What a caller may replace
 * (the database client, the Temporal client, the clock, the policy) comes in `overrides`.
 */
import type { Client } from '@temporalio/client';
import type { Config } from './config';
import { poolStats, type Db } from './db/client';
import type { TimingPolicy } from './domain/policy';
import type { Mailer } from './mail/mailer';
import { OutboxMailer } from './mail/outbox-mailer';
import { ResendMailer } from './mail/resend-mailer';
import { createMetrics, type Metrics } from './metrics';
import { PortalNotifier } from './portal/notify';
import { Secrets } from './security';
import { CommentService } from './services/comments';
import { PortalService } from './services/portal';
import { ParticipationService } from './services/participation';
import { QuestionnaireService } from './services/questionnaires';
import { ReceiptService } from './services/receipts';
import { ReportService } from './services/reports';
import { InvitationGateway } from './temporal/invitations';
import { ScoringGateway } from './temporal/scoring';

/** The log the services need: pino in production, a silent object in tests. */
export interface ServiceLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface Services {
  config: Config;
  db: Db;
  client: Client;
  secrets: Secrets;
  mailer: Mailer;
  /** The portal notification channel; null while PORTAL_NOTIFY_URL is unset. */
  portalNotifier: PortalNotifier | null;
  policy: TimingPolicy;
  invitations: InvitationGateway;
  receipts: ReceiptService;
  questionnaires: QuestionnaireService;
  reports: ReportService;
  comments: CommentService;
  participation: ParticipationService;
  portal: PortalService;
  scoring: ScoringGateway;
  /** The process's metrics registry (src/metrics.ts), served at /metrics. */
  metrics: Metrics;
}

export interface ServiceOverrides {
  policy?: TimingPolicy;
  mailer?: Mailer;
  /** Off where the server cannot register custom search attributes (the time-skipping test server). */
  searchAttributes?: boolean;
  /** The ingestion clock (tests on the time-skipping server use the server's time). */
  now?: () => Date;
  /** Report answers cached per process (0: off, for a benchmark without the cache). */
  reportCacheEntries?: number;
}

export function policyFromConfig(config: Config): TimingPolicy {
  return { ...config.policy, timeScale: config.timeScale };
}

/** MAIL_TRANSPORT decides, as resolved by loadConfig (which refuses `resend` without a key). */
export function mailerFromConfig(config: Config, db: Db, log: Pick<ServiceLog, 'info'>): Mailer {
  const { transport, resendApiKey, from } = config.email;
  if (transport === 'outbox') return new OutboxMailer(db, log);
  if (!resendApiKey) throw new Error('MAIL_TRANSPORT=resend needs RESEND_API_KEY');
  return new ResendMailer(resendApiKey, from);
}

export function createServices(config: Config, deps: { db: Db; client: Client; log: ServiceLog; metrics?: Metrics }, overrides: ServiceOverrides = {}): Services {
  const { db, client, log } = deps;
  const metrics = deps.metrics ?? createMetrics({ defaultMetrics: false });
  metrics.observePool(poolStats(db));
  const { taskQueue } = config.temporal;
  const secrets = new Secrets(config.piiHashKey);
  const policy = overrides.policy ?? policyFromConfig(config);
  const invitations = new InvitationGateway(client, taskQueue, policy, overrides.searchAttributes ?? true, overrides.now);
  const reports = new ReportService({ db, minResponses: config.reportMinResponses, ...(overrides.reportCacheEntries !== undefined && { cacheEntries: overrides.reportCacheEntries }) });
  return {
    config,
    db,
    client,
    secrets,
    policy,
    mailer: overrides.mailer ?? mailerFromConfig(config, db, log),
    portalNotifier: config.portalNotify ? new PortalNotifier(config.portalNotify) : null,
    invitations,
    receipts: new ReceiptService({ db, secrets, invitations, log, ...(overrides.now && { now: overrides.now }) }),
    questionnaires: new QuestionnaireService({ db, invitations, log, metrics }),
    reports,
    comments: new CommentService({ db, access: reports, minResponses: config.reportMinResponses }),
    participation: new ParticipationService({ db, access: reports }),
    portal: new PortalService({ db, secrets, publicBaseUrl: config.publicBaseUrl, ...(overrides.now && { now: overrides.now }) }),
    scoring: new ScoringGateway(client, taskQueue),
    metrics,
  };
}
