/**
 * The differencing attack on a head of organisation's current-quarter figures (DESIGN §6,
 * anonymity; docs/reports.md). The head knows whom its organisation served; if its figures
 * moved with every answer, reading them before and after one citizen answered would give
 * that citizen's scores. Real receipts, links and answers, the real scoring activity after
 * every answer (as the provisional schedule would run it), and the real report routes: the
 * organisation key's figures must stay identical through every single answer and move only
 * by whole blocks of REPORT_MIN_RESPONSES, while the federal key sees every answer; the
 * final figures then differ from the last released ones by at least a block too.
 */
import { createActivities } from '../../activities';
import { periodOf } from '../../src/domain/periods';
import { OutboxMailer } from '../../src/mail/outbox-mailer';
import { createTestApp, ORG, type TestApp } from './app-helper';
import { openLink } from './citizen-helper';

const K = 3;
/** Distinct scores, so that any two different sets of answers have different sums. */
const SCORES = [5, 1, 4, 2, 5, 3, 1, 4, 4, 2, 5, 1, 3];

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ env: { REPORT_MIN_RESPONSES: String(K) } });
});
afterAll(async () => t?.close());

const answersOf = (v: number) => ({ info: v, process: v, comfort: v, accessibility: null, courtesy: v, competence: v, overall: v });
const mean = (xs: number[]) => Math.round((xs.reduce((a, b) => a + b, 0) / xs.length) * 100) / 100;

test('one answer never changes what a head of organisation sees; only whole blocks do, and no pair of reads isolates an answer', async () => {
  const silent = { info() {}, warn() {} };
  const activities = createActivities({ db: t.tdb.db, mailer: new OutboxMailer(t.tdb.db, silent), secrets: t.secrets, publicBaseUrl: 'http://x', log: silent });
  const links = [];
  for (let i = 0; i < SCORES.length; i++) links.push(await openLink(t));
  for (const { invitationId } of links) {
    const n = await t.tdb.db.notification.findFirstOrThrow({ where: { invitationId } });
    await activities.sendNotification({ notificationId: n.id });
  }
  const period = periodOf(new Date());
  const url = `/v1/reports/indicators?period=${period}&groupBy=organization&organization=${ORG.code}`;
  const read = async (key: string) => {
    const res = await t.call(key, { method: 'GET', url });
    expect(res.statusCode).toBe(200);
    return res.json().rows[0];
  };
  const funnel = async (key: string) => (await t.call(key, { method: 'GET', url: url.replace('/indicators', '/funnel') })).json().rows[0];
  const history = async (key: string) =>
    (await t.call(key, { method: 'GET', url: `/v1/reports/indicators/history?from=${period}&to=${period}&groupBy=organization&organization=${ORG.code}` })).json().series[0].points[0];
  // After a scoring run, reports follow within about a second (their cache follows completed runs).
  const rescore = async () => {
    await activities.computeSnapshots({ period, final: false, trigger: 'provisional' });
    await new Promise((r) => setTimeout(r, 1100));
  };

  await rescore();
  const seen = [await read(t.keys.organization)];
  for (const [i, score] of SCORES.entries()) {
    const before = seen[seen.length - 1];
    // One citizen answers; the provisional run counts it.
    const res = await t.call(null, { method: 'POST', url: `/v1/questionnaires/${links[i].token}/responses`, payload: { answers: answersOf(score) } });
    expect(res.statusCode).toBe(201);
    await rescore();
    const answered = i + 1;

    // The federal body sees every answer (it is entitled to, and is not the one who knows the citizen).
    expect((await read(t.keys.federal)).completed).toBe(answered);

    const after = await read(t.keys.organization);
    seen.push(after);
    // Released: whole blocks of K, one block behind (0, 0, …, K at 2K answers, 2K at 3K, …).
    const released = K * Math.max(0, Math.floor(answered / K) - 1);
    expect([answered, after.completed, after.responses, (await funnel(t.keys.organization)).completed]).toEqual([answered, released, released, released]);
    // The history's point of the quarter is the same released view.
    const { completed, responses, satisfaction, ci } = after;
    expect(await history(t.keys.organization)).toMatchObject({ period, final: false, completed, responses, satisfaction, ci });
    if (released === before.completed) {
      // The differencing attack: before and after one answer, the head sees the very same figures.
      expect([answered, after]).toEqual([answered, before]);
    } else {
      expect(after.completed - before.completed).toBe(K);
      // And what it sees is exactly the first `released` answers in arrival order.
      expect(after.satisfaction).toBe(mean(SCORES.slice(0, released)));
    }
  }

  // No pair of reads, however far apart, differs by fewer than K answers.
  for (const a of seen) for (const b of seen) {
    const apart = Math.abs(a.completed - b.completed);
    expect(apart === 0 ? JSON.stringify(a) === JSON.stringify(b) : apart >= K).toBe(true);
  }
  const last = seen[seen.length - 1];
  expect(last.completed).toBe(K * (Math.floor(SCORES.length / K) - 1));

  // The quarter's final figures count every answer: still at least K more than the last released view.
  await activities.computeSnapshots({ period, final: true, trigger: 'admin' });
  await new Promise((r) => setTimeout(r, 1100));
  const final = await read(t.keys.organization);
  expect(final).toMatchObject({ completed: SCORES.length, satisfaction: mean(SCORES), suppressed: false });
  expect(final.completed - last.completed).toBeGreaterThanOrEqual(K);
  expect(await read(t.keys.federal)).toEqual(final);
}, 120_000);
