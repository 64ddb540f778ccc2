/**
 * List-Unsubscribe (RFC 2369) with one-click unsubscribing (RFC 8058): the invitation
 * e-mail, sent by the real activity through the real Resend SDK to the fake Resend, names
 * the `/u/…` link in its header fields, and the mail client's POST of
 * `List-Unsubscribe=One-Click` to that link unsubscribes like the confirmation form.
 */
import { createActivities } from '../../activities';
import { ResendMailer } from '../../src/mail/resend-mailer';
import { type FakeResend, startFakeResend } from '../helpers/fake-resend';
import { makePerson, withoutEmail } from '../helpers/people';
import { createTestApp, type TestApp } from './app-helper';
import { receiptBody } from './receipt-body';

const BASE_URL = 'https://feedback.example';
const silent = { info() {}, warn() {} };

let t: TestApp;
let fake: FakeResend;
const previousBaseUrl = process.env.RESEND_BASE_URL;
beforeAll(async () => {
  [t, fake] = await Promise.all([createTestApp(), startFakeResend()]);
  process.env.RESEND_BASE_URL = fake.url; // read by the SDK when the client is built
});
afterAll(async () => {
  await Promise.allSettled([t?.close(), fake?.stop()]);
  if (previousBaseUrl === undefined) delete process.env.RESEND_BASE_URL;
  else process.env.RESEND_BASE_URL = previousBaseUrl;
});

/** Posts a receipt and runs the activities up to the e-mail; returns the token and the invitation. */
async function sendInvitation(): Promise<{ token: string; invitationId: string }> {
  const citizen = makePerson('1979-03-03');
  await t.call(t.keys.admin, { method: 'POST', url: '/v1/accounts', payload: { accounts: [{ snils: citizen.snils, email: citizen.email, confirmed: true }] } });
  const res = await t.call(t.keys.integrator, { method: 'POST', url: '/v1/receipts', payload: receiptBody({ recipient: withoutEmail(citizen) }) });
  expect(res.statusCode).toBe(202);
  const receiptId = (res.json() as { id: string }).id;
  const mailer = new ResendMailer('re_test_key', 'Оценка услуг <feedback@example.test>');
  const activities = createActivities({ db: t.tdb.db, mailer, secrets: t.secrets, publicBaseUrl: BASE_URL, log: silent });
  await activities.activateInvitation({ receiptId, closesAt: null });
  const { notificationIds } = await activities.openRound({ receiptId, round: 1 });
  expect(await activities.sendNotification({ notificationId: notificationIds[0] })).toEqual({ status: 'sent' });
  const link = await t.tdb.db.invitationLink.findFirstOrThrow({ where: { invitation: { receiptId } } });
  return { token: t.secrets.token(link.tokenNonce), invitationId: link.invitationId };
}

test('the e-mail carries List-Unsubscribe and List-Unsubscribe-Post; the one-click POST unsubscribes', async () => {
  const { token, invitationId } = await sendInvitation();
  expect(fake.requests).toHaveLength(1);
  const body = fake.requests[0].body as { headers?: Record<string, string>; text: string };
  expect(body.headers).toEqual({
    'List-Unsubscribe': `<${BASE_URL}/u/${token}>`,
    'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
  });
  expect(body.text).toContain(`${BASE_URL}/u/${token}`);

  // What a mail client does with those header fields (RFC 8058 §3.2): no cookies, no confirmation.
  const url = /^<(.+)>$/.exec(body.headers!['List-Unsubscribe'])![1];
  const oneClick = await t.call(null, {
    method: 'POST',
    url: url.slice(BASE_URL.length),
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: 'List-Unsubscribe=One-Click',
  });
  expect(oneClick.statusCode).toBe(200);
  expect((await t.tdb.db.invitationLink.findFirstOrThrow({ where: { invitationId } })).unsubscribedAt).not.toBeNull();

  // Again (a client retrying): still a success, nothing else changes.
  const again = await t.call(null, { method: 'POST', url: `/u/${token}`, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'List-Unsubscribe=One-Click' });
  expect(again.statusCode).toBe(200);
});

test('a one-click POST with a multipart body (also allowed by RFC 8058) unsubscribes too', async () => {
  const { token, invitationId } = await sendInvitation();
  const boundary = 'x1y2z3';
  const res = await t.call(null, {
    method: 'POST',
    url: `/u/${token}`,
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
    payload: `--${boundary}\r\nContent-Disposition: form-data; name="List-Unsubscribe"\r\n\r\nOne-Click\r\n--${boundary}--\r\n`,
  });
  expect(res.statusCode).toBe(200);
  expect((await t.tdb.db.invitationLink.findFirstOrThrow({ where: { invitationId } })).unsubscribedAt).not.toBeNull();
});
