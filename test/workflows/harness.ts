/**
 * The invitation workflow on the time-skipping test server, with the real activities
 * against a fresh Postgres database and the real Resend SDK talking to a fake Resend.
 */
import { randomUUID } from 'node:crypto';
import { Client } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import type { ActivityDeps } from '../../activities';
import { createServices } from '../../src/composition';
import { loadConfig } from '../../src/config';
import { moscowDate } from '../../src/domain/dates';
import { InvitationSchedule, REGULATION_POLICY, type TimingPolicy } from '../../src/domain/policy';
import type { Principal } from '../../src/domain/scope';
import type { Mailer } from '../../src/mail/mailer';
import { ResendMailer } from '../../src/mail/resend-mailer';
import type { PortalNotifier } from '../../src/portal/notify';
import { Secrets } from '../../src/security';
import { InvitationGateway } from '../../src/temporal/invitations';
import { invitationWorkflowId, type InvitationOutcome, type InvitationState } from '../../src/temporal/shared';
import { createWorker } from '../../src/temporal/worker';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { startFakeResend, type FakeResend } from '../helpers/fake-resend';
import { makePerson, withoutEmail } from '../helpers/people';
import { timeSkippingEnv, workflowBundle } from '../helpers/temporal';

export const silentLog = { info() {}, warn(o: object, m: string) { if (process.env.DEBUG_TESTS) console.warn(m, o); }, error() {} };
export const PII_KEY = process.env.PII_HASH_KEY!;

export interface Harness {
  env: TestWorkflowEnvironment;
  tdb: TestDatabase;
  fake: FakeResend;
  secrets: Secrets;
  orgCode: string;
  close(): Promise<void>;
  /** `portal`: the portal channel's notifier (off without it, as with PORTAL_NOTIFY_URL unset). */
  worker(options?: { mailer?: Mailer; policy?: TimingPolicy; portal?: PortalNotifier }): Promise<Worker>;
  /** The task queue the workers poll and the workflows run on. */
  taskQueue: string;
  /** The activities' dependencies exactly as `worker()` wires them (for a hand-built worker). */
  activityDeps(mailer?: Mailer, portal?: PortalNotifier): ActivityDeps;
  /** Posts a receipt through the real ingestion service at the test server's current time. */
  post(body: Record<string, unknown>, policy?: TimingPolicy): Promise<{ id: string; workflowId: string }>;
  account(person: { snils: string; email: string }, confirmed?: boolean, portalAccountId?: string): Promise<void>;
  /** The invitation's state as the gateway reads it (the query, or the pending start's). */
  state(receiptId: string): Promise<InvitationState>;
}

/** The principal `post` ingests as; its integrator row is created in each harness's database. */
export const integrator: Principal = {
  keyId: randomUUID(), name: 'test-integrator', role: 'integrator', integratorId: randomUUID(), regions: ['42'], sectors: [], organizationCode: null,
};

export async function createHarness(): Promise<Harness> {
  const [env, tdb, fake] = await Promise.all([timeSkippingEnv(), createTestDatabase('wf'), startFakeResend()]);
  process.env.RESEND_BASE_URL = fake.url;
  const secrets = new Secrets(PII_KEY);
  const orgCode = `1024200${Math.floor(Math.random() * 1e6)}`;
  await tdb.db.organization.create({
    data: { code: orgCode, name: 'ГБУЗ «Городская больница № 1»', typeCode: 'healthcare', regionCode: '42', founderLevel: 'regional' },
  });
  await tdb.db.integrator.create({ data: { id: integrator.integratorId!, code: integrator.name } });
  const taskQueue = `wf-${randomUUID()}`;

  function activityDeps(mailer?: Mailer, portal?: PortalNotifier): ActivityDeps {
    return {
      db: tdb.db,
      mailer: mailer ?? new ResendMailer('re_test_key', 'Оценка услуг <feedback@example.test>'),
      portal: portal ?? null,
      secrets,
      publicBaseUrl: 'https://feedback.example',
      log: silentLog,
      // The time-skipping server's clock, asked at each read: a local activity's context
      // carries the worker's time, not the server's.
      clock: async () => new Date(await env.currentTimeMs()),
    };
  }

  async function worker(options: { mailer?: Mailer; portal?: PortalNotifier } = {}): Promise<Worker> {
    return createWorker({
      connection: env.nativeConnection,
      namespace: env.namespace ?? 'default',
      taskQueue,
      workflowBundle: await workflowBundle(),
      deps: activityDeps(options.mailer, options.portal),
    });
  }

  async function post(body: Record<string, unknown>, policy: TimingPolicy = REGULATION_POLICY) {
    const now = new Date(await env.currentTimeMs());
    // Wired as every role wires it (src/composition.ts), at the test server's time.
    const config = loadConfig({ ...process.env, DATABASE_URL: tdb.url, TEMPORAL_TASK_QUEUE: taskQueue });
    const { receipts: service } = createServices(config, { db: tdb.db, client: env.client, log: silentLog }, { policy, searchAttributes: false, now: () => now });
    const outcome = await service.ingest(integrator, { externalId: randomUUID(), organization: orgCode, ...body });
    if (outcome.kind !== 'accepted') throw new Error(`receipt not accepted: ${JSON.stringify(outcome)}`);
    return { id: outcome.receipt.id, workflowId: invitationWorkflowId(outcome.receipt.id) };
  }

  async function account(person: { snils: string; email: string }, confirmed = true, portalAccountId?: string) {
    const bare = person.snils.replace(/\D/g, '');
    await tdb.db.account.create({ data: { snilsHash: secrets.snilsHash(bare), email: person.email, confirmed, portalAccountId } });
  }

  const gateway = new InvitationGateway(env.client, taskQueue, REGULATION_POLICY, false);
  const state = (receiptId: string) => gateway.state(receiptId);

  return {
    env, tdb, fake, secrets, orgCode, worker, taskQueue, activityDeps, post, account, state,
    async close() {
      await Promise.allSettled([env.teardown(), tdb.drop(), fake.stop()]);
    },
  };
}

