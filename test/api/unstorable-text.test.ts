/**
 * Text PostgreSQL cannot store (NUL, lone surrogates, bytes that are not UTF-8) is a 422 at
 * the field on every write endpoint, never a 500; nothing is stored; the value is never
 * echoed. A batch answers the bad item alone; the questionnaire page shows the error in
 * Russian next to the comment.
 */
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { UNSTORABLE_TEXT_MESSAGE } from '../../src/domain/text';
import { makeSnils } from '../helpers/people';
import { ORG, createTestApp, type TestApp } from './app-helper';
import { GOOD_ANSWERS, openLink } from './citizen-helper';
import { receiptBody } from './receipt-body';

let t: TestApp;
let token: string;
let longReceiptId: string;
beforeAll(async () => {
  t = await createTestApp();
  ({ token } = await openLink(t));
  const long = await t.call(t.keys.integrator, { method: 'POST', url: '/v1/receipts', payload: receiptBody({ service: { kind: 'long', start: '2025-09-01', end: null } }) });
  expect(long.statusCode).toBe(202);
  longReceiptId = long.json().id;
});
afterAll(async () => t?.close());

/** A marker no message contains by chance: it must never come back. */
const MARK = 'Зюзикова';
const NUL = `${MARK}\u0000`;
const HIGH = `${MARK}\ud800`;
const LOW = `\udfff${MARK}`;

/** A JSON body whose string `"@@"` is replaced by raw bytes that are not UTF-8. */
function rawJson(body: object, bytes: number[]): Buffer {
  const [before, after] = JSON.stringify(body).split('@@');
  return Buffer.concat([Buffer.from(before), Buffer.from(MARK), Buffer.from(bytes), Buffer.from(after)]);
}

async function rowCounts() {
  const db = t.tdb.db;
  const [receipts, accounts, organizations, regionTypes, responses] = await Promise.all([
    db.receipt.count(), db.account.count(), db.organization.count(), db.regionOrganizationType.count(), db.response.count(),
  ]);
  return { receipts, accounts, organizations, regionTypes, responses };
}

const json = (key: 'integrator' | 'admin' | 'federal' | null, method: 'POST' | 'PUT', url: () => string, payload: () => object | Buffer) => ({ key, method, url, payload });

