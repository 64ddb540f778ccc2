/**
 * The participants' cabinet in a real browser, signed in through the real local OpenID
 * provider that `npm start` runs (src/embedded/oidc-provider.ts), through real redirects:
 * `src/start.ts` against this test's PostgreSQL (the golden data set, scored) and a
 * Temporal dev server, Chromium driven by playwright-core.
 *
 * Checks what a participant would: each role signs in and sees its scope; the figures on
 * the page equal the report API's for the same scope; a region cannot reach another
 * region's pages by editing the URL; the CSV export holds the table's rows; sign-out ends
 * the session; a deactivated participant is refused; the pages pass axe-core and the main
 * path works with the keyboard alone. Screenshots go to test-artifacts/cabinet/.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { createActivities } from '../../activities';
import { OutboxMailer } from '../../src/mail/outbox-mailer';
import { createApiKey } from '../../src/keys';
import { Secrets } from '../../src/security';
import { launchChromium, runAxe, seriousViolations } from '../helpers/browser';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import ExcelJS from 'exceljs';
import { FINAL_PERIODS, generateGoldenData, insertGoldenData, NOW, PROVISIONAL_PERIOD, quarterBounds, quarterOf, type GoldenData } from '../helpers/golden-data';
import { exited, freePort, startTemporalServer, spawnProduct, until, type Proc } from '../helpers/processes';

jest.setTimeout(240_000);

const ARTIFACTS = resolve(__dirname, '..', '..', 'test-artifacts', 'cabinet');
const PERIOD = '2026-Q3'; // a final quarter of the golden data: the same figures whatever today is

let tdb: TestDatabase;
let data: GoldenData;
let temporal: ChildProcess;
let app: Proc;
let base: string;
let issuer: string;
let browser: Browser;
let dataDir: string;
let regionKey: string;
let commented: GoldenData['orgs'][number];
let federalKey: string;

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  tdb = await createTestDatabase('cabinet');
  data = generateGoldenData(20261123);
  await insertGoldenData(tdb.url, data);
  const silent = { info() {}, warn() {} };
  const activities = createActivities({
    db: tdb.db, mailer: new OutboxMailer(tdb.db, silent), secrets: new Secrets(process.env.PII_HASH_KEY!), publicBaseUrl: 'http://x', log: silent, clock: () => new Date(NOW),
  });
  for (const period of FINAL_PERIODS) await activities.computeSnapshots({ period, final: true, trigger: 'admin' });
  await activities.computeSnapshots({ period: PROVISIONAL_PERIOD, final: false, trigger: 'provisional' });
  // Comments on every response of one organisation of region 42 in the quarter, one naming a person.
  commented = data.orgs.find((o) => o.region === '42' && data.responses.filter((r) => r.orgId === o.id && quarterOf(r.submittedAt) === PERIOD).length >= 6)!;
  await tdb.db.$executeRawUnsafe(
    `UPDATE response SET comment = CASE WHEN row_number = 1 THEN 'Спасибо врачу Иванову Ивану Петровичу, звоните +7 913 123-45-67' ELSE 'Долго ждали в очереди № ' || row_number END
     FROM (SELECT id AS rid, row_number() OVER (ORDER BY id) AS row_number FROM response WHERE organization_id = $1::uuid AND submitted_at >= $2 AND submitted_at < $3) n WHERE id = n.rid`,
    commented.id, new Date(quarterBounds(PERIOD).start), new Date(quarterBounds(PERIOD).end),
  );
  regionKey = (await createApiKey(tdb.db, { role: 'region', name: 'region 42 (test)', regions: ['42'] })).key;
  federalKey = (await createApiKey(tdb.db, { role: 'federal', name: 'federal (test)' })).key;

  const temporalPort = await freePort();
  dataDir = mkdtempSync(join(tmpdir(), 'feedback-cabinet-'));
  temporal = await startTemporalServer(temporalPort, join(dataDir, 'temporal.db'));
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  app = spawnProduct('src/start.ts', [], {
    DATABASE_URL: tdb.url,
    TEMPORAL_ADDRESS: `127.0.0.1:${temporalPort}`,
    PORT: String(port),
    PUBLIC_BASE_URL: base,
    EMBEDDED_OIDC_PORT: String(await freePort()),
    DATA_DIR: dataDir,
    NODE_ENV: 'development',
    LOG_LEVEL: 'warn',
    REPORT_MIN_RESPONSES: '5',
  });
  await until('the banner', () => /Sign in as/.test(app.log.join('')), 150_000).catch((err: Error) => {
    throw new Error(`${err.message}\n${app.log.join('').slice(-3000)}`);
  });
  issuer = /local OpenID provider (http:\/\/[^\s)]+)/.exec(app.log.join(''))![1];
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  if (app) {
    app.proc.kill('SIGTERM');
    await Promise.race([exited(app.proc), new Promise((r) => setTimeout(r, 20_000).unref())]);
    app.proc.kill('SIGKILL');
  }
  temporal?.kill('SIGKILL');
  await tdb?.drop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

async function signIn(login: string, path = '/cabinet'): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ locale: 'ru-RU', acceptDownloads: true });
  const page = await context.newPage();
  await page.goto(`${base}${path}`);
  // The cabinet sent us to the provider's sign-in page.
  expect(page.url().startsWith(issuer)).toBe(true);
  await page.selectOption('#login', login);
  await page.fill('#password', 'demo');
  await Promise.all([page.waitForURL((url) => url.href.startsWith(base)), page.click('button[type=submit]')]);
  return { context, page };
}

async function api(key: string, path: string): Promise<{ rows: { name: string; satisfaction: number | null; coverage: number | null; responses: number; key: Record<string, string> }[] }> {
  const res = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${key}` } });
  expect(res.status).toBe(200);
  return res.json() as never;
}

/** The breakdown table as the page shows it: name → [coverage, satisfaction, responses] as displayed text. */
async function tableRows(page: Page, selector = '#figures'): Promise<Map<string, string[]>> {
  const rows = await page.$$eval(`${selector} tbody tr`, (trs) =>
    trs.map((tr) => [tr.querySelector('th a')?.textContent ?? tr.querySelector('th')!.textContent!, ...[...tr.querySelectorAll('td')].map((td) => td.textContent!.trim())]),
  );
  return new Map(rows.map(([name, ...cells]) => [name.trim(), cells]));
}

