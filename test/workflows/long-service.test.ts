/**
 * A long service with no known end: the first e-mail within 4 days of T0, a new round and
 * a reminder every half-year (continue-as-new per round), completing a round keeps the link
 * open, and the reported end closes it (end of that Moscow day, or at once if past).
 */
import './quiet-worker-logs';
import { addMoscowMonths, endOfMoscowDay } from '../../src/domain/dates';
import { completedSignal, serviceEndedSignal, stateQuery } from '../../workflows/invitation-signals';
import {
  activationAt, daysAgo, eventually, finished, invitationOf, makePerson, moscowDaysAgo, receivedAt, roundStartAt, sleepUntil, withoutEmail, useHarness } from './harness';

const DAY = 86_400_000;
const MINUTE = 60_000;
const h = useHarness();

const linkIn = (text: string | undefined) => /https:\/\/feedback\.example\/q\/\S+/.exec(text ?? '')?.[0];

async function postLong(citizen: ReturnType<typeof makePerson>) {
  const posted = await h.post({ service: { kind: 'long', start: await daysAgo(h.env, 0) }, recipient: withoutEmail(citizen) });
  return { ...posted, t0: await receivedAt(h, posted.id), act: await activationAt(h, posted.id), handle: h.env.client.workflow.getHandle(posted.workflowId) };
}

test('a reminder and a new round every half-year (continue-as-new); completing a round keeps the link open; a future end closes it at the end of that Moscow day', async () => {
  const citizen = makePerson('1975-06-15');
  await h.account(citizen);
  const worker = await h.worker();
  await worker.runUntil(async () => {
    const { id, t0, handle } = await postLong(citizen);
    const firstRunId = (await handle.describe()).runId;

    // Round 1: the e-mail within 4 days of T0; the link has no closing date yet.
    await sleepUntil(h.env, t0 + 4 * DAY);
    expect(h.fake.delivered).toHaveLength(1);
    expect(h.fake.delivered[0].to).toEqual([citizen.email]);
    let state = await handle.query(stateQuery);
    expect(state).toMatchObject({ stage: 'active', round: 1, closesAt: null, nextAction: 'next_round' });
    expect(Date.parse(state.nextDeadline!)).toBe(await roundStartAt(h, id, 2));
    let inv = await invitationOf(h, id);
    expect(inv).toMatchObject({ status: 'active', round: 1, closesAt: null });
    expect(inv.rounds.map((r) => r.round)).toEqual([1]);
    expect(inv.rounds[0].notifiedAt!.getTime() - t0).toBeLessThan(4 * DAY);

    // The citizen completes round 1: a long service's link stays open.
    await handle.signal(completedSignal, { round: 1 });
    await h.env.sleep(MINUTE);
    expect((await invitationOf(h, id)).status).toBe('active');
    expect((await handle.query(stateQuery)).stage).toBe('active');

    // Round 2 half a calendar year (Moscow) after T0 (plus the receipt's offset in the spread), in a new run.
    const round2 = await roundStartAt(h, id, 2);
    expect(round2 - addMoscowMonths(t0, 6)).toBeGreaterThanOrEqual(0);
    expect(round2 - addMoscowMonths(t0, 6)).toBeLessThanOrEqual(DAY / 2);
    await sleepUntil(h.env, round2 - MINUTE);
    expect(h.fake.delivered).toHaveLength(1);
    expect((await handle.query(stateQuery)).round).toBe(1);
    await sleepUntil(h.env, round2 + 4 * DAY);
    state = await handle.query(stateQuery);
    expect(state).toMatchObject({ stage: 'active', round: 2, nextAction: 'next_round' });
    expect(Date.parse(state.nextDeadline!)).toBe(await roundStartAt(h, id, 3));
    expect((await handle.describe()).runId).not.toBe(firstRunId);
    expect(h.fake.delivered).toHaveLength(2);
    expect(h.fake.delivered[1].to).toEqual([citizen.email]);
    expect(h.fake.delivered[1].subject).toMatch(/^Напоминание/);
    expect(linkIn(h.fake.delivered[1].text)).toBe(linkIn(h.fake.delivered[0].text)); // the same personal link
    inv = await invitationOf(h, id);
    expect(inv).toMatchObject({ status: 'active', round: 2 });
    expect(inv.rounds.map((r) => r.round)).toEqual([1, 2]);
    expect(inv.rounds[1].openedAt.getTime()).toBeGreaterThanOrEqual(round2);
    expect(inv.rounds[1].notifiedAt!.getTime()).toBeLessThan(addMoscowMonths(t0, 6) + 4 * DAY);
    expect(inv.links).toHaveLength(1);
    expect(inv.notifications.map((n) => [n.round, n.status])).toEqual([[1, 'sent'], [2, 'sent']]);

    // Round 3 twelve calendar months after T0.
    const round3 = await roundStartAt(h, id, 3);
    await sleepUntil(h.env, round3 + 4 * DAY);
    expect((await handle.query(stateQuery)).round).toBe(3);
    expect(h.fake.delivered).toHaveLength(3);
    inv = await invitationOf(h, id);
    expect(inv.round).toBe(3);
    expect(inv.rounds.map((r) => r.round)).toEqual([1, 2, 3]);

    // The integrator reports an end date ten days ahead: the link closes at the end of that day, Moscow time.
    const end = await moscowDaysAgo(h.env, -10);
    await handle.signal(serviceEndedSignal, { end });
    await h.env.sleep(MINUTE);
    state = await handle.query(stateQuery);
    expect(state).toMatchObject({ stage: 'active', serviceEnd: end, nextAction: 'close' });
    expect(Date.parse(state.closesAt!)).toBe(endOfMoscowDay(end));
    expect(Date.parse(state.nextDeadline!)).toBe(endOfMoscowDay(end));
    inv = await invitationOf(h, id);
    expect(inv.status).toBe('active');
    expect(inv.closesAt!.getTime()).toBe(endOfMoscowDay(end));

    await sleepUntil(h.env, endOfMoscowDay(end) - MINUTE);
    expect((await invitationOf(h, id)).status).toBe('active');
    await sleepUntil(h.env, endOfMoscowDay(end) + MINUTE);
    expect(await finished(h, handle.workflowId)).toEqual({ status: 'closed', reason: 'service_ended', rounds: 3 });
    inv = await invitationOf(h, id);
    expect(inv).toMatchObject({ status: 'closed', closeReason: 'service_ended' });
    expect(inv.closedAt!.getTime()).toBeGreaterThanOrEqual(endOfMoscowDay(end));
    expect(inv.closedAt!.getTime()).toBeLessThan(endOfMoscowDay(end) + MINUTE);
    expect(h.fake.delivered).toHaveLength(3);
  });
});

