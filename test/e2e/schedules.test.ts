/**
 * The Temporal Schedules of the product on the dev server (real clock): what start-up
 * creates with ensureSchedules, as the Temporal UI shows it, that a second start-up updates
 * them, and that a run of the quarterly schedule, taken by a real worker with the real
 * activities against a fresh database, completes a scoring run with trigger `schedule`.
 */
import { randomUUID } from 'node:crypto';
import { ScheduleOverlapPolicy, type Client, type ScheduleDescription } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import type { Mailer } from '../../src/mail/mailer';
import { Secrets } from '../../src/security';
import { ensureSchedules } from '../../src/temporal/schedules';
import { PROVISIONAL_SCHEDULE_ID, SCORING_SCHEDULE_ID } from '../../src/temporal/shared';
import { createWorker } from '../../src/temporal/worker';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { answeredReceipt, insertModel, prng, quarterOf, type Model } from '../helpers/scoring-data';
import { devServerEnv, workflowBundle } from '../helpers/temporal';

const MINUTE = 60_000;
const DAY = 86_400_000;
const silentLog = { info() {}, warn() {} };
const noMail: Mailer = { kind: 'outbox', send: async () => { throw new Error('no e-mail in this test'); } };

let env: TestWorkflowEnvironment;
let tdb: TestDatabase;
let client: Client;
let worker: Worker;
let workerRun: Promise<void>;
const taskQueue = `schedules-${randomUUID()}`;

beforeAll(async () => {
  [env, tdb] = await Promise.all([devServerEnv(), createTestDatabase('sched')]);
  client = env.client;
  worker = await createWorker({
    connection: env.nativeConnection,
    namespace: env.namespace ?? 'default',
    taskQueue,
    workflowBundle: await workflowBundle(),
    deps: { db: tdb.db, mailer: noMail, secrets: new Secrets(process.env.PII_HASH_KEY!), publicBaseUrl: 'https://feedback.example', log: silentLog },
  });
  workerRun = worker.run();
});

afterAll(async () => {
  if (worker) {
    worker.shutdown();
    await workerRun;
  }
  await Promise.allSettled([env?.teardown(), tdb?.drop()]);
});

const describeSchedule = (id: string): Promise<ScheduleDescription> => client.schedule.getHandle(id).describe();

test('start-up creates the quarterly schedule (00:05 Moscow on 1 Jan/Apr/Jul/Oct) and the provisional one; a second start-up updates them', async () => {
  await ensureSchedules(client, { taskQueue, provisionalIntervalMinutes: 15 });

  const quarterly = await describeSchedule(SCORING_SCHEDULE_ID);
  expect(quarterly.spec.timezone).toBe('Europe/Moscow');
  expect(quarterly.spec.calendars).toHaveLength(1);
  const calendar = quarterly.spec.calendars![0];
  expect(calendar.month.map((m) => [m.start, m.end])).toEqual([['JANUARY', 'JANUARY'], ['APRIL', 'APRIL'], ['JULY', 'JULY'], ['OCTOBER', 'OCTOBER']]);
  expect(calendar.dayOfMonth.map((r) => [r.start, r.end])).toEqual([[1, 1]]);
  expect(calendar.hour.map((r) => [r.start, r.end])).toEqual([[0, 0]]);
  expect(calendar.minute.map((r) => [r.start, r.end])).toEqual([[5, 5]]);
  expect(calendar.second.map((r) => [r.start, r.end])).toEqual([[0, 0]]);
  expect(calendar.year).toEqual([]);
  expect(calendar.dayOfWeek.map((r) => [r.start, r.end])).toEqual([['SUNDAY', 'SATURDAY']]);
  expect(quarterly.spec.intervals ?? []).toEqual([]);
  expect(quarterly.action).toMatchObject({
    type: 'startWorkflow', workflowType: 'quarterlyScoringWorkflow', workflowId: SCORING_SCHEDULE_ID, taskQueue, args: [{ trigger: 'schedule' }],
  });
  expect(quarterly.policies).toMatchObject({ overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: 30 * DAY });
  expect(quarterly.state.paused).toBe(false);

  // The next runs: 00:05 Moscow on each quarter's first day = 21:05 UTC on the last day of
  // the month before (2026-12-31T21:05:00Z when run in 2026-Q4).
  const now = Date.now();
  const next = quarterly.info.nextActionTimes.map((d) => d.toISOString());
  expect(next.length).toBeGreaterThanOrEqual(4);
  expect(next.slice(0, 4)).toEqual([1, 2, 3, 4].map((k) => new Date(quarterOf(now, k).start + 5 * MINUTE).toISOString()));
  for (const iso of next) {
    expect(iso).toMatch(/^\d{4}-(03-31|06-30|09-30|12-31)T21:05:00\.000Z$/);
  }
  if (quarterOf(now).label === '2026-Q4') expect(next[0]).toBe('2026-12-31T21:05:00.000Z');

  const provisional = await describeSchedule(PROVISIONAL_SCHEDULE_ID);
  expect(provisional.spec.intervals?.map((i) => [i.every, i.offset ?? 0])).toEqual([[15 * MINUTE, 0]]);
  expect(provisional.spec.calendars ?? []).toEqual([]);
  expect(provisional.action).toMatchObject({ type: 'startWorkflow', workflowType: 'quarterlyScoringWorkflow', taskQueue, args: [{ trigger: 'provisional' }] });
  expect(provisional.policies).toMatchObject({ overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: 60 * MINUTE });
  const nextProvisional = provisional.info.nextActionTimes.map((d) => d.getTime());
  expect(nextProvisional[1] - nextProvisional[0]).toBe(15 * MINUTE);
  expect(nextProvisional[0] % (15 * MINUTE)).toBe(0);

  // The next start-up (another interval configured) updates both instead of failing.
  await ensureSchedules(client, { taskQueue, provisionalIntervalMinutes: 30 });
  const updated = await describeSchedule(PROVISIONAL_SCHEDULE_ID);
  expect(updated.spec.intervals?.map((i) => [i.every, i.offset ?? 0])).toEqual([[30 * MINUTE, 0]]);
  expect(updated.info.createdAt).toEqual(provisional.info.createdAt);
  expect(updated.info.lastUpdatedAt).toBeDefined();
  expect(updated.action).toMatchObject({ workflowType: 'quarterlyScoringWorkflow', taskQueue, args: [{ trigger: 'provisional' }] });
  const quarterlyAgain = await describeSchedule(SCORING_SCHEDULE_ID);
  expect(quarterlyAgain.spec).toEqual(quarterly.spec);
  expect(quarterlyAgain.action).toEqual(quarterly.action);
  expect(quarterlyAgain.policies).toEqual(quarterly.policies);
  expect(quarterlyAgain.info.createdAt).toEqual(quarterly.info.createdAt);
  expect(quarterlyAgain.info.nextActionTimes).toEqual(quarterly.info.nextActionTimes);
});