const shown = (v: number | null, digits = 2) => (v === null ? '—' : v.toLocaleString('ru-RU', { minimumFractionDigits: digits, maximumFractionDigits: digits }));

test('a region principal signs in through the provider and sees its organisations, with the API\'s figures', async () => {
  const { context, page } = await signIn('demo-region-42', `/cabinet?period=${PERIOD}`);
  expect(new URL(page.url()).pathname).toBe('/cabinet');
  await expect(page.textContent('h1')).resolves.toContain('Показатели');

  const fromApi = await api(regionKey, `/v1/reports/indicators?period=${PERIOD}&groupBy=organization&region=42`);
  const onPage = await tableRows(page);
  expect(fromApi.rows.length).toBeGreaterThan(0);
  expect(onPage.size).toBe(fromApi.rows.length);
  for (const row of fromApi.rows) {
    const cells = onPage.get(row.name);
    expect(cells).toBeDefined();
    expect(cells![0]).toContain(shown(row.coverage));
    if (row.satisfaction !== null) expect(cells![1]).toContain(shown(row.satisfaction));
    expect(cells![3]).toBe(String(row.responses));
  }
  // The chart's points are the history API's numbers.
  const history = (await (await fetch(`${base}/v1/reports/indicators/history?from=2025-Q2&to=${PERIOD}&groupBy=region&region=42`, { headers: { authorization: `Bearer ${regionKey}` } })).json()) as {
    series: { points: { period: string; satisfaction: number | null }[] }[];
  };
  const points = await page.$$eval('svg.chart circle', (cs) => cs.map((c) => [c.getAttribute('data-period'), Number(c.getAttribute('data-value'))] as const));
  const expected = history.series[0].points.filter((p) => p.satisfaction !== null).map((p) => [p.period, p.satisfaction] as const);
  expect(points).toEqual(expected);

  expect(seriousViolations(await runAxe(page))).toEqual([]);
  await page.screenshot({ path: join(ARTIFACTS, 'overview-region.png'), fullPage: true });

  // The other breakdowns II.12 gives a region: by type, by sector, each the API's rows.
  for (const [by, label] of [['organizationType', 'Типы организаций'], ['sector', 'Сферы']] as const) {
    await page.click(`nav[aria-label="Разрез"] >> text=${label}`);
    await page.waitForURL(new RegExp(`by=${by}`));
    const rows = await api(regionKey, `/v1/reports/indicators?period=${PERIOD}&groupBy=${by}&region=42`);
    expect([by, new Set((await tableRows(page)).keys())]).toEqual([by, new Set(rows.rows.map((r) => r.name))]);
  }
  await page.goto(`${base}/cabinet?period=${PERIOD}`);

  // Sorting by satisfaction, worst first, as the header link does.
  await page.goto(`${base}/cabinet?period=${PERIOD}&sort=satisfaction&dir=asc`);
  const sorted = [...(await tableRows(page)).values()].map((c) => c[1]).filter((c) => /\d/.test(c)).map((c) => Number(c.replace(/[^\d,]/g, '').replace(',', '.')));
  expect(sorted).toEqual([...sorted].sort((a, b) => a - b));
  await context.close();
});

