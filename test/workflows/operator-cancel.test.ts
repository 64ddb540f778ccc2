/**
 * An operator's cancellation from the Temporal UI or CLI (a cancellation request, not our
 * `cancel` signal) leaves nothing open: the workflow closes the link, records why
 * (`operator_cancelled`) and ends as cancelled, whether the link was active or not yet.
 */
import { WorkflowFailedError } from '@temporalio/client';
import { daysAgo, eventually, invitationOf, makePerson, receivedAt, sleepUntil, withoutEmail, useHarness } from './harness';

const DAY = 86_400_000;
const h = useHarness();

async function cancelledByOperator(workflowId: string): Promise<void> {
  const handle = h.env.client.workflow.getHandle(workflowId);
  await handle.cancel();
  await eventually(async () => (await handle.describe()).status.name === 'CANCELLED');
  await expect(handle.result()).rejects.toBeInstanceOf(WorkflowFailedError);
}

test('cancelled while its link is active: the link closes as operator_cancelled and takes no answer', async () => {
  const person = makePerson('1979-05-05');
  await h.account(person);
  const worker = await h.worker();
  await worker.runUntil(async () => {
    const { id, workflowId } = await h.post({ service: { kind: 'one_time', date: await daysAgo(h.env, 0) }, recipient: withoutEmail(person) });
    await sleepUntil(h.env, (await receivedAt(h, id)) + 2 * DAY);
    expect((await invitationOf(h, id)).status).toBe('active');
    await cancelledByOperator(workflowId);
    expect(await invitationOf(h, id)).toMatchObject({ status: 'closed', closeReason: 'operator_cancelled' });
  });
});

test('cancelled before activation: the invitation is closed, never left pending', async () => {
  const person = makePerson('1979-06-06');
  await h.account(person);
  const worker = await h.worker();
  await worker.runUntil(async () => {
    const { id, workflowId } = await h.post({ service: { kind: 'one_time', date: await daysAgo(h.env, 0) }, recipient: withoutEmail(person) });
    await cancelledByOperator(workflowId);
    expect(await invitationOf(h, id)).toMatchObject({ status: 'closed', closeReason: 'operator_cancelled', links: [] });
    expect(h.fake.delivered.filter((m) => m.to.includes(person.email))).toHaveLength(0);
  });
});
