/**
 * Participation is voluntary: an unsubscribed citizen gets no further reminders, yet the
 * link of a long service stays active until the service ends. With several addressees
 * (a minor's representatives) only the one who unsubscribed stops getting e-mails.
 */
import { addMoscowMonths, endOfMoscowDay } from '../../src/domain/dates';
import { serviceEndedSignal, stateQuery, unsubscribedSignal } from '../../workflows/invitation-signals';
import {
  daysAgo, finished, invitationOf, makePerson, moscowDaysAgo, receivedAt, sleepUntil, withoutEmail, useHarness } from './harness';

const DAY = 86_400_000;
const MINUTE = 60_000;
const h = useHarness();

/** What the unsubscribe page does: mark the link, then tell the workflow. */
async function unsubscribe(linkId: string, workflowId: string, all: boolean) {
  await h.tdb.db.invitationLink.update({ where: { id: linkId }, data: { unsubscribedAt: new Date(await h.env.currentTimeMs()) } });
  await h.env.client.workflow.getHandle(workflowId).signal(unsubscribedSignal, { all });
}

test('unsubscribed: no half-year reminder, no new round, but the link stays active until the service ends', async () => {
  const citizen = makePerson('1970-01-31');
  await h.account(citizen);
  const worker = await h.worker();
  await worker.runUntil(async () => {
    const { id, workflowId } = await h.post({ service: { kind: 'long', start: await daysAgo(h.env, 0) }, recipient: withoutEmail(citizen) });
    const t0 = await receivedAt(h, id);
    const handle = h.env.client.workflow.getHandle(workflowId);
    await sleepUntil(h.env, t0 + 4 * DAY);
    expect(h.fake.delivered).toHaveLength(1);

    const [link] = (await invitationOf(h, id)).links;
    await unsubscribe(link.id, workflowId, true);
    await h.env.sleep(MINUTE);
    expect(await handle.query(stateQuery)).toMatchObject({ stage: 'active', round: 1, unsubscribed: true });

    await sleepUntil(h.env, addMoscowMonths(t0, 6) + 5 * DAY);
    await sleepUntil(h.env, addMoscowMonths(t0, 12) + 5 * DAY);
    expect(h.fake.requests).toHaveLength(1);
    expect(await handle.query(stateQuery)).toMatchObject({ stage: 'active', round: 1, unsubscribed: true });
    let inv = await invitationOf(h, id);
    expect(inv).toMatchObject({ status: 'active', round: 1, closedAt: null });
    expect(inv.rounds.map((r) => r.round)).toEqual([1]);
    expect((await handle.describe()).status.name).toBe('RUNNING');

    const end = await moscowDaysAgo(h.env, -10);
    await handle.signal(serviceEndedSignal, { end });
    await sleepUntil(h.env, endOfMoscowDay(end) - MINUTE);
    expect((await invitationOf(h, id)).status).toBe('active');
    await sleepUntil(h.env, endOfMoscowDay(end) + MINUTE);
    expect(await finished(h, workflowId)).toEqual({ status: 'closed', reason: 'service_ended', rounds: 1 });
    inv = await invitationOf(h, id);
    expect(inv).toMatchObject({ status: 'closed', closeReason: 'service_ended' });
    expect(inv.closedAt!.getTime()).toBeGreaterThanOrEqual(endOfMoscowDay(end));
    expect(h.fake.requests).toHaveLength(1);
  });
});

test('one of two representatives unsubscribes: the half-year reminder goes to the other only', async () => {
  const child = makePerson('2015-09-01');
  const stays = makePerson('1988-04-04');
  const leaves = makePerson('1987-05-05');
  await h.account(stays);
  await h.account(leaves);
  const worker = await h.worker();
  await worker.runUntil(async () => {
    const { id, workflowId } = await h.post({
      service: { kind: 'long', start: await daysAgo(h.env, 0) },
      recipient: withoutEmail(child),
      representatives: [withoutEmail(stays), withoutEmail(leaves)],
    });
    const t0 = await receivedAt(h, id);
    await sleepUntil(h.env, t0 + 4 * DAY);
    expect(h.fake.delivered).toHaveLength(2);

    const inv = await invitationOf(h, id);
    const accountOfLeaver = await h.tdb.db.account.findFirstOrThrow({ where: { email: leaves.email } });
    const leaverLink = inv.links.find((l) => l.accountId === accountOfLeaver.id)!;
    await unsubscribe(leaverLink.id, workflowId, false);

    await sleepUntil(h.env, addMoscowMonths(t0, 6) + 5 * DAY);
    expect(h.fake.delivered).toHaveLength(3);
    expect(h.fake.delivered[2].to).toEqual([stays.email]);
    const after = await invitationOf(h, id);
    expect(after.round).toBe(2);
    expect(after.notifications.filter((n) => n.round === 2).map((n) => n.linkId)).toEqual(
      after.links.filter((l) => l.id !== leaverLink.id).map((l) => l.id),
    );
  });
});
