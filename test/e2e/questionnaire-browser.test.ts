/**
 * A citizen in a real browser: headless Chromium (playwright-core; the system's, else the
 * packaged one, see test/helpers/browser.ts) on a phone-sized screen opens the link from an
 * e-mail that the real workflow sent (the real runtime on the Temporal dev server, real
 * Postgres, the real Resend SDK talking to a fake Resend), answers
 * the questionnaire with the keyboard only, first wrongly then rightly, and lands on the
 * thank-you page; the answer is in the database and the workflow has closed the link.
 * Every page passes axe-core (WCAG 2.1 A/AA: no serious or critical violation) under the
 * real Content-Security-Policy, which blocks nothing the pages themselves load.
 *
 * Screenshots of the form, its error state, the thank-you page, every "link not active"
 * page and both unsubscribe pages go to test-artifacts/ (gitignored), with an axe report.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import pino from 'pino';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { loadConfig } from '../../src/config';
import { addDays } from '../../src/domain/dates';
import { createApiKey } from '../../src/keys';
import { runServices } from '../../src/runtime';
import { tokenHash } from '../../src/security';
import { stateQuery } from '../../workflows/invitation-signals';
import { freePort, launchChromium, PHONE_VIEWPORT, runAxe, seriousViolations, watchPage, type AxeReport } from '../helpers/browser';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { startFakeResend, type FakeResend } from '../helpers/fake-resend';
import { makePerson, withoutEmail } from '../helpers/people';
import { devServerEnv } from '../helpers/temporal';

/** One policy day lasts one second: links activate after ~1 s, a one-time link stays open ~30 s. */
const SCALE = 86_400;
const ORG = { code: '1024200088888', name: 'ГБУЗ «Городская поликлиника № 7»' };
const ARTIFACTS = join(__dirname, '..', '..', 'test-artifacts');

let env: TestWorkflowEnvironment;
let tdb: TestDatabase;
let fake: FakeResend;
let services: { apiUrl: string; close(): Promise<void> };
let baseUrl: string;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let watch: ReturnType<typeof watchPage>;
let integrator: string;
const started = Date.now();
const timings: Record<string, number> = {};
const axeReports: Record<string, AxeReport> = {};

const people = {
  answers: makePerson('1979-06-15', { lastName: 'Орлова', firstName: 'Марина', middleName: 'Сергеевна' }),
  ended: makePerson('1948-03-02', { lastName: 'Фёдоров', firstName: 'Николай', middleName: 'Ильич' }),
  withdrawn: makePerson('1990-11-20', { lastName: 'Ким', firstName: 'Алина', middleName: 'Олеговна' }),
  unsubscribes: makePerson('1966-01-31', { lastName: 'Беляев', firstName: 'Павел', middleName: 'Андреевич' }),
};
type Who = keyof typeof people;
const receipts = {} as Record<Who, { id: string; workflowId: string }>;
const tokens = {} as Record<Who, string>;