test('a region principal cannot reach another region by editing the URL', async () => {
  const { context, page } = await signIn('demo-region-42');
  const foreign = data.orgs.find((o) => o.region !== '42')!;
  const own = data.orgs.find((o) => o.region === '42')!;
  for (const path of [`/cabinet?region=${foreign.region}`, `/cabinet/organizations/${foreign.code}`, `/cabinet/export.csv?region=${foreign.region}`]) {
    const res = await page.goto(`${base}${path}`);
    expect([path, res!.status()]).toEqual([path, 403]);
    await expect(page.textContent('h1')).resolves.toBe('Нет доступа');
    expect(await page.content()).not.toContain(foreign.name);
  }
  const res = await page.goto(`${base}/cabinet/organizations/${own.code}?period=${PERIOD}`);
  expect(res!.status()).toBe(200);
  await expect(page.textContent('h1')).resolves.toBe(own.name);
  expect(seriousViolations(await runAxe(page))).toEqual([]);
  await page.screenshot({ path: join(ARTIFACTS, 'organization.png'), fullPage: true });
  await context.close();
});

test('the CSV export holds the table\'s rows, for a Russian-locale spreadsheet', async () => {
  const { context, page } = await signIn('demo-region-42', `/cabinet?period=${PERIOD}`);
  const onPage = await tableRows(page);
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('a[href^="/cabinet/export.csv"]')]);
  const text = await new Promise<string>((resolveText, reject) => {
    void download.createReadStream().then((stream) => {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => resolveText(Buffer.concat(chunks).toString('utf8')));
      stream.on('error', reject);
    });
  });
  expect(text.startsWith('\uFEFF')).toBe(true);
  const lines = text.slice(1).trim().split('\r\n');
  expect(lines[0].split(';')).toContain('Удовлетворённость');
  const names = lines.slice(1).map((l) => (l.startsWith('"') ? l.slice(1, l.indexOf('";')) : l.split(';')[0]).replace(/""/g, '"'));
  expect(new Set(names)).toEqual(new Set(onPage.keys()));

  // The XLSX: the same rows, numbers as numbers.
  const fromApi = await api(regionKey, `/v1/reports/indicators?period=${PERIOD}&groupBy=organization&region=42`);
  const [xlsxDownload] = await Promise.all([page.waitForEvent('download'), page.click('a[href^="/cabinet/export.xlsx"]')]);
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.readFile((await xlsxDownload.path())!);
  const sheet = workbook.worksheets[0];
  const header = (sheet.getRow(1).values as unknown[]).slice(1);
  const col = (name: string) => header.indexOf(name) + 1;
  const fromXlsx = new Map<string, number | null>();
  sheet.eachRow((row, n) => {
    if (n > 1) fromXlsx.set(String(row.getCell(col('Наименование')).value), (row.getCell(col('Удовлетворённость')).value as number | null) ?? null);
  });
  expect(fromXlsx.size).toBe(fromApi.rows.length);
  for (const row of fromApi.rows) expect([row.name, fromXlsx.get(row.name)]).toEqual([row.name, row.satisfaction]);
  await context.close();
});

