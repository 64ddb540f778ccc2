/**
 * The two generations of the invitation workflow (docs/workflow-changes.md): new receipts
 * start the second, which records no patch markers and runs its database writes and sends
 * as local activities; an invitation already running as the first keeps that type and its
 * task-queue activities through every later round.
 */
import { addMoscowMonths } from '../../src/domain/dates';
import { INVITATION_WORKFLOW_TYPE, type InvitationInput } from '../../src/temporal/shared';
import { completedSignal } from '../../workflows/invitation-signals';
import { activationAt, daysAgo, finished, historyRuns, invitationOf, makePerson, receivedAt, sleepUntil, useHarness, withoutEmail, type HistoryEvent } from './harness';

const DAY = 86_400_000;
const h = useHarness();

type Event = HistoryEvent;

async function runs(workflowId: string): Promise<{ type: string; events: Event[] }[]> {
  return (await historyRuns(h.env.client, workflowId)).map((events) => ({ type: events[0].workflowExecutionStartedEventAttributes!.workflowType!.name!, events }));
}

const activityTasks = (events: Event[]) => events.filter((e) => e.activityTaskScheduledEventAttributes).map((e) => e.activityTaskScheduledEventAttributes!.activityType!.name);
const localActivities = (events: Event[]) => events.filter((e) => e.markerRecordedEventAttributes?.markerName === 'core_local_activity').length;
const patchMarkers = (events: Event[]) => events.filter((e) => e.markerRecordedEventAttributes?.markerName === 'core_patch').length;

test('a new receipt runs the second generation: its writes and its e-mail as local activities, no patch markers', async () => {
  const citizen = makePerson('1971-07-07');
  await h.account(citizen);
  const worker = await h.worker();
  await worker.runUntil(async () => {
    const { id, workflowId } = await h.post({ service: { kind: 'one_time', date: await daysAgo(h.env, 0) }, recipient: withoutEmail(citizen) });
    await sleepUntil(h.env, (await activationAt(h, id)) + 60_000);
    expect(h.fake.delivered.map((m) => m.to[0])).toEqual([citizen.email]);
    await h.env.client.workflow.getHandle(workflowId).signal(completedSignal, { round: 1 });
    expect(await finished(h, workflowId)).toEqual({ status: 'closed', reason: 'completed', rounds: 1 });

    const [run] = await runs(workflowId);
    expect(run.type).toBe(INVITATION_WORKFLOW_TYPE);
    expect(activityTasks(run.events)).toEqual([]);
    expect(patchMarkers(run.events)).toBe(0);
    expect(localActivities(run.events)).toBe(4); // activate, open the round, send, close
    const inv = await invitationOf(h, id);
    expect(inv).toMatchObject({ status: 'closed', closeReason: 'completed' });
    expect(inv.notifications.map((n) => [n.status, n.attempts])).toEqual([['sent', 1]]);
    expect(inv.rounds[0].notifiedAt).not.toBeNull();
  });
});

test('an invitation started as the first generation keeps its type and its task-queue activities into the next round', async () => {
  const citizen = makePerson('1949-09-09');
  await h.account(citizen);
  const worker = await h.worker();
  await worker.runUntil(async () => {
    // Stored and started as before the second generation: the same input, the old type.
    const { id, workflowId } = await h.post({ service: { kind: 'long', start: await daysAgo(h.env, 0) }, recipient: withoutEmail(citizen) });
    const started = (await h.env.client.workflow.getHandle(workflowId).fetchHistory()).events![0].workflowExecutionStartedEventAttributes!;
    const input = h.env.client.options.loadedDataConverter.payloadConverter.fromPayload<InvitationInput>(started.input!.payloads![0]);
    await h.env.client.workflow.getHandle(workflowId).terminate('replaced by a first-generation start for the test');
    await h.env.client.workflow.start('invitationWorkflow', {
      workflowId, taskQueue: h.taskQueue, args: [input], workflowIdReusePolicy: 'ALLOW_DUPLICATE',
    });
    const t0 = await receivedAt(h, id);
    await sleepUntil(h.env, addMoscowMonths(t0, 6) + 3 * DAY);
    expect(h.fake.delivered).toHaveLength(2); // the first e-mail and the half-year reminder

    const current = await runs(workflowId); // the round, then the reminder's run (continue-as-new)
    expect(current.map((r) => r.type)).toEqual(['invitationWorkflow', 'invitationWorkflow']);
    expect(activityTasks(current[0].events)).toEqual(['activateInvitation', 'openRound', 'sendNotification']);
    expect(activityTasks(current[1].events)).toEqual(['openRound', 'sendNotification']);
    for (const run of current) {
      expect(localActivities(run.events)).toBe(0);
      expect(patchMarkers(run.events)).toBeGreaterThan(0);
    }
    const inv = await invitationOf(h, id);
    expect(inv.status).toBe('active');
    expect(inv.rounds.map((r) => r.notifiedAt !== null)).toEqual([true, true]);
  });
});