export { makePerson, withoutEmail };

/**
 * The file's harness: created before its tests, closed after them, the fake Resend emptied
 * before each test. Use it at the top of a test file: `const h = useHarness();`.
 */
export function useHarness(): Harness {
  let harness: Harness | undefined;
  beforeAll(async () => {
    harness = await createHarness();
  });
  afterAll(async () => harness?.close());
  beforeEach(() => harness?.fake.reset());
  return new Proxy({} as Harness, {
    get(_target, key) {
      if (!harness) throw new Error('the harness exists from beforeAll on');
      return Reflect.get(harness, key);
    },
  });
}

/** A date N days before the test server's "today" (UTC date, fine for service dates). */
export async function daysAgo(env: TestWorkflowEnvironment, days: number): Promise<string> {
  return new Date((await env.currentTimeMs()) - days * 86_400_000).toISOString().slice(0, 10);
}

// ---------- small look-ups shared by the workflow tests ----------

/** The receipt's T0 (when it arrived), epoch ms. */
export async function receivedAt(h: Harness, receiptId: string): Promise<number> {
  const receipt = await h.tdb.db.receipt.findUniqueOrThrow({ where: { id: receiptId } });
  return receipt.receivedAt.getTime();
}

/**
 * When the receipt's invitation activates: T0 + the policy's delay + the receipt's own
 * offset inside the spread (InvitationSchedule.spreadActivationAt), under the harness's policy.
 */
export async function activationAt(h: Harness, receiptId: string, policy: TimingPolicy = REGULATION_POLICY): Promise<number> {
  return new InvitationSchedule(await receivedAt(h, receiptId), policy).spreadActivationAt(receiptId);
}

/** When round `round` (> 1) of the receipt's long service starts, with its offset in the spread. */
export async function roundStartAt(h: Harness, receiptId: string, round: number, policy: TimingPolicy = REGULATION_POLICY): Promise<number> {
  return new InvitationSchedule(await receivedAt(h, receiptId), policy).spreadRoundStartsAt(round, receiptId);
}

/** The invitation row with its links, rounds (by number) and notifications. */
export async function invitationOf(h: Harness, receiptId: string) {
  const invitation = await h.tdb.db.invitation.findUniqueOrThrow({
    where: { receiptId },
    include: { links: { orderBy: { createdAt: 'asc' } }, rounds: { orderBy: { round: 'asc' } } },
  });
  const notifications = await h.tdb.db.notification.findMany({
    where: { invitationId: invitation.id },
    orderBy: [{ round: 'asc' }, { createdAt: 'asc' }],
  });
  return { ...invitation, notifications };
}

/** The Moscow calendar date N days before the test server's "now". */
export async function moscowDaysAgo(env: TestWorkflowEnvironment, days: number): Promise<string> {
  return moscowDate((await env.currentTimeMs()) - days * 86_400_000);
}

/** Advances the test server's clock to `instant` (no-op when already past it). */
export async function sleepUntil(env: TestWorkflowEnvironment, instant: number): Promise<void> {
  const now = await env.currentTimeMs();
  if (instant > now) await env.sleep(instant - now);
}

/** Polls `check` in real time (not server time) until it holds. */
export async function eventually(check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const plainClients = new WeakMap<TestWorkflowEnvironment, Client>();
/**
 * The workflow's outcome once it has finished, without skipping time. Prefer this to
 * `handle.result()` from `env.client`: that unlocks time skipping, and once the workflow is
 * done the idle test server may jump years ahead before the lock is restored, which would
 * shift every later test in the file (e.g. a "minor" suddenly an adult). Advance the clock
 * explicitly (sleepUntil) to the moment the workflow should close, then call this.
 */
export async function finished(h: Harness, workflowId: string, timeoutMs = 20_000): Promise<InvitationOutcome> {
  let client = plainClients.get(h.env);
  if (!client) {
    client = new Client({ connection: h.env.connection, namespace: h.env.namespace ?? 'default' });
    plainClients.set(h.env, client);
  }
  const handle = client.workflow.getHandle(workflowId);
  await eventually(async () => (await handle.describe()).status.name !== 'RUNNING', timeoutMs);
  return handle.result();
}

export type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

/** The events of every run of a workflow, first run first, following each continue-as-new. */
export async function historyRuns(client: Client, workflowId: string): Promise<HistoryEvent[][]> {
  const runs: HistoryEvent[][] = [];
  let runId: string | undefined = (await client.workflow.getHandle(workflowId).describe()).raw.workflowExecutionInfo?.firstRunId ?? undefined;
  while (runId) {
    const events = (await client.workflow.getHandle(workflowId, runId).fetchHistory()).events ?? [];
    runs.push(events);
    runId = events.at(-1)?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? undefined;
  }
  return runs;
}
