/** The questionnaire page without a browser: the form post cycle, status pages, unsubscribe, assets. */
import { createTestApp, type TestApp } from './app-helper';
import { openLink } from './citizen-helper';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => t?.close());

const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
const FORM_HEADERS = { 'content-type': 'application/x-www-form-urlencoded' };
const GOOD = { info: '5', process: '4', comfort: '3', accessibility: 'na', courtesy: '5', competence: '4', overall: '5' };

test('the page is Russian HTML under a strict CSP; a form post answers and leads to the thank-you page', async () => {
  const { token, invitationId } = await openLink(t);
  const page = await t.call(null, { method: 'GET', url: `/q/${token}` });
  expect(page.statusCode).toBe(200);
  expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
  expect(page.headers['content-security-policy']).toContain("script-src 'self'");
  expect(page.body).toContain('<html lang="ru"');
  expect(page.body).toContain(`action="/q/${token}"`);
  expect(page.body).toContain(`href="/u/${token}"`);
  expect(page.body.match(/<fieldset/g)).toHaveLength(7);

  const posted = await t.call(null, { method: 'POST', url: `/q/${token}`, headers: FORM_HEADERS, payload: form({ ...GOOD, comment: 'Всё хорошо,\r\nспасибо' }) });
  expect(posted.statusCode).toBe(303);
  expect(posted.headers.location).toBe(`/q/${token}/thanks`);
  const response = await t.tdb.db.response.findFirstOrThrow({ where: { invitationId } });
  expect(response).toMatchObject({ info: 5, process: 4, comfort: 3, accessibility: null, courtesy: 5, competence: 4, overall: 5, comment: 'Всё хорошо,\nспасибо' });
  const thanks = await t.call(null, { method: 'GET', url: `/q/${token}/thanks` });
  expect(thanks.statusCode).toBe(200);
  expect(thanks.body).toContain('Спасибо');

  const again = await t.call(null, { method: 'GET', url: `/q/${token}` });
  expect(again.statusCode).toBe(409);
  expect(again.body).not.toContain('<fieldset');
  const twice = await t.call(null, { method: 'POST', url: `/q/${token}`, headers: FORM_HEADERS, payload: form(GOOD) });
  expect(twice.statusCode).toBe(409);
  expect(await t.tdb.db.response.count({ where: { invitationId } })).toBe(1);
});

test('an incomplete form comes back with the choices kept and the errors next to their fields', async () => {
  const { token, invitationId } = await openLink(t);
  const { overall: _missing, ...partial } = GOOD;
  const res = await t.call(null, { method: 'POST', url: `/q/${token}`, headers: FORM_HEADERS, payload: form({ ...partial, competence: 'na', comment: 'черновик' }) });
  expect(res.statusCode).toBe(422);
  expect(res.body).toContain('role="alert"');
  expect(res.body).toContain('href="#q-overall"');
  expect(res.body).toContain('href="#q-competence"');
  expect(res.body).toMatch(/name="info" value="5"[^>]*checked/);
  expect(res.body).toContain('черновик');
  expect(await t.tdb.db.response.count({ where: { invitationId } })).toBe(0);
  // the thanks page of an unanswered link sends the citizen back to the form
  const early = await t.call(null, { method: 'GET', url: `/q/${token}/thanks` });
  expect(early.statusCode).toBe(303);
  expect(early.headers.location).toBe(`/q/${token}`);
});

test('links that cannot be used say why, with a fitting status', async () => {
  const unknown = await t.call(null, { method: 'GET', url: `/q/${'Z'.repeat(43)}` });
  expect(unknown.statusCode).toBe(404);
  expect(unknown.body).toContain('lang="ru"');
  const closed = await openLink(t);
  await t.tdb.db.invitation.update({ where: { id: closed.invitationId }, data: { status: 'closed', closeReason: 'expired', closedAt: new Date() } });
  expect((await t.call(null, { method: 'GET', url: `/q/${closed.token}` })).statusCode).toBe(410);
  expect((await t.call(null, { method: 'POST', url: `/q/${closed.token}`, headers: FORM_HEADERS, payload: form(GOOD) })).statusCode).toBe(410);
  const withdrawn = await openLink(t);
  await t.call(t.keys.integrator, { method: 'POST', url: `/v1/receipts/${withdrawn.receiptId}/cancel` });
  const page = await t.call(null, { method: 'GET', url: `/q/${withdrawn.token}` });
  expect(page.statusCode).toBe(410);
  expect(page.body).not.toBe(unknown.body);
});

test('unsubscribing: the GET only asks, the POST unsubscribes', async () => {
  const { token, invitationId } = await openLink(t);
  const ask = await t.call(null, { method: 'GET', url: `/u/${token}` });
  expect(ask.statusCode).toBe(200);
  expect(ask.body).toContain('method="post"');
  expect((await t.tdb.db.invitationLink.findFirstOrThrow({ where: { invitationId } })).unsubscribedAt).toBeNull();
  const done = await t.call(null, { method: 'POST', url: `/u/${token}`, headers: FORM_HEADERS, payload: '' });
  expect(done.statusCode).toBe(200);
  expect((await t.tdb.db.invitationLink.findFirstOrThrow({ where: { invitationId } })).unsubscribedAt).not.toBeNull();
  expect((await t.call(null, { method: 'GET', url: `/u/${'Z'.repeat(43)}` })).statusCode).toBe(404);
  expect((await t.call(null, { method: 'POST', url: `/u/${'Z'.repeat(43)}` })).statusCode).toBe(404);
});

test('the page\'s stylesheet and script are served with caching headers and ETags', async () => {
  for (const [path, type] of [['/assets/questionnaire.css', 'text/css'], ['/assets/questionnaire.js', 'text/javascript']]) {
    const res = await t.call(null, { method: 'GET', url: path });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain(type);
    const etag = res.headers.etag as string;
    expect((await t.call(null, { method: 'GET', url: path, headers: { 'if-none-match': etag } })).statusCode).toBe(304);
  }
  expect((await t.call(null, { method: 'GET', url: '/assets/../package.json' })).statusCode).toBe(404);
});
