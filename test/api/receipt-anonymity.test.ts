/**
 * Over HTTP, on real Postgres: an integrator's view of its receipt (GET /v1/receipts/:id,
 * the duplicate post, cancel) is the same before and after its citizen answers, while the
 * database does record the answer and the closed link (DESIGN §6, anonymity; docs/receipts.md).
 */
import { createActivities } from '../../activities';
import { OutboxMailer } from '../../src/mail/outbox-mailer';
import { createTestApp, type TestApp } from './app-helper';
import { GOOD_ANSWERS, openLink } from './citizen-helper';
import { receiptBody } from './receipt-body';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => t?.close());

/** What the workflow's closeInvitation activity stores when the answer's signal arrives. */
const closedByTheAnswer = (receiptId: string) =>
  t.tdb.db.invitation.update({ where: { receiptId }, data: { status: 'closed', closeReason: 'completed', closedAt: new Date() } });

const view = async (id: string) => {
  const res = await t.call(t.keys.integrator, { method: 'GET', url: `/v1/receipts/${id}` });
  expect(res.statusCode).toBe(200);
  return res.json();
};

test('the answer changes nothing an integrator can read: not the status, not an instant, not a reason', async () => {
  const link = await openLink(t);
  // The e-mail goes out (the outbox), as the workflow's activity sends it.
  const silent = { info() {}, warn() {} };
  const activities = createActivities({ db: t.tdb.db, mailer: new OutboxMailer(t.tdb.db, silent), secrets: t.secrets, publicBaseUrl: 'http://x', log: silent });
  const notification = await t.tdb.db.notification.findFirstOrThrow({ where: { invitationId: link.invitationId } });
  await activities.sendNotification({ notificationId: notification.id });
  const before = await view(link.receiptId);
  expect(before.invitation).toMatchObject({ status: 'active', closeReason: null, closedAt: null });
  expect(before.invitation.notifiedAt).not.toBeNull();

  expect((await t.call(null, { method: 'POST', url: `/v1/questionnaires/${link.token}/responses`, payload: { answers: GOOD_ANSWERS } })).statusCode).toBe(201);
  // The workflow, signalled, closes the one-time link (no worker runs here: its activity does it).
  await activities.closeInvitation({ receiptId: link.receiptId, reason: 'completed' });
  // The database records the answer and the closed link…
  const stored = await t.tdb.db.invitation.findUniqueOrThrow({ where: { receiptId: link.receiptId }, include: { rounds: true } });
  expect([stored.status, stored.closeReason, stored.rounds[0].completedAt === null]).toEqual(['closed', 'completed', false]);
  // …and the integrator's view is what it was.
  const after = await view(link.receiptId);
  expect(after).toEqual(before);
  expect(JSON.stringify(after)).not.toContain(stored.closedAt!.toISOString());
});

test('an answered link and an unanswered one look the same once their scheduled close has passed', async () => {
  const [answered, silent] = [await openLink(t), await openLink(t)];
  expect((await t.call(null, { method: 'POST', url: `/v1/questionnaires/${answered.token}/responses`, payload: { answers: GOOD_ANSWERS } })).statusCode).toBe(201);
  await closedByTheAnswer(answered.receiptId);
  // Both were scheduled to close a second ago; the unanswered one's timer has not fired yet.
  const closesAt = new Date(Date.now() - 1000);
  await t.tdb.db.invitation.updateMany({ where: { receiptId: { in: [answered.receiptId, silent.receiptId] } }, data: { closesAt } });
  const [a, s] = [await view(answered.receiptId), await view(silent.receiptId)];
  expect(a.invitation).toMatchObject({ status: 'closed', closeReason: 'expired', closedAt: closesAt.toISOString() });
  const strip = (v: { id: string; externalId: string; workflowId: string; receivedAt: string; invitation: Record<string, unknown> }) =>
    ({ ...v.invitation, activatedAt: null, notifiedAt: null });
  expect(strip(a)).toEqual(strip(s));
  // Then the timer fires for the unanswered one, a little late: still the same view.
  await t.tdb.db.invitation.update({ where: { receiptId: silent.receiptId }, data: { status: 'closed', closeReason: 'expired', closedAt: new Date() } });
  expect(strip(await view(silent.receiptId))).toEqual(strip(a));
});

test('cancelling an answered receipt shows it withdrawn at the cancellation, as an unanswered one', async () => {
  const [answered, silent] = [await openLink(t), await openLink(t)];
  expect((await t.call(null, { method: 'POST', url: `/v1/questionnaires/${answered.token}/responses`, payload: { answers: GOOD_ANSWERS } })).statusCode).toBe(201);
  await closedByTheAnswer(answered.receiptId);
  for (const l of [answered, silent]) {
    const res = await t.call(t.keys.integrator, { method: 'POST', url: `/v1/receipts/${l.receiptId}/cancel` });
    expect(res.statusCode).toBe(200);
    const receipt = await t.tdb.db.receipt.findUniqueOrThrow({ where: { id: l.receiptId } });
    expect(res.json().invitation).toMatchObject({ status: 'closed', closeReason: 'withdrawn', closedAt: receipt.cancelledAt!.toISOString() });
  }
});

test('posting the same receipt again returns the same view, with nothing of the answer', async () => {
  const body = receiptBody({ externalId: 'MIS-42-anonymity-dup' });
  const first = await t.call(t.keys.integrator, { method: 'POST', url: '/v1/receipts', payload: body });
  expect(first.statusCode).toBe(202);
  // Bring it to an answered, closed link straight in the database.
  const state = { status: 'closed', round: 1, activatedAt: new Date(Date.now() - 3600_000), closesAt: new Date(Date.now() + 86_400_000), closedAt: new Date(), closeReason: 'completed' } as const;
  const invitation = await t.tdb.db.invitation.upsert({ where: { receiptId: first.json().id }, create: { receiptId: first.json().id, ...state }, update: state });
  const again = await t.call(t.keys.integrator, { method: 'POST', url: '/v1/receipts', payload: body });
  expect(again.statusCode).toBe(200);
  expect(again.json().invitation).toMatchObject({ status: 'active', closedAt: null, closeReason: null });
  expect(again.json().invitation).not.toHaveProperty('completedAt');
  expect(JSON.stringify(again.json())).not.toContain(invitation.closedAt!.toISOString());
});