/** The citizen's answers, by item: what the keyboard picks and what the database must hold. */
const ANSWERS = { info: '5', process: '4', comfort: '1', accessibility: 'na', courtesy: '5', competence: '4', overall: '5' } as const;
const ITEMS = Object.keys(ANSWERS) as (keyof typeof ANSWERS)[];
const COMMENT = 'Запись прошла быстро, врач всё объяснил.\nВ коридоре мало стульев.';

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  let port: number;
  [env, tdb, fake, port, browser] = await Promise.all([devServerEnv(), createTestDatabase('browser'), startFakeResend(), freePort(), launchChromium()]);
  // The e-mailed link must open in the browser: the public base URL is this API itself.
  baseUrl = `http://127.0.0.1:${port}`;
  process.env.RESEND_BASE_URL = fake.url;
  const config = loadConfig({
    ...process.env,
    NODE_ENV: 'test',
    HOST: '127.0.0.1',
    PORT: String(port),
    PUBLIC_BASE_URL: baseUrl,
    DATABASE_URL: tdb.url,
    TEMPORAL_ADDRESS: env.address,
    TEMPORAL_TASK_QUEUE: `browser-${Date.now()}`,
    RESEND_API_KEY: 're_browser_key',
    FEEDBACK_TIME_SCALE: String(SCALE),
    RECONCILE_INTERVAL_SECONDS: '1',
  });
  services = await runServices(config, pino({ level: 'silent' }));
  expect(services.apiUrl).toBe(baseUrl);
  timings.servicesUp = Date.now() - started;

  const admin = (await createApiKey(tdb.db, { role: 'admin', name: 'admin' })).key;
  integrator = (await createApiKey(tdb.db, { role: 'integrator', name: 'mis-42', regions: ['42'], integrator: 'mis-42' })).key;
  expect((await api(admin, 'PUT', `/v1/organizations/${ORG.code}`, { name: ORG.name, type: 'healthcare', region: '42', founderLevel: 'regional' })).status).toBe(201);
  const accounts = await api(admin, 'POST', '/v1/accounts', {
    accounts: Object.values(people).map((p) => ({ snils: p.snils, email: p.email, confirmed: true })),
  });
  expect(accounts.body).toEqual({ created: 4, updated: 0 });

  // All four receipts at once, so their schedules run side by side. The long service ends four
  // (policy) days from today: its link closes (service_ended) 4–5 s from now, well after its
  // e-mail at ~1 s (an end before the first e-mail would follow the one-time rules instead).
  const today = new Date(Date.now() + 3 * 3600_000).toISOString().slice(0, 10);
  const service = (who: Who) => (who === 'ended' ? { kind: 'long', start: today, end: addDays(today, 4) } : { kind: 'one_time', date: today });
  await Promise.all((Object.keys(people) as Who[]).map(async (who, i) => {
    const posted = await api(integrator, 'POST', '/v1/receipts', {
      externalId: `MIS-42-browser-${i}`, organization: ORG.code, service: service(who), recipient: withoutEmail(people[who]),
    });
    expect(posted.status).toBe(202);
    receipts[who] = posted.body;
  }));

  // The e-mails the workflows sent: each carries its citizen's personal link to this API.
  await until('four e-mails', async () => (Object.keys(people) as Who[]).every((who) => fake.delivered.some((m) => m.to.includes(people[who].email))), 20_000);
  for (const who of Object.keys(people) as Who[]) {
    const mail = fake.delivered.find((m) => m.to.includes(people[who].email))!;
    const link = new RegExp(`${escapeRegExp(baseUrl)}/q/([A-Za-z0-9_-]{43})`).exec(mail.text ?? '');
    expect(link).not.toBeNull();
    tokens[who] = link![1];
    expect(mail.text).toContain(`${baseUrl}/u/${tokens[who]}`);
  }
  timings.emailsReceived = Date.now() - started;

  context = await browser.newContext({ viewport: PHONE_VIEWPORT, locale: 'ru-RU', reducedMotion: 'reduce' });
  page = await context.newPage();
  watch = watchPage(page);
}, 90_000);

afterAll(async () => {
  writeFileSync(join(ARTIFACTS, 'questionnaire-browser-report.json'), `${JSON.stringify({ timingsMs: timings, axe: axeReports }, null, 2)}\n`);
  await browser?.close();
  await services?.close();
  await Promise.allSettled([env?.teardown(), tdb?.drop(), fake?.stop()]);
});

