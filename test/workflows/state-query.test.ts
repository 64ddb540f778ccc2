/**
 * The `state` query (what operators and the API see): the stage, and the next moment the
 * workflow acts by itself and what it will do then, at every stage of the lifecycle.
 */
import './quiet-worker-logs';
import { addMoscowMonths, endOfMoscowDay } from '../../src/domain/dates';
import { serviceEndedSignal, unsubscribedSignal } from '../../workflows/invitation-signals';
import {
  daysAgo, eventually, finished, invitationOf, makePerson, moscowDaysAgo, receivedAt, sleepUntil, withoutEmail, useHarness, activationAt, roundStartAt } from './harness';

const DAY = 86_400_000;
const MINUTE = 60_000;
const iso = (ms: number) => new Date(ms).toISOString();
const h = useHarness();

async function post(kind: 'one_time' | 'long') {
  const citizen = makePerson('1966-06-06');
  await h.account(citizen);
  const service = kind === 'one_time' ? { kind, date: await daysAgo(h.env, 0) } : { kind, start: await daysAgo(h.env, 0) };
  const posted = await h.post({ service, recipient: withoutEmail(citizen) });
  const t0 = await receivedAt(h, posted.id);
  const act = await activationAt(h, posted.id);
  const handle = h.env.client.workflow.getHandle(posted.workflowId);
  // Through the gateway: a workflow held by its start delay is answered from the server.
  return { ...posted, t0, act, state: () => h.state(posted.id), handle };
}

test('one-time service: awaiting_activation → notifying → active → closed', async () => {
  const worker = await h.worker();
  await worker.runUntil(async () => {
    const { id, workflowId, t0, state, act } = await post('one_time');
    const closesAt = iso(addMoscowMonths(t0, 1));
    expect(await state()).toEqual({
      stage: 'awaiting_activation', round: 1, nextDeadline: iso(act), nextAction: 'activate',
      closesAt, serviceEnd: null, unsubscribed: false,
    });

    // The provider fails the first attempt: the workflow is seen waiting to notify by the 4-day deadline.
    h.fake.failNext(1, 500);
    await sleepUntil(h.env, act);
    await eventually(() => h.fake.requests.length >= 1);
    expect(await state()).toMatchObject({ stage: 'notifying', nextDeadline: iso(t0 + 4 * DAY), nextAction: 'notify', closesAt });

    await sleepUntil(h.env, act + 10 * MINUTE);
    expect((await invitationOf(h, id)).notifications[0].status).toBe('sent');
    expect(await state()).toMatchObject({ stage: 'active', nextDeadline: closesAt, nextAction: 'close', closesAt });

    await sleepUntil(h.env, addMoscowMonths(t0, 1) + MINUTE);
    await finished(h, workflowId);
    expect(await state()).toMatchObject({ stage: 'closed', nextDeadline: null, nextAction: null });
  });
});

test('long service: the next round, then the reported end, as the next deadline', async () => {
  const worker = await h.worker();
  await worker.runUntil(async () => {
    const { id, t0, state, handle, act } = await post('long');
    const round2 = await roundStartAt(h, id, 2);
    expect(await state()).toMatchObject({ stage: 'awaiting_activation', nextDeadline: iso(act), nextAction: 'activate', closesAt: null });
    await sleepUntil(h.env, t0 + 4 * DAY);
    expect(await state()).toMatchObject({
      stage: 'active', round: 1, nextDeadline: iso(round2), nextAction: 'next_round', closesAt: null, serviceEnd: null,
    });

    // An end after the next round: the next round still comes first.
    const late = await moscowDaysAgo(h.env, -250);
    await handle.signal(serviceEndedSignal, { end: late });
    await h.env.sleep(MINUTE);
    expect(await state()).toMatchObject({
      stage: 'active', nextDeadline: iso(round2), nextAction: 'next_round', closesAt: iso(endOfMoscowDay(late)), serviceEnd: late,
    });

    // An end before it: closing is next.
    const soon = await moscowDaysAgo(h.env, -20);
    await handle.signal(serviceEndedSignal, { end: soon });
    await h.env.sleep(MINUTE);
    expect(await state()).toMatchObject({
      stage: 'active', nextDeadline: iso(endOfMoscowDay(soon)), nextAction: 'close', closesAt: iso(endOfMoscowDay(soon)), serviceEnd: soon,
    });
  });
});

/**
 * With every addressee unsubscribed and no end known, the workflow has nothing scheduled
 * (it waits for a signal). It used to report nextAction 'close' here (fixed in
 * workflows/invitation.ts: a null wake-up has no next action).
 */
test('long service, unsubscribed, no end known: nothing is scheduled', async () => {
  const worker = await h.worker();
  await worker.runUntil(async () => {
    const { t0, state, handle } = await post('long');
    await sleepUntil(h.env, t0 + 4 * DAY);
    await handle.signal(unsubscribedSignal, { all: true });
    await h.env.sleep(MINUTE);
    expect(await state()).toMatchObject({ stage: 'active', unsubscribed: true, closesAt: null, nextDeadline: null, nextAction: null });
  });
});
