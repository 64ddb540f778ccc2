/**
 * Bounded retries, bounded histories: an answered one-time round stops other addressees'
 * e-mail retries at once; a row that does not exist
 * fails the activity without retrying; a long service with hundreds of signals over many
 * rounds keeps every run's history small (continue-as-new within a round).
 */
import { ApplicationFailure, WorkflowFailedError } from '@temporalio/client';
import { addMoscowMonths } from '../../src/domain/dates';
import { completedSignal, serviceEndedSignal } from '../../workflows/invitation-signals';
import { MAX_RUN_EVENTS } from '../../workflows/invitation';
import { daysAgo, eventually, finished, historyRuns, invitationOf, makePerson, moscowDaysAgo, receivedAt, sleepUntil, withoutEmail, useHarness, activationAt } from './harness';

const DAY = 86_400_000;
const h = useHarness();

test('a one-time round answered while another representative\'s e-mail retries closes at once and stops the retries', async () => {
  const child = makePerson('2014-01-01');
  const [mother, father] = [makePerson('1985-01-01'), makePerson('1984-01-01')];
  await h.account(mother);
  await h.account(father);
  h.fake.failTo(father.email, 429);
  const worker = await h.worker();
  await worker.runUntil(async () => {
    const { id, workflowId } = await h.post({
      service: { kind: 'one_time', date: await daysAgo(h.env, 0) },
      recipient: withoutEmail(child),
      representatives: [withoutEmail(mother), withoutEmail(father)],
    });
    const t0 = await receivedAt(h, id);
    const act = await activationAt(h, id);
    await sleepUntil(h.env, act + 3_600_000);
    expect(h.fake.delivered.map((m) => m.to[0])).toEqual([mother.email]);
    const attemptsBefore = h.fake.requests.length;
    expect(attemptsBefore).toBeGreaterThan(1);

    await h.env.client.workflow.getHandle(workflowId).signal(completedSignal, { round: 1 });
    expect(await finished(h, workflowId)).toEqual({ status: 'closed', reason: 'completed', rounds: 1 });
    const inv = await invitationOf(h, id);
    expect(inv.closedAt!.getTime() - t0).toBeLessThan(2 * DAY); // not at the 4-day deadline
    expect(inv.notifications.map((n) => n.status).sort()).toEqual(['sent', 'skipped']);
    // No retry after the close, however far the clock goes.
    await sleepUntil(h.env, t0 + 5 * DAY);
    expect(h.fake.requests.length).toBe(attemptsBefore);
  });
});

test('a receipt row that vanished fails the activation at once instead of retrying for a day', async () => {
  const person = makePerson('1975-03-03');
  await h.account(person);
  const worker = await h.worker();
  await worker.runUntil(async () => {
    const { id, workflowId } = await h.post({ service: { kind: 'one_time', date: await daysAgo(h.env, 0) }, recipient: withoutEmail(person) });
    const act = await activationAt(h, id);
    await h.tdb.db.receipt.delete({ where: { id } });
    await sleepUntil(h.env, act + 60_000);
    const handle = h.env.client.workflow.getHandle(workflowId);
    await eventually(async () => (await handle.describe()).status.name === 'FAILED');
    const err = await handle.result().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowFailedError);
    // The activation's own failure, whether the activity ran on the task queue (wrapped in an
    // ActivityFailure) or locally.
    let failure: unknown = (err as WorkflowFailedError).cause;
    while (failure && !(failure instanceof ApplicationFailure)) failure = (failure as Error).cause;
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect((failure as ApplicationFailure).type).toBe('RowMissing');
    // Failed at once: a retried activation would have kept it running for up to a day.
    const { closeTime } = await handle.describe();
    expect(closeTime!.getTime() - act).toBeLessThan(60_000);
  });
});

/**
 * One call to the test server, with a deadline and two more tries: under a loaded CI a call
 * can stall on a connection the server reset (its "excess pings"), and these signals and
 * queries may be repeated (the workflow takes repeated signals, which is what this test sends).
 */
async function patiently<T>(call: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await h.env.client.withDeadline(Date.now() + 15_000, call);
    } catch (err) {
      if (attempt >= 3) throw err;
    }
  }
}

test('hundreds of signals over many half-year rounds: every run stays small, and the service still ends on time', async () => {
  const person = makePerson('1950-04-04');
  await h.account(person);
  const worker = await h.worker();
  await worker.runUntil(async () => {
    const { id, workflowId } = await h.post({
      service: { kind: 'long', start: await moscowDaysAgo(h.env, 0), end: null },
      recipient: withoutEmail(person),
    });
    const t0 = await receivedAt(h, id);
    const handle = h.env.client.workflow.getHandle(workflowId);
    /** The latest run has no workflow task waiting: every signal so far has been handled. */
    const workerCaughtUp = async (): Promise<boolean> => {
      const events = (await patiently(() => handle.fetchHistory())).events!;
      const last = events.at(-1)!;
      return !(last.workflowExecutionSignaledEventAttributes || last.workflowTaskScheduledEventAttributes || last.workflowTaskStartedEventAttributes);
    };
    for (const [round, signals] of [[1, 600], [2, 100]]) {
      await sleepUntil(h.env, addMoscowMonths(t0, (round - 1) * 6) + 2 * DAY);
      // A chatty integrator and a reconciler re-sending, in bursts of 25; the worker catches
      // up between bursts, as it would between real signals hours apart. (A query does not
      // wait for that: a loaded worker answers it from its cached state while the burst's
      // task is still queued, and then the clock jump to the next round overtakes the burst.)
      for (let i = 0; i < signals; i++) {
        await patiently(() => (i % 2 ? handle.signal(completedSignal, { round }) : handle.signal(serviceEndedSignal, { end: '2099-12-31' })));
        if (i % 25 === 24 || i === signals - 1) await eventually(workerCaughtUp, 60_000);
      }
    }
    await handle.signal(serviceEndedSignal, { end: await moscowDaysAgo(h.env, 1) }); // ended yesterday: closes at once
    expect(await finished(h, workflowId)).toEqual({ status: 'closed', reason: 'service_ended', rounds: 2 });
    expect(h.fake.delivered).toHaveLength(2); // one e-mail per round, none from the extra runs

    // Every run of the chain, from the first, following each continue-as-new.
    const runs = (await historyRuns(h.env.client, workflowId)).map((events) => events.length);
    expect(runs.length).toBeGreaterThan(2); // the rounds, plus runs continued within a round
    // A run continues as new at the first workflow task past the mark: at most one burst later.
    for (const length of runs) expect(length).toBeLessThanOrEqual(MAX_RUN_EVENTS + 60);
    expect((await invitationOf(h, id)).closeReason).toBe('service_ended');
  });
}, 300_000);
