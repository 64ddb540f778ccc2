/**
 * The public page of an organisation (`/o/<code>`, the poster's QR code; Regulation II.7а)
 * on real Postgres: real receipts, rounds and answers (test/api/report-stories.ts), scored
 * by the real scoring activity (final values for the finished quarters, cumulative ones for
 * the current quarter), read without any key as a visitor would. It says how the link
 * arrives; it shows the latest FINAL quarter's coverage, satisfaction with its interval and
 * the number of answers only at REPORT_MIN_RESPONSES answers or more, never the quarter
 * still being counted, never a comment; an unknown code is a Russian 404 page.
 */
import { createActivities } from '../../activities';
import { OutboxMailer } from '../../src/mail/outbox-mailer';
import { quarterOf, type Quarter } from '../helpers/scoring-data';
import { createTestApp, ORG, type TestApp } from './app-helper';
import { createOrganizations, insertStories, type Story } from './report-stories';

const MIN = 5;
const DAY = 86_400_000;
const SUPPRESSED = { code: '1024200000002', name: 'ГБУЗ «Больница с немногими ответами»' };
const NOTHING = { code: '1024200000003', name: 'ГБУЗ «Новая поликлиника»' };
const ONLY_CURRENT = { code: '1024200000004', name: 'ГБУЗ «Поликлиника текущего квартала»' };
const COMMENT = 'Спасибо доктору Иванову, телефон +7 900 000-00-00';

let t: TestApp;
let last: Quarter;
let current: Quarter;
/** The scores of ORG's answers in the last finished quarter: 6 answers, mean 4.33. */
const LAST_SCORES = [5, 4, 5, 3, 5, 4];

const roman = (q: Quarter) => `${['I', 'II', 'III', 'IV'][Number(q.label.slice(-1)) - 1]} квартал ${q.label.slice(0, 4)}`;
/** Mentions the quarter ("II квартал" is not inside "III квартал"). */
const mentions = (page: string, q: Quarter) => new RegExp(`(?<![IV])${roman(q)}`).test(page);
const text = (body: string) => body.replace(/<[^>]+>/g, ' ').replace(/&nbsp;|\s+/g, ' ');

/** `answered` stories with these scores and `notifiedOnly` notified without an answer, all inside the quarter. */
function stories(org: string, q: Quarter, at: number, scores: number[], notifiedOnly: number): (Story & { score?: number })[] {
  const day = new Date(at).toISOString().slice(0, 10);
  const base = { org, integrator: 'mis-42', serviceDate: day, receivedAt: new Date(at), notification: { status: 'sent' as const, at: new Date(at + 3600_000) } };
  return [
    ...scores.map((score, i) => ({ ...base, account: `${org}-${q.label}-a${i}`, response: { at: new Date(at + 2 * 3600_000), comment: COMMENT }, score })),
    ...Array.from({ length: notifiedOnly }, (_, i) => ({ ...base, account: `${org}-${q.label}-n${i}` })),
  ];
}

beforeAll(async () => {
  t = await createTestApp({ env: { REPORT_MIN_RESPONSES: String(MIN) } });
  const now = Date.now();
  current = quarterOf(now);
  last = quarterOf(now, -1);
  const before = quarterOf(now, -2);
  const inCurrent = current.start + Math.floor((now - current.start) / 2);
  await createOrganizations(t.tdb.db, [SUPPRESSED, NOTHING, ONLY_CURRENT].map((o) => ({ ...o, region: '42', type: 'healthcare' })));
  const all = [
    // ORG: shown for the last quarter (6 answers of 10 notified); the current quarter, all 1s, must not show.
    ...stories(ORG.code, last, last.start + 10 * DAY, LAST_SCORES, 4),
    ...stories(ORG.code, current, inCurrent, [1, 1, 1, 1, 1, 1, 1], 0),
    // Enough answers the quarter before, but too few in the latest final one: nothing is published.
    ...stories(SUPPRESSED.code, before, before.start + 10 * DAY, [5, 5, 5, 5, 5, 5, 5, 5], 0),
    ...stories(SUPPRESSED.code, last, last.start + 10 * DAY, [2, 3], 1),
    // Only the quarter still being counted, with plenty of answers: nothing final yet.
    ...stories(ONLY_CURRENT.code, current, inCurrent, [4, 4, 4, 4, 4, 4], 0),
  ];
  await insertStories(t.tdb.db, all);
  for (const s of all) {
    if (s.responseId && s.score !== undefined) await t.tdb.db.response.update({ where: { id: s.responseId }, data: { score: s.score, overall: s.score } });
  }
  const silent = { info() {}, warn() {} };
  const activities = createActivities({ db: t.tdb.db, mailer: new OutboxMailer(t.tdb.db, silent), secrets: t.secrets, publicBaseUrl: 'http://x', log: silent });
  await activities.computeSnapshots({ period: before.label, final: true, trigger: 'admin' });
  await activities.computeSnapshots({ period: last.label, final: true, trigger: 'admin' });
  await activities.computeSnapshots({ period: current.label, final: false, trigger: 'provisional' });
}, 60_000);
afterAll(async () => t?.close());

const visit = (code: string) => t.call(null, { method: 'GET', url: `/o/${encodeURIComponent(code)}` });

