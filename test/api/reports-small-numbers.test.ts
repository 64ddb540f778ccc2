/**
 * Small numbers by role (DESIGN §6, Regulation II.12; docs/reports.md): an organisation with
 * fewer answers than REPORT_MIN_RESPONSES is shown with its figures and a `lowResponses`
 * marker to the federal, sector and region bodies, and suppressed for its own head and for
 * the admin; rankings rank nobody on so few answers, whoever asks. Real receipts and
 * answers, the real scoring activity (final values), the real report routes, every role.
 */
import { createActivities } from '../../activities';
import { periodOf } from '../../src/domain/periods';
import { OutboxMailer } from '../../src/mail/outbox-mailer';
import { createTestApp, ORG, type TestApp } from './app-helper';
import { openLink } from './citizen-helper';

let t: TestApp;
let period: string;
const answersOf = (v: number) => ({ info: v, process: v, comfort: v, accessibility: null, courtesy: v, competence: v, overall: v });

beforeAll(async () => {
  t = await createTestApp({ env: { REPORT_MIN_RESPONSES: '5' } });
  const silent = { info() {}, warn() {} };
  const activities = createActivities({ db: t.tdb.db, mailer: new OutboxMailer(t.tdb.db, silent), secrets: t.secrets, publicBaseUrl: 'http://x', log: silent });
  // Three links, two answers (4 and 5): below the threshold of 5.
  const links = [await openLink(t), await openLink(t), await openLink(t)];
  for (const { invitationId } of links) {
    const n = await t.tdb.db.notification.findFirstOrThrow({ where: { invitationId } });
    await activities.sendNotification({ notificationId: n.id });
  }
  for (const [i, v] of [4, 5].entries()) {
    expect((await t.call(null, { method: 'POST', url: `/v1/questionnaires/${links[i].token}/responses`, payload: { answers: answersOf(v) } })).statusCode).toBe(201);
  }
  period = periodOf(new Date());
  // Final values, so that the head of organisation's view is not the released blocks of a quarter still being counted.
  await activities.computeSnapshots({ period, final: true, trigger: 'admin' });
}, 60_000);
afterAll(async () => t?.close());

const SHOWN = { notified: 3, completed: 2, responses: 2, satisfaction: 4.5, suppressed: false, lowResponses: true, ci: [1, 5], items: { info: 4.5, accessibility: null } };
const HIDDEN = { notified: 3, completed: 2, responses: 2, satisfaction: null, suppressed: true, lowResponses: true, ci: null, items: null };
// No verdict rests on two answers, whoever reads them.
const NOT_JUDGED = { targets: { coverage: true, satisfaction: null, growth: null }, growth: { quarterly: null, yearly: null } };

test.each<[string, (t: TestApp) => Promise<string>, object]>([
  ['federal: shown, marked', async (t) => t.keys.federal, SHOWN],
  ['sector (health): shown, marked', async (t) => t.key('sector', { sectors: ['health'] }), SHOWN],
  ['region (42): shown, marked', async (t) => t.keys.region, SHOWN],
  ['organisation (its head): suppressed', async (t) => t.keys.organization, HIDDEN],
  ['admin: suppressed', async (t) => t.keys.admin, HIDDEN],
])('%s', async (_name, keyOf, expected) => {
  const key = await keyOf(t);
  const res = await t.call(key, { method: 'GET', url: `/v1/reports/indicators?period=${period}&groupBy=organization&organization=${ORG.code}` });
  expect(res.statusCode).toBe(200);
  expect(res.json()).toMatchObject({ period, final: true });
  expect(res.json().rows).toHaveLength(1);
  expect(res.json().rows[0]).toMatchObject({ key: { organization: ORG.code }, ...expected, ...NOT_JUDGED });

  const history = await t.call(key, { method: 'GET', url: `/v1/reports/indicators/history?from=${period}&to=${period}&groupBy=organization&organization=${ORG.code}` });
  const { satisfaction, suppressed, lowResponses } = expected as typeof SHOWN;
  expect(history.json().series[0].points[0]).toMatchObject({ period, responses: 2, satisfaction, suppressed, lowResponses });

  const csv = await t.call(key, { method: 'GET', url: `/v1/reports/indicators?period=${period}&groupBy=organization&organization=${ORG.code}&format=csv` });
  const [header, line] = csv.body.split('\r\n');
  const cell = (name: string) => line.split(',')[header.split(',').indexOf(name)];
  expect([cell('satisfaction'), cell('suppressed'), cell('low_responses'), cell('growth_quarterly'), cell('growth_yearly')])
    .toEqual([satisfaction === null ? '' : String(satisfaction), String(suppressed), 'true', '', '']);
});

test('an integrator still gets no report', async () => {
  expect((await t.call(t.keys.integrator, { method: 'GET', url: `/v1/reports/indicators?period=${period}&groupBy=organization` })).statusCode).toBe(403);
});

test('rankings rank nobody on fewer answers than the threshold, even for the bodies that see the figures', async () => {
  for (const key of [t.keys.federal, t.keys.region]) {
    const body = (await t.call(key, { method: 'GET', url: `/v1/reports/rankings?period=${period}&region=42&organizationType=healthcare` })).json();
    expect(body).toMatchObject({ ranked: 0, best: [], worst: [], unranked: [{ code: ORG.code, responses: 2, suppressed: true }] });
  }
});

test('the level above still sums every organisation, and is marked low when it is', async () => {
  const body = (await t.call(t.keys.region, { method: 'GET', url: `/v1/reports/indicators?period=${period}&groupBy=region` })).json();
  expect(body.rows[0]).toMatchObject({ key: { region: '42' }, completed: 2, responses: 2, satisfaction: 4.5, lowResponses: true });
});
