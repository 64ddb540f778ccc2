/**
 * feedback_notifications_total through the real activities against a real database: a
 * sent e-mail counts once however often its activity is retried, a failed send counts
 * nothing, a notification given up counts once as failed; a portal notice (sent to the fake
 * portal over real HTTP) counts the same way with channel="portal". Log lines written inside
 * an activity carry its workflow id, run id, type and attempt.
 */
import { MockActivityEnvironment } from '@temporalio/testing';
import { createActivities } from '../../activities';
import type { EmailMessage, Mailer } from '../../src/mail/mailer';
import { OutboxMailer } from '../../src/mail/outbox-mailer';
import { createMetrics, type Metrics } from '../../src/metrics';
import { PortalNotifier } from '../../src/portal/notify';
import { startFakePortal, type FakePortal } from '../helpers/fake-portal';
import { makePerson, withoutEmail } from '../helpers/people';
import { createTestApp, type TestApp } from './app-helper';
import { openLink } from './citizen-helper';
import { receiptBody } from './receipt-body';

let t: TestApp;
let portal: FakePortal;
beforeAll(async () => {
  [t, portal] = await Promise.all([createTestApp(), startFakePortal()]);
}, 120_000);
afterAll(async () => {
  await Promise.allSettled([t?.close(), portal?.stop()]);
});
beforeEach(() => portal.reset());

const lines: { obj: object; msg: string }[] = [];
const log = { info: (obj: object, msg: string) => lines.push({ obj, msg }), warn: (obj: object, msg: string) => lines.push({ obj, msg }) };

function activities(metrics: Metrics, mailer: Mailer = new OutboxMailer(t.tdb.db, { info() {} })) {
  const notifier = new PortalNotifier({ url: portal.url, secret: portal.secret });
  return createActivities({ db: t.tdb.db, mailer, portal: notifier, secrets: t.secrets, publicBaseUrl: 'http://localhost', log, metrics });
}

const count = async (metrics: Metrics, status: 'sent' | 'failed', channel: 'email' | 'portal' = 'email') =>
  (await metrics.notifications.get()).values.find((v) => v.labels.status === status && v.labels.channel === channel)?.value ?? 0;

async function pendingNotification(): Promise<string> {
  const { invitationId } = await openLink(t);
  return (await t.tdb.db.notification.findFirstOrThrow({ where: { invitationId } })).id;
}

let portalIds = 0;
/** A pending portal notice (round 1 opened for the portal) of a citizen with a portal account id. */
async function pendingPortalNotice(metrics: Metrics): Promise<string> {
  const person = makePerson('1981-05-05');
  const portalAccountId = `esia-metrics-${Date.now()}-${++portalIds}`;
  const account = await t.call(t.keys.admin, { method: 'POST', url: '/v1/accounts', payload: { accounts: [{ snils: person.snils, email: person.email, confirmed: true, portalAccountId }] } });
  expect(account.statusCode).toBeLessThan(300);
  const res = await t.call(t.keys.integrator, { method: 'POST', url: '/v1/receipts', payload: receiptBody({ recipient: withoutEmail(person) }) });
  expect(res.statusCode).toBe(202);
  const receiptId = res.json().id as string;
  const a = activities(metrics);
  await a.activateInvitation({ receiptId, closesAt: null });
  const { portalNotificationIds } = await a.openRound({ receiptId, round: 1, portal: true });
  expect(portalNotificationIds).toHaveLength(1);
  return portalNotificationIds![0];
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
  expect(await count(metrics, 'sent', 'portal')).toBe(0);
}, 60_000);

test('a notification given up counts once as failed', async () => {
  const metrics = createMetrics({ defaultMetrics: false });
  const notificationId = await pendingNotification();
  const a = activities(metrics);
  await a.recordNotificationFailed({ notificationId, error: 'deadline passed' });
  await a.recordNotificationFailed({ notificationId, error: 'deadline passed' });
  expect(await count(metrics, 'failed')).toBe(1);
  expect(await count(metrics, 'sent')).toBe(0);
  expect(await count(metrics, 'failed', 'portal')).toBe(0);
}, 60_000);

test('portal notices count with channel="portal": a sent one once however often retried, a failed send nothing, one given up once as failed', async () => {
  const metrics = createMetrics({ defaultMetrics: false });
  const sentId = await pendingPortalNotice(metrics);
  const a = activities(metrics);

  portal.failNext(1, 503);
  await expect(a.sendPortalNotification({ notificationId: sentId })).rejects.toMatchObject({ type: 'TransientPortalError' });
  expect(await count(metrics, 'sent', 'portal')).toBe(0);
  expect(await a.sendPortalNotification({ notificationId: sentId })).toEqual({ status: 'sent' });
  expect(await a.sendPortalNotification({ notificationId: sentId })).toEqual({ status: 'sent' });
  expect(portal.shown).toHaveLength(1);
  expect(await count(metrics, 'sent', 'portal')).toBe(1);

  const givenUpId = await pendingPortalNotice(metrics);
  await a.recordNotificationFailed({ notificationId: givenUpId, error: 'TransientPortalError: Portal error (HTTP 503)' });
  await a.recordNotificationFailed({ notificationId: givenUpId, error: 'TransientPortalError: Portal error (HTTP 503)' });
  expect(await count(metrics, 'failed', 'portal')).toBe(1);
  expect(await count(metrics, 'sent', 'portal')).toBe(1);
  // Nothing counted as an e-mail.
  expect(await count(metrics, 'sent')).toBe(0);
  expect(await count(metrics, 'failed')).toBe(0);
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