test('an end date reported in the past closes the link at once', async () => {
  const citizen = makePerson('1968-02-29');
  await h.account(citizen);
  const worker = await h.worker();
  await worker.runUntil(async () => {
    const { id, t0, handle } = await postLong(citizen);
    await sleepUntil(h.env, t0 + 10 * DAY);
    expect(h.fake.delivered).toHaveLength(1);
    expect((await invitationOf(h, id)).status).toBe('active');

    const end = await moscowDaysAgo(h.env, 3);
    const signalledAt = await h.env.currentTimeMs();
    await handle.signal(serviceEndedSignal, { end });
    expect(await finished(h, handle.workflowId)).toEqual({ status: 'closed', reason: 'service_ended', rounds: 1 });
    const inv = await invitationOf(h, id);
    expect(inv).toMatchObject({ status: 'closed', closeReason: 'service_ended' });
    expect(inv.closedAt!.getTime()).toBeGreaterThanOrEqual(signalledAt);
    expect(inv.closedAt!.getTime()).toBeLessThan(signalledAt + MINUTE);
    expect(h.fake.delivered).toHaveLength(1);
  });
});

/**
 * An end reported while the first e-mail is still being retried must reach the database
 * too: the API reads the link's closing time from there, not from the workflow.
 */
test('an end reported while the first e-mail is being retried is stored as the closing time', async () => {
  const citizen = makePerson('1981-01-01');
  await h.account(citizen);
  h.fake.failNext(3, 500);
  const worker = await h.worker();
  await worker.runUntil(async () => {
    const { id, act, handle } = await postLong(citizen);
    await sleepUntil(h.env, act);
    await eventually(() => h.fake.requests.length >= 1);
    expect((await handle.query(stateQuery)).stage).toBe('notifying');
    const end = await moscowDaysAgo(h.env, -30);
    await handle.signal(serviceEndedSignal, { end });
    await sleepUntil(h.env, act + DAY);
    expect(h.fake.delivered).toHaveLength(1);
    expect(await handle.query(stateQuery)).toMatchObject({ stage: 'active', closesAt: new Date(endOfMoscowDay(end)).toISOString() });
    expect((await invitationOf(h, id)).closesAt?.getTime()).toBe(endOfMoscowDay(end));
  });
});
