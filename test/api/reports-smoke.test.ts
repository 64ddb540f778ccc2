/** Reports end to end over real snapshots: posted receipts, real activities, the scoring activity, the report routes. */
import { createActivities } from '../../activities';
import { OutboxMailer } from '../../src/mail/outbox-mailer';
import { periodOf } from '../../src/domain/periods';
import { createTestApp, type TestApp } from './app-helper';
import { GOOD_ANSWERS, openLink } from './citizen-helper';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => t?.close());

test('answers become provisional indicators of the current quarter, visible by level and as CSV', async () => {
  const links = await Promise.all(Array.from({ length: 6 }, () => openLink(t)));
  const silent = { info() {}, warn() {} };
  const activities = createActivities({ db: t.tdb.db, mailer: new OutboxMailer(t.tdb.db, silent), secrets: t.secrets, publicBaseUrl: 'http://x', log: silent });
  for (const { invitationId } of links) {
    const n = await t.tdb.db.notification.findFirstOrThrow({ where: { invitationId } });
    await activities.sendNotification({ notificationId: n.id });
  }
  const scores = [5, 4, 5, 3, 4];
  for (const [i, overall] of scores.entries()) {
    const res = await t.call(null, { method: 'POST', url: `/v1/questionnaires/${links[i].token}/responses`, payload: { answers: { ...GOOD_ANSWERS, overall } } });
    expect(res.statusCode).toBe(201);
  }
  const period = periodOf(new Date());
  const run = await activities.computeSnapshots({ period, final: false, trigger: 'provisional' });
  expect(run).toMatchObject({ organizations: 1, skipped: false });

  const res = await t.call(t.keys.federal, { method: 'GET', url: `/v1/reports/indicators?period=${period}&groupBy=region` });
  expect(res.statusCode).toBe(200);
  const body = res.json();
  expect(body).toMatchObject({ period, final: false });
  expect(body.rows).toHaveLength(1);
  const row = body.rows[0];
  expect(row).toMatchObject({ key: { region: '42' }, name: 'Кемеровская область – Кузбасс', notified: 6, completed: 5, coverage: 83.33, responses: 5, suppressed: false });
  expect(row.ci[0]).toBeLessThanOrEqual(row.satisfaction);
  expect(row.ci[1]).toBeGreaterThanOrEqual(row.satisfaction);
  expect(row.items.accessibility).toBeNull();

  // A later scoring run is seen within about a second: the reports' answer cache follows completed runs.
  expect((await t.call(null, { method: 'POST', url: `/v1/questionnaires/${links[5].token}/responses`, payload: { answers: GOOD_ANSWERS } })).statusCode).toBe(201);
  await activities.computeSnapshots({ period, final: false, trigger: 'provisional' });
  const stale = (await t.call(t.keys.federal, { method: 'GET', url: `/v1/reports/indicators?period=${period}&groupBy=region` })).json();
  expect([5, 6]).toContain(stale.rows[0].completed);
  await new Promise((r) => setTimeout(r, 1100));
  const refreshed = (await t.call(t.keys.federal, { method: 'GET', url: `/v1/reports/indicators?period=${period}&groupBy=region` })).json();
  expect(refreshed.rows[0]).toMatchObject({ completed: 6, responses: 6, coverage: 100 });

  const csv = await t.call(t.keys.federal, { method: 'GET', url: `/v1/reports/indicators?period=${period}&groupBy=region&format=csv` });
  expect(csv.statusCode).toBe(200);
  expect(csv.headers['content-type']).toContain('text/csv');
  expect(csv.body.split('\r\n')[1]).toContain('42,Кемеровская область – Кузбасс,6,6,100,6');

  const funnel = await t.call(t.keys.region, { method: 'GET', url: `/v1/reports/funnel?period=${period}&groupBy=organizationType` });
  expect(funnel.statusCode).toBe(200);
  expect(funnel.json().rows[0]).toMatchObject({ key: { organizationType: 'healthcare' }, receipts: 6, activated: 6, notified: 6, completed: 6 });

  expect((await t.call(t.keys.integrator, { method: 'GET', url: `/v1/reports/indicators?period=${period}` })).statusCode).toBe(403);
  expect((await t.call(t.keys.region, { method: 'GET', url: `/v1/reports/indicators?period=${period}&groupBy=region&region=54` })).statusCode).toBe(403);
  expect((await t.call(t.keys.organization, { method: 'GET', url: `/v1/reports/indicators?period=${period}&groupBy=organization` })).json().rows).toHaveLength(1);
  const ranking = await t.call(t.keys.region, { method: 'GET', url: `/v1/reports/rankings?period=${period}&region=42&organizationType=healthcare` });
  expect(ranking.statusCode).toBe(200);
  expect(ranking.json().best[0]).toMatchObject({ rank: 1, responses: 6 });
});
