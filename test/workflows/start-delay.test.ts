/**
 * A new receipt's workflow start carries the activation delay (`startDelay`): the server
 * holds the workflow, no worker runs it until the activation instant, and it activates
 * then without sleeping the delay a second time. Cancel, end of service and the
 * reconciler work during the delay.
 */
import './quiet-worker-logs';
import { randomUUID } from 'node:crypto';
import { temporal } from '@temporalio/proto';
import { moscowDate } from '../../src/domain/dates';
import { REGULATION_POLICY } from '../../src/domain/policy';
import { startReconciler } from '../../src/reconciler';
import { ReceiptService } from '../../src/services/receipts';
import { InvitationGateway, type ReceiptForWorkflow } from '../../src/temporal/invitations';
import { cancelSignal, serviceEndedSignal } from '../../workflows/invitation-signals';
import { daysAgo, finished, integrator, invitationOf, makePerson, receivedAt, sleepUntil, withoutEmail, useHarness, silentLog, activationAt } from './harness';

const DAY = 86_400_000;
const MINUTE = 60_000;
const h = useHarness();

/** Whether the server still holds the workflow: only its start event, no task for a worker yet. */
async function held(workflowId: string): Promise<boolean> {
  const d = await h.env.client.workflow.getHandle(workflowId).describe();
  return d.status.name === 'RUNNING' && d.historyLength === 1;
}

async function postCitizen(kind: 'one_time' | 'long' = 'one_time') {
  const citizen = makePerson('1982-02-02');
  await h.account(citizen);
  const service = kind === 'one_time' ? { kind, date: await daysAgo(h.env, 0) } : { kind, start: await daysAgo(h.env, 5) };
  const posted = await h.post({ service, recipient: withoutEmail(citizen) });
  return { ...posted, citizen, t0: await receivedAt(h, posted.id), act: await activationAt(h, posted.id), handle: h.env.client.workflow.getHandle(posted.workflowId) };
}

/** The workflow's history event types, in order. */
async function eventTypes(workflowId: string): Promise<string[]> {
  const history = await h.env.client.workflow.getHandle(workflowId).fetchHistory();
  return (history.events ?? []).map((e) => temporal.api.enums.v1.EventType[e.eventType ?? 0]);
}

test('a new receipt costs one start: no worker work until activation, then no second wait', async () => {
  const worker = await h.worker();
  await worker.runUntil(async () => {
    const { id, workflowId, act } = await postCitizen();
    const description = await h.env.client.workflow.getHandle(workflowId).describe();
    // Held until the activation instant (counted from the API's clock, so a moment after it on the server's).
    expect(description.executionTime!.getTime() - (act)).toBeGreaterThanOrEqual(0);
    expect(description.executionTime!.getTime() - (act)).toBeLessThan(MINUTE);
    await sleepUntil(h.env, act - MINUTE);
    expect(await held(workflowId)).toBe(true);
    expect(await h.state(id)).toMatchObject({ stage: 'awaiting_activation', nextAction: 'activate', nextDeadline: new Date(act).toISOString() });

    await sleepUntil(h.env, act + MINUTE);
    const inv = await invitationOf(h, id);
    expect(inv.status).toBe('active');
    expect(inv.activatedAt!.getTime() - (act)).toBeLessThan(MINUTE);
    expect(h.fake.delivered).toHaveLength(1);
    // The first task activates at once: no timer before the activation activity (a local
    // activity's marker, or a task-queue activity).
    const types = await eventTypes(workflowId);
    const firstActivity = types.findIndex((t) => t === 'EVENT_TYPE_ACTIVITY_TASK_SCHEDULED' || t === 'EVENT_TYPE_MARKER_RECORDED');
    expect(firstActivity).toBeGreaterThan(0);
    expect(types.slice(0, firstActivity)).not.toContain('EVENT_TYPE_TIMER_STARTED');
  });
});

test('cancelled during the delay: the signal starts the workflow, which closes as withdrawn', async () => {
  const worker = await h.worker();
  await worker.runUntil(async () => {
    const { id, workflowId, handle, act } = await postCitizen();
    await h.env.sleep(6 * 60 * MINUTE);
    expect(await held(workflowId)).toBe(true);
    await h.tdb.db.receipt.update({ where: { id }, data: { status: 'cancelled', cancelledAt: new Date(await h.env.currentTimeMs()) } });
    await handle.signal(cancelSignal);
    expect(await finished(h, workflowId)).toMatchObject({ status: 'withdrawn', reason: 'withdrawn' });
    const inv = await invitationOf(h, id);
    expect(inv).toMatchObject({ status: 'closed', closeReason: 'withdrawn', activatedAt: null });
    expect(inv.closedAt!.getTime()).toBeLessThan(act);
    expect(inv.links).toHaveLength(0);
    await h.env.sleep(5 * DAY);
    expect(h.fake.requests).toHaveLength(0);
  });
});

