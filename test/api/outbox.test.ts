/**
 * Without RESEND_API_KEY, e-mails go to the outbox table (and a log line without personal
 * data), and an admin reads them at GET /v1/dev/outbox. The real activities produce them.
 */
import { createActivities } from '../../activities';
import { OutboxMailer } from '../../src/mail/outbox-mailer';
import { makePerson, withoutEmail } from '../helpers/people';
import { createTestApp, type TestApp } from './app-helper';
import { receiptBody } from './receipt-body';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => t?.close());

test('an invitation e-mail lands in the outbox, readable by an admin only, with no personal data logged', async () => {
  const citizen = makePerson('1979-03-03');
  await t.call(t.keys.admin, { method: 'POST', url: '/v1/accounts', payload: { accounts: [{ snils: citizen.snils, email: citizen.email, confirmed: true }] } });
  const receipt = (await t.call(t.keys.integrator, { method: 'POST', url: '/v1/receipts', payload: receiptBody({ recipient: withoutEmail(citizen) }) })).json();

  const lines: object[] = [];
  const log = { info: (o: object) => void lines.push(o), warn: (o: object) => void lines.push(o) };
  const activities = createActivities({ db: t.tdb.db, mailer: new OutboxMailer(t.tdb.db, log), secrets: t.secrets, publicBaseUrl: 'http://localhost:3000', log });
  expect(await activities.activateInvitation({ receiptId: receipt.id, closesAt: null })).toEqual({ status: 'active', links: 1 });
  const { notificationIds } = await activities.openRound({ receiptId: receipt.id, round: 1 });
  expect(await activities.sendNotification({ notificationId: notificationIds[0] })).toEqual({ status: 'sent' });
  expect(await activities.sendNotification({ notificationId: notificationIds[0] })).toEqual({ status: 'sent' });

  const res = await t.call(t.keys.admin, { method: 'GET', url: '/v1/dev/outbox' });
  expect(res.statusCode).toBe(200);
  const mine = res.json().emails.filter((e: { to: string }) => e.to === citizen.email);
  expect(mine).toHaveLength(1);
  expect(mine[0].subject.length).toBeGreaterThan(0);
  expect(mine[0].text).toMatch(/http:\/\/localhost:3000\/q\/[\w-]{43}/);
  expect(mine[0].html).toContain('lang="ru"');
  expect((await t.call(t.keys.integrator, { method: 'GET', url: '/v1/dev/outbox' })).statusCode).toBe(403);

  const logged = JSON.stringify(lines);
  expect(logged).toContain(notificationIds[0]);
  for (const secret of [citizen.email, citizen.snils, citizen.lastName]) expect(logged).not.toContain(secret);
  const view = (await t.call(t.keys.integrator, { method: 'GET', url: `/v1/receipts/${receipt.id}` })).json();
  expect(view.invitation).toMatchObject({ status: 'active', round: 1 });
  expect(view.invitation.notifiedAt).not.toBeNull();
});