/** [case, request, field paths] */
const CASES: [string, ReturnType<typeof json>, string[]][] = [
  ['receipt: NUL in externalId', json('integrator', 'POST', () => '/v1/receipts', () => receiptBody({ externalId: NUL })), ['externalId']],
  ['receipt: NUL in organization', json('integrator', 'POST', () => '/v1/receipts', () => receiptBody({ organization: `${ORG.code}\u0000` })), ['organization']],
  ['receipt: a lone high surrogate in the last name', json('integrator', 'POST', () => '/v1/receipts', () => receiptBody({ recipient: { ...receiptBody().recipient, lastName: HIGH } })), ['recipient.lastName']],
  ['receipt: a lone low surrogate in a representative\'s middle name', json('integrator', 'POST', () => '/v1/receipts', () => receiptBody({ representatives: [{ ...receiptBody().recipient, snils: makeSnils().formatted, middleName: LOW }] })), ['representatives.0.middleName']],
  ['receipt: NUL in the SNILS', json('integrator', 'POST', () => '/v1/receipts', () => receiptBody({ recipient: { ...receiptBody().recipient, snils: '112-233-445 95\u0000' } })), ['recipient.snils']],
  ['receipt: NUL in the service date', json('integrator', 'POST', () => '/v1/receipts', () => receiptBody({ service: { kind: 'one_time', date: '2026-01-10\u0000' } })), ['service.date']],
  ['receipt: bytes that are not UTF-8 in externalId', json('integrator', 'POST', () => '/v1/receipts', () => rawJson(receiptBody({ externalId: '@@' }), [0xff, 0xfe])), ['externalId']],
  ['receipt: an overlong encoding in the first name', json('integrator', 'POST', () => '/v1/receipts', () => rawJson(receiptBody({ recipient: { ...receiptBody().recipient, firstName: '@@' } }), [0xc0, 0x80])), ['recipient.firstName']],
  ['end of service: NUL in the date', json('integrator', 'POST', () => `/v1/receipts/${longReceiptId}/end`, () => ({ end: '2026-05-31\u0000' })), ['end']],
  ['accounts: NUL in the e-mail', json('admin', 'POST', () => '/v1/accounts', () => ({ accounts: [{ snils: makeSnils().formatted, email: `a\u0000@example.test`, confirmed: true }] })), ['accounts.0.email']],
  ['accounts: a lone surrogate in the second SNILS', json('admin', 'POST', () => '/v1/accounts', () => ({ accounts: [{ snils: makeSnils().formatted, email: 'a@example.test', confirmed: true }, { snils: HIGH, email: 'b@example.test', confirmed: true }] })), ['accounts.1.snils']],
  ['organisation: NUL in the name', json('admin', 'PUT', () => '/v1/organizations/1024200000777', () => ({ name: NUL, type: 'healthcare', region: '42', founderLevel: 'regional' })), ['name']],
  ['organisation: NUL in the type', json('admin', 'PUT', () => '/v1/organizations/1024200000777', () => ({ name: 'Больница', type: 'health\u0000care', region: '42', founderLevel: 'regional' })), ['type']],
  ['organisation: bytes that are not UTF-8 in the name', json('admin', 'PUT', () => '/v1/organizations/1024200000777', () => rawJson({ name: '@@', type: 'healthcare', region: '42', founderLevel: 'regional' }, [0xed, 0xa0, 0x80])), ['name']],
  ['organisation: NUL in the code (path)', json('admin', 'PUT', () => '/v1/organizations/10242%0000777', () => ({ name: 'Больница', type: 'healthcare', region: '42', founderLevel: 'regional' })), ['code']],
  ['region types: NUL in a type', json('admin', 'PUT', () => '/v1/regions/42/organization-types', () => ({ types: ['healthcare', 'sports\u0000'] })), ['types.1']],
  ['region types: NUL in the region (path)', json('admin', 'PUT', () => '/v1/regions/4%002/organization-types', () => ({ types: ['healthcare'] })), ['code']],
  ['answer: NUL in the comment', json(null, 'POST', () => `/v1/questionnaires/${token}/responses`, () => ({ answers: GOOD_ANSWERS, comment: `Всё хорошо ${NUL}` })), ['comment']],
  ['answer: a lone surrogate in the comment', json(null, 'POST', () => `/v1/questionnaires/${token}/responses`, () => ({ answers: GOOD_ANSWERS, comment: LOW })), ['comment']],
  ['answer: bytes that are not UTF-8 in the comment', json(null, 'POST', () => `/v1/questionnaires/${token}/responses`, () => rawJson({ answers: GOOD_ANSWERS, comment: '@@' }, [0x80])), ['comment']],
];

function send(key: string | null, options: InjectOptions): Promise<LightMyRequestResponse> {
  return t.call(key, { ...options, headers: { 'content-type': 'application/json', ...options.headers } });
}

function expectFieldProblem(res: LightMyRequestResponse, paths: string[]) {
  expect({ status: res.statusCode, type: res.headers['content-type'] }).toEqual({ status: 422, type: expect.stringMatching(/^application\/problem\+json/) });
  const errors = res.json().errors as { path: string; message: string }[];
  expect(errors.map((e) => e.path)).toEqual(paths);
  for (const e of errors) expect(e.message).toBe(UNSTORABLE_TEXT_MESSAGE);
  expect(res.body).not.toContain(MARK);
  expect(res.body).not.toContain('\\u0000');
}

describe('a write with text PostgreSQL cannot store is 422 at its field, and stores nothing', () => {
  test.each(CASES)('%s', async (_name, request, paths) => {
    const before = await rowCounts();
    const body = request.payload();
    const res = await send(request.key && t.keys[request.key], { method: request.method, url: request.url(), payload: Buffer.isBuffer(body) ? body : JSON.stringify(body) });
    expectFieldProblem(res, paths);
    expect(await rowCounts()).toEqual(before);
  });

  test('the same requests with storable text go through (the cases differ by that alone)', async () => {
    expect((await send(t.keys.integrator, { method: 'POST', url: '/v1/receipts', payload: receiptBody({ externalId: `${MARK}-ok` }) })).statusCode).toBe(202);
    expect((await send(t.keys.admin, { method: 'PUT', url: '/v1/organizations/1024200000777', payload: { name: MARK, type: 'healthcare', region: '42', founderLevel: 'regional' } })).statusCode).toBe(201);
    expect((await send(t.keys.integrator, { method: 'POST', url: `/v1/receipts/${longReceiptId}/end`, payload: { end: '2026-05-31' } })).statusCode).not.toBe(422);
  });
});