async function api(key: string, method: string, path: string, body?: unknown) {
  const res = await fetch(`${services.apiUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  // Response bodies are checked field by field.
  const parsed: any = res.headers.get('content-type')?.includes('json') ? await res.json() : await res.text(); // eslint-disable-line @typescript-eslint/no-explicit-any
  return { status: res.status, body: parsed };
}

async function until<T>(what: string, probe: () => Promise<T | undefined | null | false>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** What has the keyboard focus. */
async function focused(): Promise<{ tag: string; id: string; type: string; checked: boolean; className: string; text: string }> {
  return page.evaluate(`(() => {
    const e = document.activeElement;
    return { tag: e.tagName.toLowerCase(), id: e.id, type: e.type || '', checked: !!e.checked, className: e.className || '', text: (e.textContent || '').trim() };
  })()`);
}

async function tab(): Promise<Awaited<ReturnType<typeof focused>>> {
  await page.keyboard.press('Tab');
  return focused();
}

async function h1(): Promise<string> {
  return (await page.locator('h1').innerText()).trim();
}

async function shoot(name: string): Promise<void> {
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

/** axe-core on the page as it is now: no serious or critical violation, every finding kept for the report. */
async function expectAccessible(name: string): Promise<void> {
  const report = await runAxe(page);
  axeReports[name] = report;
  expect({ page: name, serious: seriousViolations(report) }).toEqual({ page: name, serious: [] });
}

/** The page loaded its stylesheet and script from the app, and the CSP blocked nothing. */
async function expectAssetsApplied(): Promise<void> {
  const styles = await page.evaluate(`({
    body: getComputedStyle(document.body).backgroundColor,
    header: getComputedStyle(document.querySelector('.site-header')).backgroundColor,
    skipLink: getComputedStyle(document.querySelector('.skip-link')).position,
  })`);
  expect(styles).toEqual({ body: 'rgb(242, 244, 247)', header: 'rgb(13, 76, 211)', skipLink: 'absolute' });
  expect(watch).toEqual({ csp: [], scriptErrors: [], failedRequests: [] });
}

/** Tabs into a radio group (focus lands on its first radio, nothing chosen) and chooses `value` with the arrows or Space. */
async function answerByKeyboard(key: string, value: string): Promise<void> {
  const entered = await tab();
  expect(entered).toMatchObject({ id: `q-${key}-1`, type: 'radio', checked: false });
  if (value === '1') {
    await page.keyboard.press('Space');
  } else {
    const steps = value === 'na' ? 5 : Number(value) - 1;
    for (let i = 0; i < steps; i++) await page.keyboard.press('ArrowDown');
  }
  expect(await focused()).toMatchObject({ id: `q-${key}-${value}`, checked: true });
}

/** Russian plural of "символ" and the counter's wording (src/web/assets.ts). */
function counterText(left: number): string {
  const d = left % 10;
  const h = left % 100;
  const form = d === 1 && h !== 11 ? 0 : d >= 2 && d <= 4 && (h < 12 || h > 14) ? 1 : 2;
  return `${['Остался', 'Осталось', 'Осталось'][form]} ${left} ${['символ', 'символа', 'символов'][form]}`;
}

test('the e-mailed link opens the questionnaire: styled, scripted, accessible, under the strict CSP', async () => {
  const response = await page.goto(`${baseUrl}/q/${tokens.answers}`);
  expect(response?.status()).toBe(200);
  expect(response?.headers()['content-security-policy']).toContain("script-src 'self'");
  expect(await page.title()).toBe('Оцените качество услуги — Оценка качества услуг');
  expect(await h1()).toBe('Оцените качество услуги');
  await expect(page.locator('main').innerText()).resolves.toContain(ORG.name);
  // The script ran (the counter replaced its no-JS text) and the stylesheet applied.
  expect(await page.locator('#comment-counter').innerText()).toBe(counterText(2000));
  await expectAssetsApplied();
  await shoot('questionnaire-form');
  await expectAccessible('questionnaire-form');

  // The CSP really is enforced by the browser: an inline script is refused.
  const probe = await context.newPage();
  await probe.goto(`${baseUrl}/q/${randomBytes(32).toString('base64url')}`);
  await expect(probe.addScriptTag({ content: 'window.injected = true' })).rejects.toThrow(/Content Security Policy/);
  expect(await probe.evaluate('window.injected')).toBeUndefined();
  await probe.close();
  timings.formChecked = Date.now() - started;
});

test('keyboard only: a missing answer brings the error summary into focus; fixed, the answer goes in', async () => {
  // First pass: every group but "competence" answered, a comment typed.
  expect(await tab()).toMatchObject({ tag: 'a', className: 'skip-link', text: 'Перейти к содержанию' });
  for (const key of ITEMS) {
    if (key === 'competence') {
      expect(await tab()).toMatchObject({ id: 'q-competence-1', checked: false }); // passes through, chooses nothing
    } else {
      await answerByKeyboard(key, ANSWERS[key]);
    }
  }
  expect(await tab()).toMatchObject({ tag: 'textarea', id: 'comment' });
  await page.keyboard.type(COMMENT);
  expect(await page.locator('#comment').inputValue()).toBe(COMMENT);
  expect(await page.locator('#comment-counter').innerText()).toBe(counterText(2000 - COMMENT.length));
  expect(await tab()).toMatchObject({ tag: 'button', text: 'Отправить ответы' });
  const [rejected] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST' && r.url().endsWith(`/q/${tokens.answers}`)),
    page.waitForEvent('load'), // of the page the post returns
    page.keyboard.press('Enter'),
  ]);
  expect(rejected.status()).toBe(422);

  // The error page: the summary has the focus and names question 6; the other answers and the comment are kept.
  expect(await page.title()).toMatch(/^Ошибка: /);
  await page.waitForFunction('document.activeElement && document.activeElement.classList.contains("error-summary")', undefined, { timeout: 5_000 });
  const summary = page.locator('.error-summary');
  expect(await summary.getAttribute('role')).toBe('alert');
  expect(await summary.locator('a').allInnerTexts()).toEqual([expect.stringMatching(/^Вопрос 6: /)]);
  for (const key of ITEMS.filter((k) => k !== 'competence')) {
    expect(await page.locator(`#q-${key}-${ANSWERS[key]}`).isChecked()).toBe(true);
  }
  expect(await page.locator('#q-competence-1').getAttribute('aria-invalid')).toBe('true');
  expect(await page.locator('#q-competence-1').getAttribute('aria-describedby')).toBe('q-competence-error');
  expect(await page.locator('#comment').inputValue()).toBe(COMMENT);
  await expectAssetsApplied();
  await shoot('questionnaire-errors');
  await expectAccessible('questionnaire-errors');

  // Fix it by keyboard: the summary's link leads to question 6, then on to the button.
  expect(await tab()).toMatchObject({ tag: 'a', text: expect.stringMatching(/^Вопрос 6: /) });
  await page.keyboard.press('Enter');
  await page.waitForFunction('document.activeElement && document.activeElement.id === "q-competence"', undefined, { timeout: 5_000 });
  await answerByKeyboard('competence', ANSWERS.competence);
  expect(await tab()).toMatchObject({ id: `q-overall-${ANSWERS.overall}`, checked: true });
  expect(await tab()).toMatchObject({ tag: 'textarea', id: 'comment' });
  expect(await tab()).toMatchObject({ tag: 'button', text: 'Отправить ответы' });
  await Promise.all([page.waitForURL(`${baseUrl}/q/${tokens.answers}/thanks`), page.keyboard.press('Enter')]);

  expect(await h1()).toBe('Спасибо! Ваши ответы приняты');
  await expectAssetsApplied();
  await shoot('questionnaire-thanks');
  await expectAccessible('questionnaire-thanks');
  timings.answered = Date.now() - started;
});