test('an end of service reported during the delay: the workflow starts, still activates at its instant', async () => {
  const worker = await h.worker();
  await worker.runUntil(async () => {
    const { id, workflowId, t0, handle, act } = await postCitizen('long');
    await h.env.sleep(60 * MINUTE);
    expect(await held(workflowId)).toBe(true);
    const end = moscowDate(t0 + 60 * DAY);
    await handle.signal(serviceEndedSignal, { end });
    await h.env.sleep(MINUTE);
    // Now run by a worker: it answers the query itself and waits for the activation instant.
    expect(await held(workflowId)).toBe(false);
    expect(await h.state(id)).toMatchObject({ stage: 'awaiting_activation', serviceEnd: end, nextDeadline: new Date(act).toISOString() });
    expect((await invitationOf(h, id)).status).toBe('pending');
    await sleepUntil(h.env, act + MINUTE);
    const inv = await invitationOf(h, id);
    expect(inv.status).toBe('active');
    expect(inv.activatedAt!.getTime()).toBeGreaterThanOrEqual(act);
    expect(h.fake.delivered).toHaveLength(1);
  });
});

class TemporalDown extends InvitationGateway {
  override async start(_receipt: ReceiptForWorkflow): Promise<string> {
    throw new Error('14 UNAVAILABLE: connection refused');
  }
}

/** Stores a receipt while Temporal is unreachable, then lets the reconciler start it `after` ms later. */
async function storedThenReconciled(after: number) {
  const citizen = makePerson('1975-05-05');
  await h.account(citizen);
  const serverNow = async () => new Date(await h.env.currentTimeMs());
  const postedAt = await serverNow();
  const down = new ReceiptService({
    db: h.tdb.db, secrets: h.secrets, log: silentLog, now: () => postedAt,
    invitations: new TemporalDown(h.env.client, h.taskQueue, REGULATION_POLICY, false),
  });
  const outcome = await down.ingest(integrator, {
    externalId: randomUUID(), organization: h.orgCode, service: { kind: 'one_time', date: await daysAgo(h.env, 0) }, recipient: withoutEmail(citizen),
  });
  if (outcome.kind !== 'accepted') throw new Error(outcome.kind);
  const id = outcome.receipt.id;
  const t0 = await receivedAt(h, id);
  await h.env.sleep(after);
  const tickAt = await serverNow();
  const gateway = new InvitationGateway(h.env.client, h.taskQueue, REGULATION_POLICY, false, () => tickAt);
  const up = new ReceiptService({ db: h.tdb.db, secrets: h.secrets, invitations: gateway, log: silentLog, now: () => tickAt });
  // Server time runs ahead of the real clock here: a negative grace makes every stored receipt due.
  const reconciler = startReconciler({ db: h.tdb.db, receipts: up, invitations: gateway, intervalMs: 3_600_000, graceMs: -365 * DAY, log: silentLog });
  try {
    expect(await reconciler.tick()).toBeGreaterThanOrEqual(1);
  } finally {
    await reconciler.stop();
  }
  return { id, t0, act: await activationAt(h, id), workflowId: `receipt-${id}` };
}

test('the reconciler starts a stored receipt during the delay: held for the rest of it only', async () => {
  const worker = await h.worker();
  await worker.runUntil(async () => {
    const { id, workflowId, act } = await storedThenReconciled(6 * 60 * MINUTE);
    expect(await held(workflowId)).toBe(true);
    const heldUntil = (await h.env.client.workflow.getHandle(workflowId).describe()).executionTime!.getTime();
    expect(heldUntil - (act)).toBeGreaterThanOrEqual(0);
    expect(heldUntil - (act)).toBeLessThan(MINUTE);
    await sleepUntil(h.env, act + MINUTE);
    const inv = await invitationOf(h, id);
    expect(inv.status).toBe('active');
    expect(inv.activatedAt!.getTime() - (act)).toBeLessThan(MINUTE);
    expect(h.fake.delivered).toHaveLength(1);
  });
});

test('the reconciler starts a stored receipt after its activation instant: it activates at once', async () => {
  const worker = await h.worker();
  await worker.runUntil(async () => {
    const { id, t0, workflowId } = await storedThenReconciled(2 * DAY);
    await h.env.sleep(MINUTE);
    expect(await held(workflowId)).toBe(false);
    const inv = await invitationOf(h, id);
    expect(inv.status).toBe('active');
    expect(inv.activatedAt!.getTime() - (t0 + 2 * DAY)).toBeLessThan(2 * MINUTE);
    expect(h.fake.delivered).toHaveLength(1);
  });
});
