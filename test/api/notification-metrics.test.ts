/**
 * feedback_notifications_total through the real activities against a real database: a
 * sent e-mail counts once however often its activity is retried, a failed send counts
 * nothing, a notification given up counts once as failed. Log lines written inside an
 * activity carry its workflow id, run id, type and attempt.
 */
import { MockActivityEnvironment } from '@temporalio/testing';
import { createActivities } from '../../activities';
import type { EmailMessage, Mailer } from '../../src/mail/mailer';
import { OutboxMailer } from '../../src/mail/outbox-mailer';
import { createMetrics, type Metrics } from '../../src/metrics';
import { createTestApp, type TestApp } from './app-helper';
import { openLink } from './citizen-helper';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
}, 120_000);
afterAll(() => t?.close());

const lines: { obj: object; msg: string }[] = [];
const log = { info: (obj: object, msg: string) => lines.push({ obj, msg }), warn: (obj: object, msg: string) => lines.push({ obj, msg }) };

function activities(metrics: Metrics, mailer: Mailer = new OutboxMailer(t.tdb.db, { info() {} })) {
  return createActivities({ db: t.tdb.db, mailer, secrets: t.secrets, publicBaseUrl: 'http://localhost', log, metrics });
}

const count = async (metrics: Metrics, status: 'sent' | 'failed') =>
  (await metrics.notifications.get()).values.find((v) => v.labels.status === status)?.value ?? 0;

async function pendingNotification(): Promise<string> {
  const { invitationId } = await openLink(t);
  return (await t.tdb.db.notification.findFirstOrThrow({ where: { invitationId } })).id;
}

test('a sent e-mail counts once, a retried send does not count again, a failed send counts nothing', async () => {
  const metrics = createMetrics({ defaultMetrics: false });
  const notificationId = await pendingNotification();

  const broken: Mailer = { kind: 'outbox', send: async (_m: EmailMessage) => Promise.reject(new Error('provider down')) };
  await expect(activities(metrics, broken).sendNotification({ notificationId })).rejects.toThrow('provider down');
  expect(await count(metrics, 'sent')).toBe(0);

  const a = activities(metrics);
  expect(await a.sendNotification({ notificationId })).toEqual({ status: 'sent' });
  expect(await a.sendNotification({ notificationId })).toEqual({ status: 'sent' });
  expect(await count(metrics, 'sent')).toBe(1);
  expect(await count(metrics, 'failed')).toBe(0);
}, 60_000);

test('a notification given up counts once as failed', async () => {
  const metrics = createMetrics({ defaultMetrics: false });
  const notificationId = await pendingNotification();
  const a = activities(metrics);
  await a.recordNotificationFailed({ notificationId, error: 'deadline passed' });
  await a.recordNotificationFailed({ notificationId, error: 'deadline passed' });
  expect(await count(metrics, 'failed')).toBe(1);
  expect(await count(metrics, 'sent')).toBe(0);
}, 60_000);

test('log lines inside an activity carry the workflow id, run id, activity type and attempt; outside they pass unchanged', async () => {
  const metrics = createMetrics({ defaultMetrics: false });
  const notificationId = await pendingNotification();
  const a = activities(metrics);
  lines.length = 0;
  const env = new MockActivityEnvironment({
    activityType: 'recordNotificationFailed',
    attempt: 3,
    workflowExecution: { workflowId: 'receipt-abc', runId: 'run-1' },
  });
  await env.run(a.recordNotificationFailed, { notificationId, error: 'deadline passed' });
  expect(lines).toEqual([
    {
      msg: 'e-mail not delivered before its deadline',
      obj: { workflowId: 'receipt-abc', runId: 'run-1', activityType: 'recordNotificationFailed', attempt: 3, notificationId },
    },
  ]);
  lines.length = 0;
  await a.recordNotificationFailed({ notificationId, error: 'deadline passed' });
  expect(lines).toEqual([{ msg: 'e-mail not delivered before its deadline', obj: { notificationId } }]);
}, 60_000);