test('the answer is stored, the workflow closes the link, and the link then says it was answered', async () => {
  const link = await tdb.db.invitationLink.findUniqueOrThrow({ where: { tokenHash: tokenHash(tokens.answers) }, include: { invitation: true } });
  expect(link.invitation.receiptId).toBe(receipts.answers.id);
  const responses = await tdb.db.response.findMany({ where: { invitationId: link.invitationId } });
  expect(responses).toHaveLength(1);
  expect(responses[0]).toMatchObject({
    linkId: link.id,
    round: 1,
    questionnaireVersion: 1,
    info: 5, process: 4, comfort: 1, accessibility: null, courtesy: 5, competence: 4, overall: 5,
    score: (5 + 4 + 1 + 5 + 4 + 5) / 6,
    comment: COMMENT,
  });

  const handle = env.client.workflow.getHandle(receipts.answers.workflowId);
  expect(await handle.result()).toEqual({ status: 'closed', reason: 'completed', rounds: 1 });
  const invitation = await tdb.db.invitation.findUniqueOrThrow({ where: { receiptId: receipts.answers.id } });
  expect(invitation).toMatchObject({ status: 'closed', closeReason: 'completed' });
  timings.workflowCompleted = Date.now() - started;

  const again = await page.goto(`${baseUrl}/q/${tokens.answers}`);
  expect(again?.status()).toBe(409);
  expect(await h1()).toBe('Вы уже ответили на вопросы анкеты');
  await expectAssetsApplied();
  await shoot('link-answered');
  await expectAccessible('link-answered');
});