test('a run of the quarterly schedule back-fills and finalises past quarters in the database', async () => {
  await ensureSchedules(client, { taskQueue, provisionalIntervalMinutes: 15 });
  const now = Date.now();
  const P = quarterOf(now, -1); // the last finished quarter
  const older = quarterOf(now, -2);
  const rand = prng(42);
  const orgId = randomUUID();
  const model: Model = {
    orgs: [{ id: orgId, code: `1042009${Math.floor(rand() * 1e6)}`, regionCode: '42', typeCode: 'healthcare', sector: 'health' }],
    accountId: randomUUID(),
    receipts: [
      answeredReceipt(orgId, older.start + 10 * DAY, older.start + 20 * DAY, rand),
      answeredReceipt(orgId, P.start + 10 * DAY, P.start + 20 * DAY, rand),
      answeredReceipt(orgId, P.start + 30 * DAY, P.start + 40 * DAY, rand),
    ],
  };
  await insertModel(tdb.db, model);

  const handle = client.schedule.getHandle(SCORING_SCHEDULE_ID);
  await handle.trigger();
  const deadline = Date.now() + 20_000;
  let runs = await tdb.db.scoringRun.findMany({ orderBy: { startedAt: 'asc' } });
  while (!runs.some((r) => r.trigger === 'schedule' && r.status !== 'running')) {
    if (Date.now() > deadline) throw new Error(`no finished schedule run within 20 s: ${JSON.stringify(runs)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
    runs = await tdb.db.scoringRun.findMany({ orderBy: { startedAt: 'asc' } });
  }
  const scheduled = runs.filter((r) => r.trigger === 'schedule' || r.trigger === 'backfill');
  expect(scheduled.map((r) => [r.trigger, r.period, r.status, r.final, r.organizations])).toEqual([
    ['backfill', older.label, 'completed', true, 1],
    ['schedule', P.label, 'completed', true, 1],
  ]);
  // Started by the schedule: its workflow id is the schedule's, suffixed with the time.
  expect(scheduled[1].workflowId).toMatch(new RegExp(`^${SCORING_SCHEDULE_ID}-`));
  const snapshot = await tdb.db.indicatorSnapshot.findUniqueOrThrow({ where: { period_organizationId: { period: P.label, organizationId: orgId } } });
  expect(snapshot).toMatchObject({ final: true, receipts: 2, activated: 2, notified: 2, completed: 2, regionCode: '42', sector: 'health' });
  expect(await tdb.db.indicatorSnapshot.count({ where: { period: older.label, final: true } })).toBe(1);

  const description = await handle.describe();
  expect(description.info.numActionsTaken).toBeGreaterThanOrEqual(1);
  expect(description.info.recentActions.map((a) => a.action.workflow.workflowId)).toContain(scheduled[1].workflowId);
});