test('rankings within a region and type are the API\'s; an organisation page shows its comments masked', async () => {
  const { context, page } = await signIn('demo-region-42');
  const type = commented.type;
  await page.goto(`${base}/cabinet/rankings?period=${PERIOD}&region=42&type=${type}`);
  const ranked = (await (await fetch(`${base}/v1/reports/rankings?period=${PERIOD}&region=42&organizationType=${type}&limit=10`, { headers: { authorization: `Bearer ${regionKey}` } })).json()) as {
    best: { name: string; rank: number }[];
    worst: { name: string; rank: number }[];
  };
  const names = (id: string) => page.$$eval(`#${id} tbody th`, (ths) => ths.map((th) => th.textContent!.trim()));
  expect(await names('best')).toEqual(ranked.best.map((r) => r.name));
  expect(await names('worst')).toEqual(ranked.worst.map((r) => r.name));
  expect(seriousViolations(await runAxe(page))).toEqual([]);
  await page.screenshot({ path: join(ARTIFACTS, 'rankings.png'), fullPage: true });

  await page.goto(`${base}/cabinet/organizations/${commented.code}?period=${PERIOD}`);
  const shownComments = await page.$$eval('#comments li', (lis) => lis.map((li) => li.textContent!.trim()));
  const fromApi = (await (await fetch(`${base}/v1/reports/comments?period=${PERIOD}&organization=${commented.code}&limit=20`, { headers: { authorization: `Bearer ${regionKey}` } })).json()) as { comments: { text: string }[] };
  expect(shownComments.length).toBeGreaterThan(0);
  expect(shownComments).toEqual(fromApi.comments.map((c) => c.text));
  const html = await page.content();
  expect(html).not.toContain('Иванову Ивану Петровичу');
  expect(html).not.toContain('123-45-67');
  expect(seriousViolations(await runAxe(page))).toEqual([]);
  await context.close();
});

test('a federal principal sees every region and drills down into one; keyboard only', async () => {
  const { context, page } = await signIn('demo-federal', `/cabinet?period=${PERIOD}`);
  const fromApi = await api(federalKey, `/v1/reports/indicators?period=${PERIOD}&groupBy=region`);
  expect(new Set((await tableRows(page)).keys())).toEqual(new Set(fromApi.rows.map((r) => r.name)));
  await page.screenshot({ path: join(ARTIFACTS, 'overview-federal.png'), fullPage: true });
  // Tab to the region 42 link and press Enter.
  const target = fromApi.rows.find((r) => r.key.region === '42')!.name;
  let focused = '';
  for (let i = 0; i < 60 && focused !== target; i++) {
    await page.keyboard.press('Tab');
    focused = await page.evaluate('document.activeElement?.textContent?.trim() ?? ""');
  }
  expect(focused).toBe(target);
  await Promise.all([page.waitForURL(/region=42/), page.keyboard.press('Enter')]);
  await expect(page.textContent('h1')).resolves.toContain(target);
  expect(seriousViolations(await runAxe(page))).toEqual([]);
  await context.close();
});

test('the head of an organisation sees only that organisation', async () => {
  const { context, page } = await signIn('demo-organization');
  await expect(page.textContent('h1')).resolves.toContain('Показатели');
  expect(await page.$('#figures')).toBeNull(); // no breakdown below an organisation
  const own = data.orgs.find((o) => o.region === '42')!;
  expect((await page.goto(`${base}/cabinet/organizations/${own.code}`))!.status()).toBe(403);
  expect((await page.goto(`${base}/cabinet?region=42`))!.status()).toBe(403);
  expect(seriousViolations(await runAxe(page))).toEqual([]);
  await context.close();
});