test('a link whose service ended, a withdrawn receipt and an unknown token each get their page', async () => {
  // Closed by the workflow when the long service ended (a real timer, 4–5 s after the receipt).
  const ended = await until('long service closed', async () => {
    const r = await api(integrator, 'GET', `/v1/receipts/${receipts.ended.id}`);
    return r.body.invitation.status === 'closed' ? r.body.invitation : null;
  });
  expect(ended.closeReason).toBe('service_ended');
  const closed = await page.goto(`${baseUrl}/q/${tokens.ended}`);
  expect(closed?.status()).toBe(410);
  expect(await h1()).toBe('Срок ответа истёк');
  await expectAssetsApplied();
  await shoot('link-closed');
  await expectAccessible('link-closed');

  // Withdrawn by the integrator after the e-mail went out.
  expect((await api(integrator, 'POST', `/v1/receipts/${receipts.withdrawn.id}/cancel`)).status).toBe(200);
  expect(await env.client.workflow.getHandle(receipts.withdrawn.workflowId).result()).toMatchObject({ status: 'withdrawn', reason: 'withdrawn' });
  const withdrawn = await page.goto(`${baseUrl}/q/${tokens.withdrawn}`);
  expect(withdrawn?.status()).toBe(410);
  expect(await h1()).toBe('Приглашение отозвано');
  await expectAssetsApplied();
  await shoot('link-withdrawn');
  await expectAccessible('link-withdrawn');

  const unknown = await page.goto(`${baseUrl}/q/${randomBytes(32).toString('base64url')}`);
  expect(unknown?.status()).toBe(404);
  expect(await h1()).toBe('Ссылка не найдена');
  await expectAssetsApplied();
  await shoot('link-unknown');
  await expectAccessible('link-unknown');
  timings.statusPages = Date.now() - started;
});

test('unsubscribing by keyboard: confirm page, then done page; the workflow hears of it', async () => {
  const confirm = await page.goto(`${baseUrl}/u/${tokens.unsubscribes}`);
  expect(confirm?.status()).toBe(200);
  expect(await h1()).toBe('Отписаться от писем');
  await expectAssetsApplied();
  await shoot('unsubscribe-confirm');
  await expectAccessible('unsubscribe-confirm');
  // A GET changes nothing (mail scanners follow links).
  const link = () => tdb.db.invitationLink.findUniqueOrThrow({ where: { tokenHash: tokenHash(tokens.unsubscribes) } });
  expect((await link()).unsubscribedAt).toBeNull();

  expect(await tab()).toMatchObject({ className: 'skip-link' });
  expect(await tab()).toMatchObject({ tag: 'button', text: 'Отписаться от писем' });
  const [done] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST' && r.url().endsWith(`/u/${tokens.unsubscribes}`)),
    page.waitForEvent('load'),
    page.keyboard.press('Enter'),
  ]);
  expect(done.status()).toBe(200);
  expect(await h1()).toBe('Вы отписались от писем');
  await expectAssetsApplied();
  await shoot('unsubscribe-done');
  await expectAccessible('unsubscribe-done');

  expect((await link()).unsubscribedAt).toBeInstanceOf(Date);
  const handle = env.client.workflow.getHandle(receipts.unsubscribes.workflowId);
  await until('workflow unsubscribed', async () => (await handle.query(stateQuery)).unsubscribed);
  timings.unsubscribed = Date.now() - started;
});

test('a link that is not active yet gets its page (state staged in the database)', async () => {
  // No e-mail can carry a link before activation (links are created and mailed only then),
  // so this page is reached by putting an existing invitation back to `pending`.
  await tdb.db.invitation.update({ where: { receiptId: receipts.unsubscribes.id }, data: { status: 'pending' } });
  const notYet = await page.goto(`${baseUrl}/q/${tokens.unsubscribes}`);
  expect(notYet?.status()).toBe(409);
  expect(await h1()).toBe('Анкета ещё не открыта');
  await expectAssetsApplied();
  await shoot('link-not-yet-active');
  await expectAccessible('link-not-yet-active');
  timings.total = Date.now() - started;
});
