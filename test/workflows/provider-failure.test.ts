/**
 * E-mail provider failures (the fake Resend answers with errors): transient ones are
 * retried until the 4-day deadline, then the notification is recorded as failed; a
 * permanent one is recorded at once. The workflow never fails, and the link keeps its
 * schedule (open, then closed one calendar month after T0).
 */
import './quiet-worker-logs';
import { addMoscowMonths } from '../../src/domain/dates';
import { stateQuery } from '../../workflows/invitation-signals';
import { daysAgo, finished, invitationOf, makePerson, receivedAt, sleepUntil, withoutEmail, useHarness, activationAt } from './harness';

const DAY = 86_400_000;
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const h = useHarness();

async function postCitizen() {
  const citizen = makePerson('1959-10-10');
  await h.account(citizen);
  const posted = await h.post({ service: { kind: 'one_time', date: await daysAgo(h.env, 0) }, recipient: withoutEmail(citizen) });
  return { ...posted, citizen, t0: await receivedAt(h, posted.id), act: await activationAt(h, posted.id), handle: h.env.client.workflow.getHandle(posted.workflowId) };
}

/** After the e-mail's fate, the link still lives its month and closes as 'expired'. */
async function expectLinkExpiresOnSchedule(id: string, workflowId: string, t0: number) {
  const handle = h.env.client.workflow.getHandle(workflowId);
  expect(await handle.query(stateQuery)).toMatchObject({ stage: 'active', nextAction: 'close' });
  expect((await invitationOf(h, id)).status).toBe('active');
  await sleepUntil(h.env, addMoscowMonths(t0, 1) + MINUTE);
  expect(await finished(h, workflowId)).toEqual({ status: 'closed', reason: 'expired', rounds: 1 });
  const inv = await invitationOf(h, id);
  expect(inv).toMatchObject({ status: 'closed', closeReason: 'expired' });
  expect(inv.closedAt!.getTime()).toBeGreaterThanOrEqual(addMoscowMonths(t0, 1));
}

test('a provider outage: retried until the 4-day deadline, then recorded as failed; the workflow carries on', async () => {
  h.fake.failNext(100_000, 500);
  const worker = await h.worker();
  await worker.runUntil(async () => {
    const { id, workflowId, t0, handle } = await postCitizen();
    await sleepUntil(h.env, t0 + 3 * DAY);
    expect(await handle.query(stateQuery)).toMatchObject({ stage: 'notifying', nextAction: 'notify' });
    expect(Date.parse((await handle.query(stateQuery)).nextDeadline!)).toBe(t0 + 4 * DAY);
    expect((await invitationOf(h, id)).notifications[0].status).toBe('pending');

    await sleepUntil(h.env, t0 + 4 * DAY + MINUTE);
    const inv = await invitationOf(h, id);
    const [n] = inv.notifications;
    expect(n.status).toBe('failed');
    // Retried up to the deadline: the last attempt is at most one maximum backoff (1 h) before it.
    expect(n.failedAt!.getTime()).toBeLessThanOrEqual(t0 + 4 * DAY + MINUTE);
    expect(n.failedAt!.getTime()).toBeGreaterThan(t0 + 4 * DAY - HOUR - MINUTE);
    expect(n.attempts).toBeGreaterThan(10);
    expect(n.attempts).toBe(h.fake.requests.length);
    expect(n.lastError).toMatch(/application_error/);
    expect(inv.rounds[0].notifiedAt).toBeNull();
    expect(h.fake.delivered).toHaveLength(0);
    expect((await handle.describe()).status.name).toBe('RUNNING');

    await expectLinkExpiresOnSchedule(id, workflowId, t0);
  });
});

test('transient failures, then success: exactly one e-mail, recorded as sent', async () => {
  h.fake.failNext(3, 500);
  const worker = await h.worker();
  await worker.runUntil(async () => {
    const { id, workflowId, t0, citizen } = await postCitizen();
    await sleepUntil(h.env, t0 + 4 * DAY);
    expect(h.fake.requests.map((r) => r.status)).toEqual([500, 500, 500, 200]);
    expect(new Set(h.fake.requests.map((r) => r.idempotencyKey)).size).toBe(1);
    expect(h.fake.delivered).toHaveLength(1);
    expect(h.fake.delivered[0].to).toEqual([citizen.email]);
    const inv = await invitationOf(h, id);
    const [n] = inv.notifications;
    expect(n).toMatchObject({ status: 'sent', attempts: 4, lastError: null, failedAt: null });
    expect(n.sentAt!.getTime()).toBeLessThan(t0 + 4 * DAY);
    expect(inv.rounds[0].notifiedAt!.getTime()).toBe(n.sentAt!.getTime());
    await expectLinkExpiresOnSchedule(id, workflowId, t0);
    expect(h.fake.delivered).toHaveLength(1);
  });
});

test('a permanent rejection (422) is recorded as failed at once, without retrying', async () => {
  h.fake.failNext(1, 422);
  const worker = await h.worker();
  await worker.runUntil(async () => {
    const { id, workflowId, t0, citizen, act } = await postCitizen();
    await sleepUntil(h.env, act + 10 * MINUTE);
    const [n] = (await invitationOf(h, id)).notifications;
    expect(n).toMatchObject({ status: 'failed', attempts: 1 });
    expect(n.failedAt!.getTime()).toBeLessThan(act + MINUTE);
    expect(n.lastError).toMatch(/validation_error/);
    expect(n.lastError).not.toContain(citizen.email);
    await sleepUntil(h.env, t0 + 5 * DAY);
    expect(h.fake.requests).toHaveLength(1);
    expect(h.fake.delivered).toHaveLength(0);
    await expectLinkExpiresOnSchedule(id, workflowId, t0);
  });
});