test('sign-out needs the form\'s CSRF token, ends the session, and the next visit asks to sign in again', async () => {
  const { context, page } = await signIn('demo-admin');
  const forged = await page.request.post(`${base}/cabinet/logout`, { form: { _csrf: 'forged' }, maxRedirects: 0 });
  expect(forged.status()).toBe(403);
  expect((await page.goto(`${base}/cabinet`))!.url().startsWith(base)).toBe(true); // still signed in

  await page.click('form[action="/cabinet/logout"] button');
  await page.waitForURL((url) => url.href.startsWith(issuer));
  await Promise.all([page.waitForURL((url) => url.href.startsWith(base)), page.click('button[name=logout]')]);
  expect(new URL(page.url()).pathname).toBe('/cabinet/signed-out');
  await page.goto(`${base}/cabinet`);
  expect(page.url().startsWith(issuer)).toBe(true);
  await expect(page.isVisible('#password')).resolves.toBe(true);
  await context.close();
});

test('a deactivated participant loses an open session at once and is refused at sign-in', async () => {
  const { context, page } = await signIn('demo-admin');
  await tdb.db.participant.update({ where: { subject: 'demo-admin' }, data: { deactivatedAt: new Date() } });
  try {
    // The cabinet's session no longer counts: back to the provider, which still knows the
    // person (its own session) and answers at once; the cabinet then refuses them.
    const res = await page.goto(`${base}/cabinet`);
    expect(res!.status()).toBe(403);
    await expect(page.textContent('h1')).resolves.toBe('Нет доступа');
    expect(await page.$('#figures, .cards')).toBeNull();
    // A fresh browser, password typed: refused the same way.
    const fresh = await browser.newContext();
    const second = await fresh.newPage();
    await second.goto(`${base}/cabinet`);
    await second.selectOption('#login', 'demo-admin');
    await second.fill('#password', 'demo');
    await Promise.all([second.waitForURL((url) => url.href.startsWith(base)), second.click('button[type=submit]')]);
    await expect(second.textContent('h1')).resolves.toBe('Нет доступа');
    await fresh.close();
  } finally {
    await tdb.db.participant.update({ where: { subject: 'demo-admin' }, data: { deactivatedAt: null } });
    await context.close();
  }
});

