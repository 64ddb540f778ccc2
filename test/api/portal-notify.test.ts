/**
 * The portal notification channel's activities against a real database and the fake portal
 * over real HTTP: which addressees get a portal notice (a portal account id, the channel on,
 * a workflow that asks for it), what the webhook carries (the portal's account id and the
 * citizen's own link, nothing else personal), how a send and each failure are recorded per
 * channel, and that a round counts as notified once whichever channel reached the citizen.
 */
import { ApplicationFailure } from '@temporalio/common';
import { createActivities } from '../../activities';
import { OutboxMailer } from '../../src/mail/outbox-mailer';
import { PortalNotifier } from '../../src/portal/notify';
import { startFakePortal, type FakePortal } from '../helpers/fake-portal';
import { makePerson, withoutEmail } from '../helpers/people';
import { createTestApp, type TestApp } from './app-helper';
import { receiptBody, representative } from './receipt-body';

const silent = { info() {}, warn() {} };
let t: TestApp;
let portal: FakePortal;
beforeAll(async () => {
  [t, portal] = await Promise.all([createTestApp(), startFakePortal()]);
}, 120_000);
afterAll(async () => {
  await Promise.allSettled([t?.close(), portal?.stop()]);
});
beforeEach(() => portal.reset());

function activities(on = true) {
  const notifier = on ? new PortalNotifier({ url: portal.url, secret: portal.secret }) : null;
  return createActivities({ db: t.tdb.db, mailer: new OutboxMailer(t.tdb.db, silent), portal: notifier, secrets: t.secrets, publicBaseUrl: 'https://feedback.example', log: silent });
}

let portalIds = 0;
/** A citizen with a confirmed account (with a portal account id unless `portal` is false). */
async function citizen(portalAccount = true) {
  const person = makePerson('1981-05-05');
  const portalAccountId = portalAccount ? `esia-${Date.now()}-${++portalIds}` : undefined;
  const res = await t.call(t.keys.admin, { method: 'POST', url: '/v1/accounts', payload: { accounts: [{ snils: person.snils, email: person.email, confirmed: true, portalAccountId }] } });
  expect(res.statusCode).toBeLessThan(300);
  return { person, portalAccountId };
}

/** A posted receipt, activated; returns its id. */
async function activated(body: Record<string, unknown>): Promise<string> {
  const res = await t.call(t.keys.integrator, { method: 'POST', url: '/v1/receipts', payload: receiptBody(body) });
  expect(res.statusCode).toBe(202);
  const receiptId = res.json().id as string;
  await activities().activateInvitation({ receiptId, closesAt: '2027-01-05T09:00:00.000Z' });
  return receiptId;
}

const round = (receiptId: string) => t.tdb.db.invitationRound.findFirstOrThrow({ where: { invitation: { receiptId }, round: 1 } });
const row = (id: string) => t.tdb.db.notification.findUniqueOrThrow({ where: { id } });

test('a round opened for the portal: an e-mail and a portal notice per addressee with a portal account id only', async () => {
  const mother = await citizen(true);
  const father = await citizen(false);
  const receiptId = await activated({ recipient: withoutEmail(makePerson('2015-03-03')), representatives: [withoutEmail(mother.person), withoutEmail(father.person)] });
  const opened = await activities().openRound({ receiptId, round: 1, portal: true });
  expect(opened.notificationIds).toHaveLength(2);
  expect(opened.portalNotificationIds).toHaveLength(1);
  const [notice] = await Promise.all(opened.portalNotificationIds!.map(row));
  expect(notice.channel).toBe('portal');
  const link = await t.tdb.db.invitationLink.findUniqueOrThrow({ where: { id: notice.linkId }, include: { account: true } });
  expect(link.account.portalAccountId).toBe(mother.portalAccountId);
  // Opened again (a retried activity): the same rows, nothing added.
  expect(await activities().openRound({ receiptId, round: 1, portal: true })).toEqual(opened);
  expect(await t.tdb.db.notification.count({ where: { invitationRound: { invitation: { receiptId } } } })).toBe(3);
}, 60_000);

test('no portal notice while the channel is off, or for a workflow that does not ask (started before the channel)', async () => {
  const { person } = await citizen(true);
  const off = await activated({ recipient: withoutEmail(person) });
  expect(await activities(false).openRound({ receiptId: off, round: 1, portal: true })).toEqual({ notificationIds: [expect.any(String)], portalNotificationIds: [] });
  const other = await citizen(true);
  const old = await activated({ recipient: withoutEmail(other.person) });
  expect(await activities().openRound({ receiptId: old, round: 1 })).toEqual({ notificationIds: [expect.any(String)] });
  expect(await t.tdb.db.notification.count({ where: { invitationRound: { invitation: { receiptId: { in: [off, old] } } }, channel: 'portal' } })).toBe(0);
}, 60_000);

