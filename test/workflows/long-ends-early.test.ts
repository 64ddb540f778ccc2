/**
 * A long service that ends before its first e-mail is treated like a one-time service:
 * the link stays open one calendar month from T0, one e-mail, then it closes as 'expired'.
 */
import './quiet-worker-logs';
import { addMoscowMonths, moscowDate } from '../../src/domain/dates';
import { serviceEndedSignal, stateQuery } from '../../workflows/invitation-signals';
import { daysAgo, eventually, finished, invitationOf, makePerson, receivedAt, sleepUntil, withoutEmail, useHarness, activationAt } from './harness';

const DAY = 86_400_000;
const h = useHarness();

/** From the first e-mail on, the run looks exactly like a one-time service's. */
async function expectOneTimeLifecycle(id: string, workflowId: string, t0: number) {
  const handle = h.env.client.workflow.getHandle(workflowId);
  await sleepUntil(h.env, t0 + 4 * DAY);
  const state = await handle.query(stateQuery);
  expect(state).toMatchObject({ stage: 'active', round: 1, nextAction: 'close' });
  expect(Date.parse(state.closesAt!)).toBe(addMoscowMonths(t0, 1));
  const inv = await invitationOf(h, id);
  expect(inv.status).toBe('active');
  expect(inv.closesAt!.getTime()).toBe(addMoscowMonths(t0, 1));
  expect(h.fake.delivered).toHaveLength(1);

  await sleepUntil(h.env, addMoscowMonths(t0, 1) - 60_000);
  expect((await invitationOf(h, id)).status).toBe('active');
  await sleepUntil(h.env, addMoscowMonths(t0, 1) + 60_000);
  expect(await finished(h, workflowId)).toEqual({ status: 'closed', reason: 'expired', rounds: 1 });
  const closed = await invitationOf(h, id);
  expect(closed).toMatchObject({ status: 'closed', closeReason: 'expired', round: 1 });
  expect(closed.closedAt!.getTime()).toBeGreaterThanOrEqual(addMoscowMonths(t0, 1));
  expect(closed.rounds).toHaveLength(1);
  expect(h.fake.delivered).toHaveLength(1);
}

test('an end date already in the past when the receipt is posted', async () => {
  const citizen = makePerson('1990-11-30');
  await h.account(citizen);
  const worker = await h.worker();
  await worker.runUntil(async () => {
    const { id, workflowId } = await h.post({
      service: { kind: 'long', start: await daysAgo(h.env, 40), end: await daysAgo(h.env, 2) },
      recipient: withoutEmail(citizen),
    });
    await expectOneTimeLifecycle(id, workflowId, await receivedAt(h, id));
  });
});

test('an end reported during the activation wait (a day that is over before activation)', async () => {
  const citizen = makePerson('1985-03-08');
  await h.account(citizen);
  const worker = await h.worker();
  await worker.runUntil(async () => {
    const { id, workflowId } = await h.post({ service: { kind: 'long', start: await daysAgo(h.env, 5) }, recipient: withoutEmail(citizen) });
    const t0 = await receivedAt(h, id);
    const handle = h.env.client.workflow.getHandle(workflowId);
    await h.env.sleep(60 * 60_000);
    expect((await h.state(id)).stage).toBe('awaiting_activation');
    // Today (Moscow) is the last day: it ends before the link is activated one day after T0.
    await handle.signal(serviceEndedSignal, { end: moscowDate(t0) });
    await expectOneTimeLifecycle(id, workflowId, t0);
  });
});

/**
 * The "ended before its first e-mail" rule holds however late the end is reported: an end
 * (a day already over) reported while the first e-mail is still being retried keeps the
 * link open one month from T0, like a one-time service, instead of closing it at once.
 */
test('an end reported while the first e-mail is still being retried', async () => {
  const citizen = makePerson('1973-07-07');
  await h.account(citizen);
  h.fake.failNext(3, 500);
  const worker = await h.worker();
  await worker.runUntil(async () => {
    const { id, workflowId } = await h.post({ service: { kind: 'long', start: await daysAgo(h.env, 5) }, recipient: withoutEmail(citizen) });
    const t0 = await receivedAt(h, id);
    const act = await activationAt(h, id);
    const handle = h.env.client.workflow.getHandle(workflowId);
    await sleepUntil(h.env, act);
    await eventually(() => h.fake.requests.length >= 1);
    expect((await h.state(id)).stage).toBe('notifying');
    await handle.signal(serviceEndedSignal, { end: moscowDate(t0 - DAY) });
    await expectOneTimeLifecycle(id, workflowId, t0);
  });
});