test('a wrong password stays on the provider\'s page', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${base}/cabinet`);
  await page.selectOption('#login', 'demo-federal');
  await page.fill('#password', 'wrong');
  await page.click('button[type=submit]');
  await expect(page.textContent('[role=alert]')).resolves.toContain('Неверный');
  expect(page.url().startsWith(issuer)).toBe(true);
  await context.close();
});

test('an administrator registers a participant, issues, rotates and revokes a key, and every action is in the audit', async () => {
  const { context, page } = await signIn('demo-admin', '/cabinet/admin');
  await expect(page.textContent('h1')).resolves.toBe('Администрирование');

  await page.goto(`${base}/cabinet/admin/participants`);
  await page.fill('#p-name', 'Министерство образования Новосибирской области');
  await page.selectOption('#p-role', 'region');
  await page.selectOption('#p-region', '54');
  await page.fill('#p-email', 'Minobr@NSO.test');
  await Promise.all([page.waitForURL(`${base}/cabinet/admin/participants`), page.click('form[action="/cabinet/admin/participants"] button')]);
  const added = await tdb.db.participant.findUniqueOrThrow({ where: { email: 'minobr@nso.test' } });
  expect(added).toMatchObject({ role: 'region', regions: ['54'], subject: null });
  expect(await page.textContent('#participants')).toContain('Министерство образования Новосибирской области');
  expect(seriousViolations(await runAxe(page))).toEqual([]);

  // A region participant without its region is refused with the reason, nothing stored.
  await page.fill('#p-name', 'Без региона');
  await page.selectOption('#p-role', 'region');
  await page.fill('#p-subject', 'nobody');
  await page.click('form[action="/cabinet/admin/participants"] button');
  await expect(page.textContent('[role=alert]')).resolves.toContain('--region');
  expect(await tdb.db.participant.findUnique({ where: { subject: 'nobody' } })).toBeNull();

  await page.goto(`${base}/cabinet/admin/keys`);
  await page.selectOption('#k-role', 'region');
  await page.fill('#k-name', 'Кузбасс: отчёты');
  await page.selectOption('#k-region', '42');
  await page.click('form[action="/cabinet/admin/keys"] button');
  const key = (await page.textContent('#new-key'))!.trim();
  const indicators = (k: string) => fetch(`${base}/v1/reports/indicators?period=${PERIOD}&groupBy=region`, { headers: { authorization: `Bearer ${k}` } }).then((r) => r.status);
  expect(await indicators(key)).toBe(200);
  await page.screenshot({ path: join(ARTIFACTS, 'admin-keys.png'), fullPage: true });
  await page.goto(`${base}/cabinet/admin/keys`);
  expect(await page.content()).not.toContain(key); // shown once only

  const keyRow = page.locator('#keys tbody tr', { hasText: 'Кузбасс: отчёты' });
  await keyRow.locator('form[action$="/rotate"] button').click();
  const rotated = (await page.textContent('#new-key'))!.trim();
  expect(rotated).not.toBe(key);
  expect([await indicators(rotated), await indicators(key)]).toEqual([200, 200]); // the old one works during the overlap
  await page.goto(`${base}/cabinet/admin/keys`);
  await page.locator('#keys tbody tr', { hasText: 'Кузбасс: отчёты' }).filter({ hasText: 'действует' }).first().locator('form[action$="/revoke"] button').click();
  await page.waitForURL(`${base}/cabinet/admin/keys`);

  await page.goto(`${base}/cabinet/admin/audit`);
  const audit = await page.textContent('#audit');
  for (const action of ['participant.create', 'key.create', 'key.rotate', 'key.revoke']) expect(audit).toContain(action);
  expect(audit).toContain('Администратор (демо)');

  // Every administration page passes axe-core; a screenshot of each.
  for (const name of ['admin', 'admin/participants', 'admin/keys', 'admin/scoring', 'admin/audit']) {
    await page.goto(`${base}/cabinet/${name}`);
    expect([name, seriousViolations(await runAxe(page))]).toEqual([name, []]);
    await page.screenshot({ path: join(ARTIFACTS, `${name.replace('/', '-')}.png`), fullPage: true });
  }
  await context.close();

  // Nobody else reaches these pages.
  const region = await signIn('demo-region-42', '/cabinet/admin/keys');
  expect(new URL(region.page.url()).pathname).toBe('/cabinet/admin/keys');
  await expect(region.page.textContent('h1')).resolves.toBe('Нет доступа');
  expect(await region.page.$('#keys')).toBeNull();
  await region.context.close();
});

test('the head of an organisation downloads the poster (II.7а); its QR code\'s page is public, Russian, accessible, and shows final figures only when not suppressed', async () => {
  const { readFile } = await import('node:fs/promises');
  const { parsePdf } = await import('../helpers/pdf');
  const { DEMO_ORGANIZATION } = await import('../../src/cabinet/participants');
  const publicUrl = `${base}/o/${DEMO_ORGANIZATION.code}`;

  // The poster from the link on the overview: one A4 page with the organisation and the URL.
  const { context, page } = await signIn('demo-organization');
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('a[href="/cabinet/poster.pdf"]')]);
  const poster = parsePdf(await readFile((await download.path())!));
  expect(poster.pages).toHaveLength(1);
  expect(poster.pages[0].mediaBox.map(Math.round)).toEqual([0, 0, 595, 842]);
  expect(poster.pages[0].text.replace(/\s+/g, ' ')).toContain(DEMO_ORGANIZATION.name);
  expect(poster.pages[0].text.split('\n')).toContain(publicUrl);
  const qr = await page.request.get(`${base}/cabinet/qr.svg`);
  expect([qr.status(), qr.headers()['content-type']]).toEqual([200, 'image/svg+xml; charset=utf-8']);
  // Not another organisation's, even by editing the URL.
  const other = data.orgs.find((o) => o.code !== DEMO_ORGANIZATION.code)!;
  expect((await page.request.get(`${base}/cabinet/poster.pdf?organization=${other.code}`)).status()).toBe(403);
  await context.close();

  // A region gets the posters of its own organisations only.
  const region = await signIn('demo-region-42');
  const own = data.orgs.find((o) => o.region === '42')!;
  const foreign = data.orgs.find((o) => o.region !== '42')!;
  const ownPoster = await region.page.request.get(`${base}/cabinet/poster.pdf?organization=${own.code}`);
  expect([ownPoster.status(), ownPoster.headers()['content-type']]).toEqual([200, 'application/pdf']);
  expect(parsePdf(await ownPoster.body()).pages[0].text.split('\n')).toContain(`${base}/o/${own.code}`);
  expect((await region.page.request.get(`${base}/cabinet/poster.pdf?organization=${foreign.code}`)).status()).toBe(403);
  await region.context.close();

  // The public page, as a visitor who scanned the code: no sign-in.
  const visitor = await browser.newContext({ locale: 'ru-RU' });
  const pub = await visitor.newPage();
  expect((await pub.goto(publicUrl))!.status()).toBe(200);
  expect(pub.url()).toBe(publicUrl);
  await expect(pub.textContent('h1')).resolves.toBe(DEMO_ORGANIZATION.name);
  await expect(pub.getAttribute('html', 'lang')).resolves.toBe('ru');
  expect(seriousViolations(await runAxe(pub))).toEqual([]);

  // Organisations of the golden data: the federal API's final figures of the last final
  // quarter are on the page when at or above the threshold, and absent when below it.
  const rows = (await api(federalKey, `/v1/reports/indicators?period=${PERIOD}&groupBy=organization`)).rows as {
    name: string; satisfaction: number | null; coverage: number | null; responses: number; lowResponses: boolean; key: Record<string, string>;
  }[];
  const shownRow = rows.filter((r) => !r.lowResponses).sort((a, b) => b.responses - a.responses)[0];
  expect((await pub.goto(`${base}/o/${shownRow.key.organization}`))!.status()).toBe(200);
  const figures = (await pub.textContent('#figures'))!.replace(/\s+/g, ' ');
  expect(figures).toContain(`${shown(shownRow.satisfaction)} из 5`);
  expect(figures).toContain(`${shown(shownRow.coverage, 1)} %`);
  expect(figures).toContain(`Число ответов ${shownRow.responses}`);
  expect(seriousViolations(await runAxe(pub))).toEqual([]);
  await pub.screenshot({ path: join(ARTIFACTS, 'public-page.png'), fullPage: true });
  const low = rows.find((r) => r.lowResponses && r.responses > 0)!; // the golden data has suppressed organisations
  await pub.goto(`${base}/o/${low.key.organization}`);
  expect(await pub.$('#figures')).toBeNull();
  await expect(pub.textContent('main')).resolves.toContain('не публикуются');
  const unknown = await pub.goto(`${base}/o/0000000000000`);
  expect(unknown!.status()).toBe(404);
  await expect(pub.textContent('h1')).resolves.toBe('Организация не найдена');
  await visitor.close();
});

test('an administrator imports organisations from a CSV file (all or nothing), deactivates one and sets a region\'s types; a region\'s administrator only its region', async () => {
  const { context, page } = await signIn('demo-admin', '/cabinet/admin/organizations?region=42');
  await expect(page.textContent('#organizations')).resolves.toContain(data.orgs.find((o) => o.region === '42')!.name);
  const upload = async (csv: string) => {
    await page.setInputFiles('#o-file', { name: 'organizations.csv', mimeType: 'text/csv', buffer: Buffer.from(`\uFEFF${csv}`) });
    await page.click('form[action="/cabinet/admin/organizations/import"] button');
    await page.waitForLoadState();
  };
  // A wrong row (an unknown type on row 3): the errors, and nothing stored.
  await upload('code;name;type;region;founderLevel\r\n4200000000101;"Школа № 101; корпус 2";general_education;42;municipal\r\n4200000000102;Детский сад № 7;no_such_type;42;municipal\r\n');
  await expect(page.textContent('#import-errors')).resolves.toContain('строка 3, столбец type');
  expect(await tdb.db.organization.count({ where: { code: { in: ['4200000000101', '4200000000102'] } } })).toBe(0);
  await upload('code;name;type;region;founderLevel\r\n4200000000101;"Школа № 101; корпус 2";general_education;42;municipal\r\n4200000000102;Детский сад № 7;preschool_education;42;municipal\r\n');
  await expect(page.textContent('[role=status]')).resolves.toContain('новых 2');
  expect((await tdb.db.organization.findUniqueOrThrow({ where: { code: '4200000000101' } })).name).toBe('Школа № 101; корпус 2');
  expect(seriousViolations(await runAxe(page))).toEqual([]);
  await page.screenshot({ path: join(ARTIFACTS, 'admin-organizations.png'), fullPage: true });

  // Deactivated: it takes no new receipts.
  await page.goto(`${base}/cabinet/admin/organizations?region=42`);
  await page.locator('#organizations tbody tr', { hasText: 'Детский сад № 7' }).locator('button').click();
  await page.waitForURL(/region=42/);
  await expect(page.locator('#organizations tbody tr', { hasText: 'Детский сад № 7' }).textContent()).resolves.toContain('отключена');
  const integrator = (await createApiKey(tdb.db, { role: 'integrator', name: 'mis-42', regions: ['42'], integrator: 'mis-42-cabinet' })).key;
  const receipt = await fetch(`${base}/v1/receipts`, {
    method: 'POST',
    headers: { authorization: `Bearer ${integrator}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      externalId: 'cabinet-deactivated-1', organization: '4200000000102', service: { kind: 'one_time', date: '2026-12-01' },
      recipient: { lastName: 'Иванова', firstName: 'Анна', middleName: 'Петровна', birthDate: '1980-04-01', snils: '112-233-445 95' },
    }),
  });
  expect(receipt.status).toBe(422);
  expect(((await receipt.json()) as { errors: { code: string }[] }).errors.map((e) => e.code)).toContain('organization_deactivated');

  // Region 54's types.
  await page.goto(`${base}/cabinet/admin/organizations?region=54`);
  await page.uncheck('input[name=type][value=sports]');
  await Promise.all([page.waitForURL(/region=54/), page.click('form[action="/cabinet/admin/regions/54/types"] button')]);
  const types54 = (await tdb.db.regionOrganizationType.findMany({ where: { regionCode: '54' } })).map((t) => t.typeCode);
  expect(types54).not.toContain('sports');
  await context.close();

  // A region's administrator: its region's organisations, nothing else.
  await tdb.db.participant.update({ where: { subject: 'demo-admin' }, data: { regions: ['42'] } });
  try {
    const regional = await signIn('demo-admin', '/cabinet/admin/organizations?region=54');
    expect(await regional.page.$$eval('#o-region option', (os) => os.map((o) => o.getAttribute('value')))).toEqual(['42']);
    await regional.page.setInputFiles('#o-file', { name: 'o.csv', mimeType: 'text/csv', buffer: Buffer.from('code,name,type,region,founderLevel\n5400000000101,Школа,general_education,54,municipal\n') });
    await regional.page.click('form[action="/cabinet/admin/organizations/import"] button');
    await regional.page.waitForLoadState();
    await expect(regional.page.textContent('#import-errors')).resolves.toContain('organization_out_of_scope');
    const keys = await regional.page.goto(`${base}/cabinet/admin/keys`);
    expect(keys!.status()).toBe(403);
    await regional.context.close();
  } finally {
    await tdb.db.participant.update({ where: { subject: 'demo-admin' }, data: { regions: [] } });
  }
});