test('a portal notice is a signed webhook naming the citizen by the portal\'s id alone; sent, it marks the round notified once', async () => {
  const { person, portalAccountId } = await citizen(true);
  const receiptId = await activated({ recipient: withoutEmail(person) });
  const { notificationIds: [emailId], portalNotificationIds } = await activities().openRound({ receiptId, round: 1, portal: true });
  const portalId = portalNotificationIds![0];

  expect(await activities().sendPortalNotification({ notificationId: portalId })).toEqual({ status: 'sent' });
  const link = await t.tdb.db.invitationLink.findFirstOrThrow({ where: { invitation: { receiptId } } });
  expect(portal.shown).toEqual([{
    idempotencyKey: `notification-${portalId}`,
    body: {
      type: 'questionnaire.invitation',
      notificationId: portalId,
      portalAccountId,
      organization: { code: '1024200000001', name: expect.any(String), type: 'healthcare', typeName: expect.any(String) },
      round: 1,
      reminder: false,
      until: '2027-01-05T09:00:00.000Z',
      url: `https://feedback.example/q/${t.secrets.token(link.tokenNonce)}`,
    },
  }]);
  expect(portal.requests[0].verified).toBe(true);
  const raw = portal.requests[0].raw;
  for (const personal of [person.snils, person.snils.replace(/\D/g, ''), person.email, person.lastName, person.birthDate]) expect(raw).not.toContain(personal);

  const sent = await row(portalId);
  expect(sent).toMatchObject({ status: 'sent', attempts: 1, lastError: null });
  const { notifiedAt } = await round(receiptId);
  expect(notifiedAt).toEqual(sent.sentAt);

  // The e-mail goes too; the round stays notified once, at the first channel's instant.
  expect(await activities().sendNotification({ notificationId: emailId })).toEqual({ status: 'sent' });
  expect((await round(receiptId)).notifiedAt).toEqual(notifiedAt);
  // A replayed or retried send after success posts nothing.
  expect(await activities().sendPortalNotification({ notificationId: portalId })).toEqual({ status: 'sent' });
  expect(portal.requests).toHaveLength(1);
}, 60_000);

test('failures: transient ones keep the Idempotency-Key and the portal\'s Retry-After, a refusal is final, the error is recorded without the reply', async () => {
  const { person } = await citizen(true);
  const receiptId = await activated({ recipient: withoutEmail(person) });
  const { portalNotificationIds } = await activities().openRound({ receiptId, round: 1, portal: true });
  const id = portalNotificationIds![0];

  portal.failNext(1, 503, 30);
  const transient = (await activities().sendPortalNotification({ notificationId: id }).catch((e: unknown) => e)) as ApplicationFailure;
  expect(transient).toBeInstanceOf(ApplicationFailure);
  expect(transient).toMatchObject({ type: 'TransientPortalError', nonRetryable: false, nextRetryDelay: 30_000 });
  expect(await row(id)).toMatchObject({ status: 'pending', attempts: 1, lastError: 'TransientPortalError: Portal error (HTTP 503)' });
  expect((await round(receiptId)).notifiedAt).toBeNull();

  portal.failNext(1, 422);
  const permanent = (await activities().sendPortalNotification({ notificationId: id }).catch((e: unknown) => e)) as ApplicationFailure;
  expect(permanent).toMatchObject({ type: 'PermanentPortalError', nonRetryable: true });
  expect(portal.requests.map((r) => r.idempotencyKey)).toEqual([`notification-${id}`, `notification-${id}`]);

  // What the workflow does once it gives up: recorded failed, per channel.
  await activities().recordNotificationFailed({ notificationId: id, error: 'PermanentPortalError: Portal error (HTTP 422)' });
  expect(await row(id)).toMatchObject({ status: 'failed', channel: 'portal', attempts: 2, failedAt: expect.any(Date) });
  expect((await round(receiptId)).notifiedAt).toBeNull();
}, 60_000);

test('skipped, not sent: an unsubscribed link, a withdrawn receipt, the channel turned off, the account\'s portal id removed', async () => {
  const cases: ((receiptId: string) => Promise<unknown>)[] = [
    (receiptId) => t.tdb.db.invitationLink.updateMany({ where: { invitation: { receiptId } }, data: { unsubscribedAt: new Date() } }),
    (receiptId) => t.tdb.db.receipt.update({ where: { id: receiptId }, data: { status: 'cancelled' } }),
    async () => undefined,
    (receiptId) => t.tdb.db.account.updateMany({ where: { links: { some: { invitation: { receiptId } } } }, data: { portalAccountId: null } }),
  ];
  for (const [i, change] of cases.entries()) {
    const { person } = await citizen(true);
    const receiptId = await activated({ recipient: withoutEmail(person) });
    const id = (await activities().openRound({ receiptId, round: 1, portal: true })).portalNotificationIds![0];
    await change(receiptId);
    expect(await activities(i !== 2).sendPortalNotification({ notificationId: id })).toEqual({ status: 'skipped' });
    expect((await row(id)).status).toBe('skipped');
  }
  expect(portal.requests).toHaveLength(0);
}, 60_000);

test('a minor\'s representative is the one the portal is told about', async () => {
  const mother = await citizen(true);
  const receiptId = await activated({ recipient: withoutEmail(makePerson('2016-01-01')), representatives: [withoutEmail(mother.person), representative()] });
  const id = (await activities().openRound({ receiptId, round: 1, portal: true })).portalNotificationIds![0];
  await activities().sendPortalNotification({ notificationId: id });
  expect(portal.shown.map((s) => s.body.portalAccountId)).toEqual([mother.portalAccountId]);
}, 60_000);
