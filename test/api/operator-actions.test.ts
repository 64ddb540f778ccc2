/**
 * Operator actions leave nothing open, and re-sent signals are bounded:
 * - a link whose workflow was terminated (or is missing) never takes an answer: the API
 *   closes it on the spot (410) and the reconciler's sweep closes it when it is overdue;
 * - a link past its closing instant takes no answer even if its workflow is late;
 * - the reconciler re-sends a lost completion signal with a back-off shared by every
 *   process through the database, so a workflow's history does not fill with re-sends.
 */
import { startReconciler } from '../../src/reconciler';
import { ReceiptService } from '../../src/services/receipts';
import { InvitationGateway } from '../../src/temporal/invitations';
import { REGULATION_POLICY } from '../../src/domain/policy';
import { createTestApp, type TestApp } from './app-helper';
import { GOOD_ANSWERS, openLink } from './citizen-helper';

const silent = { info() {}, warn() {}, error() {} };
let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => t?.close());

const answer = (token: string) => t.call(null, { method: 'POST', url: `/v1/questionnaires/${token}/responses`, payload: { answers: GOOD_ANSWERS } });
const invitation = (receiptId: string) => t.tdb.db.invitation.findUniqueOrThrow({ where: { receiptId } });

function reconciler(graceMs: number) {
  const invitations = new InvitationGateway(t.env.client, 'api-tests', REGULATION_POLICY, false);
  const receipts = new ReceiptService({ db: t.tdb.db, secrets: t.secrets, invitations, log: silent });
  return startReconciler({ db: t.tdb.db, receipts, invitations, intervalMs: 3_600_000, graceMs, log: silent });
}

test('a terminated workflow\'s link answers 410, is closed as workflow_closed, and stores nothing', async () => {
  const { token, receiptId, workflowId, invitationId } = await openLink(t);
  await t.env.client.workflow.getHandle(workflowId).terminate('operator: poisoned workflow');
  const page = await t.call(null, { method: 'GET', url: `/v1/questionnaires/${token}` });
  expect(page.json().status).toBe('closed');
  expect((await answer(token)).statusCode).toBe(410);
  expect(await invitation(receiptId)).toMatchObject({ status: 'closed', closeReason: 'workflow_closed' });
  expect(await t.tdb.db.response.count({ where: { invitationId } })).toBe(0);
});

test('a link past its closing instant takes no answer, even while its workflow is late to close it', async () => {
  const { token, receiptId, invitationId } = await openLink(t);
  await t.tdb.db.invitation.update({ where: { receiptId }, data: { closesAt: new Date(Date.now() - 1_000) } });
  expect((await answer(token)).statusCode).toBe(410);
  expect(await t.tdb.db.response.count({ where: { invitationId } })).toBe(0);
});

test('the sweep closes an overdue link whose workflow is gone, and leaves one whose workflow runs', async () => {
  const gone = await openLink(t);
  const late = await openLink(t);
  for (const r of [gone, late]) await t.tdb.db.invitation.update({ where: { receiptId: r.receiptId }, data: { closesAt: new Date(Date.now() - 60_000) } });
  await t.env.client.workflow.getHandle(gone.workflowId).terminate('operator');
  const r = reconciler(0);
  try {
    await r.tick();
  } finally {
    await r.stop();
  }
  expect(await invitation(gone.receiptId)).toMatchObject({ status: 'closed', closeReason: 'workflow_closed' });
  expect((await invitation(late.receiptId)).status).toBe('active');
});

test('a lost completion is re-sent with a back-off shared by every process', async () => {
  const { receiptId, workflowId, invitationId } = await openLink(t);
  await t.tdb.db.invitationRound.update({
    where: { invitationId_round: { invitationId, round: 1 } },
    data: { completedAt: new Date(Date.now() - 60_000) },
  });
  const signalsSent = async () => {
    const history = await t.env.client.workflow.getHandle(workflowId).fetchHistory();
    return history.events!.filter((e) => e.workflowExecutionSignaledEventAttributes?.signalName === 'completed').length;
  };
  // Three processes; grace 10 s, so the waits between re-sends are 20 s, 40 s, … (the time
  // since the last re-send is set in the database, so a slow machine cannot blur it).
  const processes = [reconciler(10_000), reconciler(10_000), reconciler(10_000)];
  const round = { invitationId_round: { invitationId, round: 1 } };
  const lastResentAgo = (ms: number) => t.tdb.db.invitationRound.update({ where: round, data: { resignaledAt: new Date(Date.now() - ms) } });
  const passes = async () => {
    for (let i = 0; i < 3; i++) await Promise.all(processes.map((p) => p.tick()));
  };
  try {
    await passes();
    expect(await signalsSent()).toBe(1);
    await lastResentAgo(15_000);
    await passes();
    expect(await signalsSent()).toBe(1); // 15 s < 20 s
    await lastResentAgo(25_000);
    await passes();
    expect(await signalsSent()).toBe(2);
    await lastResentAgo(30_000);
    await passes();
    expect(await signalsSent()).toBe(2); // 30 s < 40 s: the wait doubled
  } finally {
    await Promise.all(processes.map((p) => p.stop()));
  }
  expect(await t.tdb.db.invitationRound.findUniqueOrThrow({ where: round })).toMatchObject({ resignalCount: 2 });
  expect((await invitation(receiptId)).status).toBe('active');
});
