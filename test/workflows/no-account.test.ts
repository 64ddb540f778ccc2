/**
 * Eligibility is checked at activation: without a confirmed portal account there is no
 * link and no e-mail; the invitation is recorded as no_account and the workflow ends.
 */
import { stateQuery } from '../../workflows/invitation-signals';
import { daysAgo, finished, invitationOf, makePerson, sleepUntil, withoutEmail, useHarness, activationAt } from './harness';


const h = useHarness();

async function expectNoAccount(body: Record<string, unknown>) {
  const { id, workflowId } = await h.post(body);
  const act = await activationAt(h, id);
  const handle = h.env.client.workflow.getHandle(workflowId);
  await sleepUntil(h.env, act - 60_000);
  expect((await handle.describe()).status.name).toBe('RUNNING'); // decided at activation, not at posting
  expect(await h.state(id)).toMatchObject({ stage: 'awaiting_activation' });
  await sleepUntil(h.env, act + 60_000);
  expect(await finished(h, workflowId)).toMatchObject({ status: 'no_account' });
  expect(await handle.query(stateQuery)).toMatchObject({ stage: 'no_account', nextDeadline: null, nextAction: null });
  const inv = await invitationOf(h, id);
  expect(inv).toMatchObject({ status: 'no_account', activatedAt: null, closesAt: null, round: 0 });
  expect(inv.links).toHaveLength(0);
  expect(inv.rounds).toHaveLength(0);
  expect(inv.notifications).toHaveLength(0);
  expect(h.fake.requests).toHaveLength(0);
}

test('no portal account: status no_account, no link, no e-mail', async () => {
  const citizen = makePerson('1979-09-09');
  const worker = await h.worker();
  await worker.runUntil(async () => {
    await expectNoAccount({ service: { kind: 'one_time', date: await daysAgo(h.env, 0) }, recipient: withoutEmail(citizen) });
  });
});

test('an unconfirmed account counts as no account (long service too)', async () => {
  const citizen = makePerson('1962-12-01');
  await h.account(citizen, false);
  const worker = await h.worker();
  await worker.runUntil(async () => {
    await expectNoAccount({ service: { kind: 'long', start: await daysAgo(h.env, 0) }, recipient: withoutEmail(citizen) });
  });
});

test('a minor: the child\'s own confirmed account does not make the receipt eligible', async () => {
  const child = makePerson('2014-05-20');
  const parent = makePerson('1984-01-15');
  await h.account(child);
  await h.account(parent, false);
  const worker = await h.worker();
  await worker.runUntil(async () => {
    await expectNoAccount({
      service: { kind: 'one_time', date: await daysAgo(h.env, 0) },
      recipient: withoutEmail(child),
      representatives: [withoutEmail(parent)],
    });
  });
});
