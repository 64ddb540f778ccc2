/**
 * An integrator withdraws a receipt sent in error (the API marks it cancelled, then
 * signals the workflow): the link closes at once with reason 'withdrawn' and no e-mail
 * goes out afterwards; a lost signal is caught at activation from the database.
 */
import './quiet-worker-logs';
import { cancelSignal, stateQuery } from '../../workflows/invitation-signals';
import { daysAgo, eventually, finished, invitationOf, makePerson, receivedAt, sleepUntil, withoutEmail, useHarness, activationAt } from './harness';

const DAY = 86_400_000;
const MINUTE = 60_000;
const h = useHarness();

async function postCitizen(kind: 'one_time' | 'long' = 'one_time') {
  const citizen = makePerson('1977-04-12');
  await h.account(citizen);
  const service = kind === 'one_time' ? { kind, date: await daysAgo(h.env, 0) } : { kind, start: await daysAgo(h.env, 0) };
  const posted = await h.post({ service, recipient: withoutEmail(citizen) });
  return { ...posted, t0: await receivedAt(h, posted.id), act: await activationAt(h, posted.id), handle: h.env.client.workflow.getHandle(posted.workflowId) };
}

/** What POST /v1/receipts/:id/cancel does: mark the receipt, then (unless `lost`) signal. */
async function cancel(receiptId: string, workflowId: string, { lost = false } = {}) {
  await h.tdb.db.receipt.update({ where: { id: receiptId }, data: { status: 'cancelled', cancelledAt: new Date(await h.env.currentTimeMs()) } });
  if (!lost) await h.env.client.workflow.getHandle(workflowId).signal(cancelSignal);
}

test('cancelled during the activation wait: withdrawn at once, no link, no e-mail', async () => {
  const worker = await h.worker();
  await worker.runUntil(async () => {
    const { id, workflowId, handle, act } = await postCitizen();
    await h.env.sleep(6 * 60 * MINUTE);
    const cancelledAt = await h.env.currentTimeMs();
    await cancel(id, workflowId);
    expect(await finished(h, workflowId)).toMatchObject({ status: 'withdrawn', reason: 'withdrawn' });
    expect(await handle.query(stateQuery)).toMatchObject({ stage: 'withdrawn', nextDeadline: null, nextAction: null });
    const inv = await invitationOf(h, id);
    expect(inv).toMatchObject({ status: 'closed', closeReason: 'withdrawn', activatedAt: null });
    expect(inv.closedAt!.getTime()).toBeGreaterThanOrEqual(cancelledAt);
    expect(inv.closedAt!.getTime()).toBeLessThan(act);
    expect(inv.links).toHaveLength(0);
    await h.env.sleep(5 * DAY);
    expect(h.fake.requests).toHaveLength(0);
  });
});

test('cancelled after activation: the open link closes at once', async () => {
  const worker = await h.worker();
  await worker.runUntil(async () => {
    const { id, workflowId, t0, handle } = await postCitizen('long');
    await sleepUntil(h.env, t0 + 4 * DAY);
    expect(h.fake.delivered).toHaveLength(1);
    expect((await handle.query(stateQuery)).stage).toBe('active');
    const cancelledAt = await h.env.currentTimeMs();
    await cancel(id, workflowId);
    expect(await finished(h, workflowId)).toMatchObject({ status: 'withdrawn', reason: 'withdrawn' });
    const inv = await invitationOf(h, id);
    expect(inv).toMatchObject({ status: 'closed', closeReason: 'withdrawn' });
    expect(inv.closedAt!.getTime() - cancelledAt).toBeLessThan(MINUTE);
    expect(h.fake.delivered).toHaveLength(1);
  });
});

test('cancelled in the database but the signal was lost: the workflow withdraws at activation', async () => {
  const worker = await h.worker();
  await worker.runUntil(async () => {
    const { id, workflowId, act } = await postCitizen();
    await h.env.sleep(60 * MINUTE);
    await cancel(id, workflowId, { lost: true });
    await sleepUntil(h.env, act + MINUTE);
    expect(await finished(h, workflowId)).toMatchObject({ status: 'withdrawn', reason: 'withdrawn' });
    const inv = await invitationOf(h, id);
    expect(inv).toMatchObject({ status: 'closed', closeReason: 'withdrawn', activatedAt: null });
    expect(inv.closedAt!.getTime()).toBeGreaterThanOrEqual(act);
    expect(inv.links).toHaveLength(0);
    expect(h.fake.requests).toHaveLength(0);
  });
});

/**
 * A withdrawal does not wait for e-mail retries (provider outage): the link closes at once
 * and no later retry e-mails the citizen a link for a withdrawn receipt.
 */
test('cancelled while the first e-mail is being retried: no e-mail goes out, the link closes at once', async () => {
  const worker = await h.worker();
  await worker.runUntil(async () => {
    const { id, workflowId, handle, act } = await postCitizen();
    h.fake.failNext(3, 500);
    await sleepUntil(h.env, act);
    await eventually(() => h.fake.requests.length >= 1); // the first attempt failed; the retry is due in a minute
    expect((await handle.query(stateQuery)).stage).toBe('notifying');
    const cancelledAt = await h.env.currentTimeMs();
    await cancel(id, workflowId);
    await h.env.sleep(30 * MINUTE);
    expect(h.fake.delivered).toHaveLength(0);
    const inv = await invitationOf(h, id);
    expect(inv).toMatchObject({ status: 'closed', closeReason: 'withdrawn' });
    expect(inv.closedAt!.getTime() - cancelledAt).toBeLessThan(MINUTE);
  });
});