test('report filters with NUL are 422 at the parameter', async () => {
  for (const url of ['/v1/reports/indicators?organization=10242%00', '/v1/reports/funnel?region=4%002', '/v1/reports/rankings?region=42&organizationType=health%00care', '/v1/organizations?type=%00']) {
    const res = await t.call(t.keys.federal, { method: 'GET', url });
    expect([url, res.statusCode]).toEqual([url, 422]);
    expect((res.json().errors as { message: string }[]).map((e) => e.message)).toEqual([UNSTORABLE_TEXT_MESSAGE]);
  }
});

test('a batch with bad items among good ones stores the good ones and answers each bad one at its field', async () => {
  const before = await t.tdb.db.receipt.count();
  const items = [
    receiptBody(),
    receiptBody({ externalId: NUL }),
    receiptBody(),
    receiptBody({ organization: `${ORG.code}\u0000` }),
    receiptBody({ recipient: { ...receiptBody().recipient, lastName: HIGH } }),
    receiptBody(),
  ];
  const res = await t.call(t.keys.integrator, { method: 'POST', url: '/v1/receipts/batch', payload: { receipts: items } });
  expect(res.statusCode).toBe(200);
  const results = res.json().results as { index: number; externalId: string | null; status: string; errors?: { path: string; message: string }[] }[];
  expect(results.map((r) => [r.status, r.errors?.map((e) => e.path) ?? null])).toEqual([
    ['accepted', null],
    ['rejected', ['externalId']],
    ['accepted', null],
    ['rejected', ['organization']],
    ['rejected', ['recipient.lastName']],
    ['accepted', null],
  ]);
  // an externalId that is not one is not echoed
  expect(results.map((r) => r.externalId)).toEqual([items[0].externalId, null, items[2].externalId, items[3].externalId, items[4].externalId, items[5].externalId]);
  expect(res.body).not.toContain(MARK);
  expect(await t.tdb.db.receipt.count()).toBe(before + 3);
  for (const i of [0, 2, 5]) expect(await t.tdb.db.receipt.count({ where: { externalId: items[i].externalId } })).toBe(1);
});

describe('the questionnaire page', () => {
  const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
  const answers = 'info=5&process=4&comfort=4&accessibility=na&courtesy=5&competence=5&overall=4';

  test.each([
    ['NUL, percent-encoded', Buffer.from(`${answers}&comment=${encodeURIComponent('Спасибо')}%00${encodeURIComponent(' врачам')}`), 'Спасибо врачам'],
    ['a byte that is not UTF-8, percent-encoded', Buffer.from(`${answers}&comment=${encodeURIComponent('Спасибо')}%FF${encodeURIComponent(' врачам')}`), 'Спасибо врачам'],
    ['a raw lead byte without its continuation', Buffer.concat([Buffer.from(`${answers}&comment=${encodeURIComponent('Спасибо')}`), Buffer.from([0xc3, 0x28]), Buffer.from(encodeURIComponent(' врачам'))]), 'Спасибо( врачам'],
    ['an encoded surrogate', Buffer.from(`${answers}&comment=${encodeURIComponent('Спасибо')}%ED%A0%80${encodeURIComponent(' врачам')}`), 'Спасибо врачам'],
  ])('%s in the comment: the form again (422), the Russian error next to the comment, the text kept without it', async (_name, payload, kept) => {
    const { token: own, invitationId } = await openLink(t);
    const res = await t.call(null, { method: 'POST', url: `/q/${own}`, headers: FORM, payload });
    expect(res.statusCode).toBe(422);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.body).toMatch(/<p class="field-error" id="comment-error"><span class="visually-hidden">Ошибка: <\/span>В комментарии были недопустимые символы/);
    expect(res.body).toContain('href="#comment"');
    expect(res.body).toMatch(new RegExp(`<textarea[^>]*aria-invalid="true"[^>]*>${kept.replace('(', '\\(')}</textarea>`));
    expect(res.body).not.toContain('\u0000');
    expect(res.body).not.toContain('\ufffd');
    expect(res.body).toMatch(/name="info" value="5"[^>]*checked/);
    expect(await t.tdb.db.response.count({ where: { invitationId } })).toBe(0);

    // the page as shown posts fine
    const again = await t.call(null, { method: 'POST', url: `/q/${own}`, headers: FORM, payload: `${answers}&comment=${encodeURIComponent('Спасибо врачам')}` });
    expect(again.statusCode).toBe(303);
    expect((await t.tdb.db.response.findFirstOrThrow({ where: { invitationId } })).comment).toBe('Спасибо врачам');
  });
});
