/**
 * A recipient under 18 on the service date: every legal representative with a confirmed
 * account is invited (own link, own e-mail) to the same invitation; the first completed
 * questionnaire completes the round, which for a one-time service closes the link.
 */
import { completedSignal, stateQuery } from '../../workflows/invitation-signals';
import { addMoscowMonths } from '../../src/domain/dates';
import { daysAgo, finished, invitationOf, makePerson, receivedAt, sleepUntil, withoutEmail, useHarness } from './harness';

const DAY = 86_400_000;
const h = useHarness();

const linkIn = (text: string | undefined) => /https:\/\/feedback\.example\/q\/\S+/.exec(text ?? '')?.[0];

test('both representatives with confirmed accounts are e-mailed their own links; a completed questionnaire closes the link', async () => {
  const child = makePerson('2012-07-01');
  const mother = makePerson('1986-02-11');
  const father = makePerson('1983-10-30');
  await h.account(mother);
  await h.account(father);
  const worker = await h.worker();
  await worker.runUntil(async () => {
    const { id, workflowId } = await h.post({
      service: { kind: 'one_time', date: await daysAgo(h.env, 1) },
      recipient: withoutEmail(child),
      representatives: [withoutEmail(mother), withoutEmail(father)],
    });
    const t0 = await receivedAt(h, id);
    const handle = h.env.client.workflow.getHandle(workflowId);

    await sleepUntil(h.env, t0 + 4 * DAY);
    expect(h.fake.delivered.map((m) => m.to[0]).sort()).toEqual([mother.email, father.email].sort());
    const [a, b] = h.fake.delivered.map((m) => linkIn(m.text));
    expect(a).toBeDefined();
    expect(a).not.toBe(b);
    const inv = await invitationOf(h, id);
    expect(inv.status).toBe('active');
    expect(inv.links).toHaveLength(2);
    expect(inv.rounds).toHaveLength(1);
    expect(inv.notifications.map((n) => n.status)).toEqual(['sent', 'sent']);

    // One representative answers: round 1 is done, and a one-time service's link closes.
    const before = await h.env.currentTimeMs();
    await handle.signal(completedSignal, { round: 1 });
    expect(await finished(h, workflowId)).toEqual({ status: 'closed', reason: 'completed', rounds: 1 });
    expect((await handle.query(stateQuery)).stage).toBe('closed');
    const closed = await invitationOf(h, id);
    expect(closed).toMatchObject({ status: 'closed', closeReason: 'completed' });
    expect(closed.closedAt!.getTime() - before).toBeLessThan(60_000);
    expect(h.fake.delivered).toHaveLength(2);
  });
});

test('a representative with an unconfirmed account is not invited; the other is', async () => {
  const child = makePerson('2010-03-03');
  const confirmed = makePerson('1980-08-08');
  const unconfirmed = makePerson('1981-09-09');
  await h.account(confirmed);
  await h.account(unconfirmed, false);
  const worker = await h.worker();
  await worker.runUntil(async () => {
    const { id, workflowId } = await h.post({
      service: { kind: 'one_time', date: await daysAgo(h.env, 0) },
      recipient: withoutEmail(child),
      representatives: [withoutEmail(unconfirmed), withoutEmail(confirmed)],
    });
    const t0 = await receivedAt(h, id);
    await sleepUntil(h.env, t0 + 4 * DAY);
    expect(h.fake.delivered).toHaveLength(1);
    expect(h.fake.delivered[0].to).toEqual([confirmed.email]);
    const inv = await invitationOf(h, id);
    expect(inv.links).toHaveLength(1);
    expect(inv.notifications).toHaveLength(1);
    await sleepUntil(h.env, addMoscowMonths(t0, 1) + 60_000);
    expect(await finished(h, workflowId)).toEqual({ status: 'closed', reason: 'expired', rounds: 1 });
    expect(h.fake.delivered).toHaveLength(1);
  });
});