test('the page says how the link arrives, in Russian, without signing in, under the citizen pages\' headers and rate limit', async () => {
  const res = await visit(ORG.code);
  expect(res.statusCode).toBe(200);
  expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
  expect(res.headers['content-security-policy']).toContain("default-src 'none'");
  expect(res.headers['x-ratelimit-limit']).toBeDefined();
  expect(res.body).toContain('<html lang="ru"');
  const page = text(res.body);
  expect(page).toContain('ГБУЗ «Кемеровская областная больница»');
  for (const promise of ['письмом на адрес электронной почты', 'в личном кабинете портала «Госуслуги»', 'один месяц', 'анонимная', 'подтверждённая учётная запись']) {
    expect(page).toContain(promise);
  }
  expect(res.body).not.toContain('<form'); // no questionnaire here: only the personal link answers
});

test('the latest final quarter is shown at the threshold or above: coverage, satisfaction with its interval, answers', async () => {
  const page = text((await visit(ORG.code)).body);
  expect(page).toContain(`${roman(last)} г., окончательные значения`);
  // Computed here: 26 / 6 = 4.33; s = √(3.333 / 5) = 0.8165; t(5; 0.975) = 2.5706 → 4.33 ± 0.857, capped at 5.
  const mean = LAST_SCORES.reduce((a, b) => a + b, 0) / LAST_SCORES.length;
  const sd = Math.sqrt(LAST_SCORES.reduce((a, x) => a + (x - mean) ** 2, 0) / (LAST_SCORES.length - 1));
  const half = 2.5706 * (sd / Math.sqrt(LAST_SCORES.length));
  const ru = (x: number) => x.toFixed(2).replace('.', ',');
  expect(page).toContain(`Удовлетворённость качеством услуг ${ru(mean)} из 5`);
  expect(page).toContain(`от ${ru(Math.max(1, mean - half))} до ${ru(Math.min(5, mean + half))}`);
  expect(page).toContain('Охват оценкой 60,0 %'); // 6 answers of 10 notified
  expect(page).toContain('Число ответов 6');
  // The federal key's report of the same quarter agrees.
  const api = await t.call(t.keys.federal, { method: 'GET', url: `/v1/reports/indicators?period=${last.label}&groupBy=organization&organization=${ORG.code}` });
  expect(api.json()).toMatchObject({ final: true, rows: [{ responses: 6, coverage: 60, satisfaction: Number(mean.toFixed(2)) }] });
});

test('nothing of the quarter still being counted, and no comment', async () => {
  for (const code of [ORG.code, SUPPRESSED.code, ONLY_CURRENT.code]) {
    const page = text((await visit(code)).body);
    expect(mentions(page, current)).toBe(false);
    expect(page).not.toContain('1,00'); // ORG's current answers are all 1s
    expect(page).not.toContain('Число ответов 7');
    expect(page).not.toContain('Иванов');
  }
  const onlyCurrent = await visit(ONLY_CURRENT.code);
  expect(onlyCurrent.body).not.toContain('id="figures"');
  expect(text(onlyCurrent.body)).toContain('Итоги ещё не подведены');
});

test('below the threshold in the latest final quarter nothing is published, though an earlier quarter had enough', async () => {
  // The federal body sees the two answers (II.12); the public does not.
  const api = await t.call(t.keys.federal, { method: 'GET', url: `/v1/reports/indicators?period=${last.label}&groupBy=organization&organization=${SUPPRESSED.code}` });
  expect(api.json().rows[0]).toMatchObject({ responses: 2, satisfaction: 2.5, lowResponses: true });
  const res = await visit(SUPPRESSED.code);
  expect(res.statusCode).toBe(200);
  const page = text(res.body);
  expect(page).toContain(`За ${roman(last)} г. показатели пока не публикуются: ответов меньше ${MIN}`);
  expect(res.body).not.toContain('id="figures"');
  expect(page).not.toContain('2,50');
  expect(page).not.toContain('5,00'); // nor the earlier quarter's
  expect(mentions(page, quarterOf(Date.now(), -2))).toBe(false);
});

test('an organisation without final figures says they are not summed up yet', async () => {
  const res = await visit(NOTHING.code);
  expect(res.statusCode).toBe(200);
  expect(text(res.body)).toContain('Итоги ещё не подведены');
  expect(res.body).not.toContain('id="figures"');
});

test('an unknown or malformed code is a Russian 404 page', async () => {
  for (const code of ['9999999999999', '<script>alert(1)</script>', 'x'.repeat(80)]) {
    const res = await visit(code);
    expect([code, res.statusCode]).toEqual([code, 404]);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.body).toContain('<html lang="ru"');
    expect(text(res.body)).toContain('Организация не найдена');
    expect(res.body).not.toContain('<script>alert');
  }
  // Longer than any path segment Fastify takes (414), or with extra segments: still a Russian page, never JSON.
  for (const path of [`/o/${'x'.repeat(150)}`, '/o/1024200000001/extra']) {
    const res = await t.call(null, { method: 'GET', url: path });
    expect([path, res.headers['content-type']]).toEqual([path, 'text/html; charset=utf-8']);
    expect(res.body).toContain('<html lang="ru"');
  }
});
