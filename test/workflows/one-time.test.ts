import { addMoscowMonths } from '../../src/domain/dates';
import { stateQuery } from '../../workflows/invitation-signals';
import { activationAt, daysAgo, makePerson, sleepUntil, withoutEmail, useHarness } from './harness';

const DAY = 86_400_000;
const h = useHarness();

test('one-time service: activated after 1 day, e-mailed within 4 days, closed one calendar month after T0', async () => {
  const citizen = makePerson('1980-04-01');
  await h.account(citizen);
  const worker = await h.worker();
  await worker.runUntil(async () => {
    const { id, workflowId } = await h.post({ service: { kind: 'one_time', date: await daysAgo(h.env, 0) }, recipient: withoutEmail(citizen) });
    const receipt = await h.tdb.db.receipt.findUniqueOrThrow({ where: { id } });
    const t0 = receipt.receivedAt.getTime();
    const act = await activationAt(h, id);
    const handle = h.env.client.workflow.getHandle(workflowId);

    const waiting = await h.state(id);
    expect(waiting.stage).toBe('awaiting_activation');
    expect(Date.parse(waiting.nextDeadline!)).toBe(act);
    expect(act - t0).toBeGreaterThanOrEqual(DAY);
    expect(act - t0).toBeLessThan(3 * DAY);
    expect(h.fake.delivered).toHaveLength(0);

    await sleepUntil(h.env, act + 60_000);
    const active = await handle.query(stateQuery);
    expect(active.stage).toBe('active');
    expect(active.nextAction).toBe('close');
    expect(Date.parse(active.closesAt!)).toBe(addMoscowMonths(t0, 1));

    const invitation = await h.tdb.db.invitation.findUniqueOrThrow({ where: { receiptId: id }, include: { rounds: true, links: true } });
    expect(invitation.status).toBe('active');
    expect(invitation.activatedAt!.getTime()).toBeGreaterThanOrEqual(act);
    expect(invitation.activatedAt!.getTime() - t0).toBeLessThan(3 * DAY);
    expect(invitation.closesAt!.getTime()).toBe(addMoscowMonths(t0, 1));
    expect(invitation.rounds[0].notifiedAt!.getTime() - t0).toBeLessThan(4 * DAY);
    expect(h.fake.delivered).toHaveLength(1);
    expect(h.fake.delivered[0].to).toEqual([citizen.email]);
    expect(h.fake.delivered[0].text).toContain('https://feedback.example/q/');

    const outcome = await handle.result();
    expect(outcome).toEqual({ status: 'closed', reason: 'expired', rounds: 1 });
    expect(await h.env.currentTimeMs()).toBeGreaterThanOrEqual(addMoscowMonths(t0, 1));
    const closed = await h.tdb.db.invitation.findUniqueOrThrow({ where: { receiptId: id } });
    expect(closed.status).toBe('closed');
    expect(closed.closeReason).toBe('expired');
    expect(closed.closedAt!.getTime()).toBeGreaterThanOrEqual(addMoscowMonths(t0, 1));
    expect(h.fake.delivered).toHaveLength(1);
  });
});
