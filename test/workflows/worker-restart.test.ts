/**
 * No duplicate e-mail after a worker restart. Worker A sends the e-mail through the real
 * Resend SDK but "dies" before recording it (its mailer throws right after the provider
 * accepted the message); worker B retries the activity, which sends again with the same
 * Idempotency-Key, so the provider delivers it once and the notification is recorded once.
 */
import './quiet-worker-logs';
import { Worker } from '@temporalio/worker';
import { createActivities } from '../../activities';
import type { EmailMessage, Mailer, SendResult } from '../../src/mail/mailer';
import { ResendMailer } from '../../src/mail/resend-mailer';
import { stateQuery } from '../../workflows/invitation-signals';
import { workflowBundle } from '../helpers/temporal';
import { daysAgo, eventually, invitationOf, makePerson, receivedAt, sleepUntil, withoutEmail, useHarness, activationAt } from './harness';

const DAY = 86_400_000;
const MINUTE = 60_000;
const h = useHarness();

/** The real mailer, but the process "dies" between the provider's answer and our bookkeeping. */
class DiesAfterSending implements Mailer {
  readonly kind = 'resend' as const;
  sent = 0;
  constructor(private readonly real: Mailer) {}
  async send(message: EmailMessage): Promise<SendResult> {
    await this.real.send(message);
    this.sent++;
    throw new Error('worker lost before recording the send');
  }
}

test('an e-mail sent by a worker that died before recording it is not delivered twice by the next worker', async () => {
  const citizen = makePerson('1992-12-12');
  await h.account(citizen);
  // Same API key and sender as the harness's normal mailer: a retry must produce the identical request.
  const dying = new DiesAfterSending(new ResendMailer('re_test_key', 'Оценка услуг <feedback@example.test>'));
  // Worker A is the product's worker (same workflows, same activities) without a workflow
  // cache: the time-skipping test server never hands a dead worker's sticky queue over to
  // another worker (a real server does after stickyQueueScheduleToStartTimeout), so with a
  // cache worker B would never get the workflow task that follows the retried activity.
  const workerA = await Worker.create({
    connection: h.env.nativeConnection,
    namespace: h.env.namespace ?? 'default',
    taskQueue: h.taskQueue,
    workflowBundle: await workflowBundle(),
    activities: createActivities(h.activityDeps(dying)),
    maxCachedWorkflows: 0,
  });
  const { id, workflowId, t0, act } = await workerA.runUntil(async () => {
    const posted = await h.post({ service: { kind: 'one_time', date: await daysAgo(h.env, 0) }, recipient: withoutEmail(citizen) });
    const t0 = await receivedAt(h, posted.id);
    const act = await activationAt(h, posted.id);
    await sleepUntil(h.env, act);
    await eventually(() => h.fake.requests.length >= 1);
    // Let worker A's failed attempt finish (it records the error), then stop worker A.
    await eventually(async () => (await invitationOf(h, posted.id)).notifications[0]?.lastError != null);
    return { ...posted, t0, act };
  });
  expect(dying.sent).toBe(1);
  expect(h.fake.delivered).toHaveLength(1);
  let [n] = (await invitationOf(h, id)).notifications;
  expect(n).toMatchObject({ status: 'pending', attempts: 1, sentAt: null });

  const workerB = await h.worker();
  await workerB.runUntil(async () => {
    await sleepUntil(h.env, act + 30 * MINUTE);
    await eventually(async () => (await invitationOf(h, id)).notifications[0].status === 'sent');
    expect((await h.env.client.workflow.getHandle(workflowId).query(stateQuery)).stage).toBe('active');
  });

  const keys = h.fake.requests.map((r) => r.idempotencyKey);
  expect(keys.length).toBeGreaterThanOrEqual(2);
  expect(new Set(keys)).toEqual(new Set([`notification-${n.id}`]));
  expect(h.fake.requests.map((r) => [r.status, r.replay])).toEqual([[200, false], ...keys.slice(1).map(() => [200, true])]);
  expect(h.fake.delivered).toHaveLength(1);
  [n] = (await invitationOf(h, id)).notifications;
  expect(n).toMatchObject({ status: 'sent', attempts: 2, providerId: h.fake.delivered[0].id, lastError: null });
  expect(n.sentAt!.getTime()).toBeLessThan(t0 + 4 * DAY);
  expect(await h.tdb.db.notification.count()).toBe(1);
});
