/**
 * Bad input never breaks anything: fast-check drives over 10,000 generated requests through
 * the real app and a real database at every write endpoint and the report queries: huge
 * strings, deep nesting, wrong types, NUL, lone surrogates, bytes that are not UTF-8,
 * `__proto__` / `constructor` / `prototype` keys. After every request: no 5xx; an error is
 * problem+json (a Russian page on /q/…, /u/…) that does not repeat the values sent; a
 * rejected request stored no row; Object.prototype is untouched. At the end the heap
 * (after GC) is about where it started. `FUZZ_SCALE=0.1` runs a tenth of it; a failure
 * prints fast-check's seed, `FUZZ_SEED=<seed>` replays it.
 */
import { STATUS_CODES } from 'node:http';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import * as fc from 'fast-check';
import type { LightMyRequestResponse } from 'fastify';
import { GROUP_BY } from '../../src/domain/scope';
import {
  MARK, RECEIPT_TEXT_PATHS, answeredForm, formBody, hostileJson, hostileString, invalidForAnyTextField, mutatedJson, mutation,
  recentDate, snils, urlText, validAnswer, validReceipt, withJsonAt,
} from '../helpers/hostile';
import { ORG, createTestApp, type TestApp } from './app-helper';
import { openLink } from './citizen-helper';
import { receiptBody } from './receipt-body';

const SCALE = Number(process.env.FUZZ_SCALE ?? 1);
const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : undefined;
const runs = (n: number) => Math.max(1, Math.round(n * SCALE));
const OTHER_REGION_ORG = '1025400000001';
const JSON_TYPE = 'application/json';
const FORM_TYPE = 'application/x-www-form-urlencoded';

let t: TestApp;
let tokens: string[] = [];
let receiptIds: string[] = [];
let sent = 0;
let heapBefore = 0;

interface Req {
  method: 'GET' | 'POST' | 'PUT';
  url: string;
  key: string | null;
  contentType?: string;
  accept?: string;
  payload?: string | Buffer;
}

// ——— the invariants checked after every request ———

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
function heapAfterGc(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

const PROTOTYPES = [Object.prototype, Object.getPrototypeOf(STATUS_CODES) as object, Array.prototype, Function.prototype];
const prototypeKeys = PROTOTYPES.map((p) => Reflect.ownKeys(p).length);
function expectPrototypesIntact(context: string) {
  PROTOTYPES.forEach((p, i) => {
    if (Reflect.ownKeys(p).length !== prototypeKeys[i] || ({} as Record<string, unknown>).polluted !== undefined) {
      throw new Error(`prototype polluted after ${context}: ${Reflect.ownKeys(p).map(String).join(',')}`);
    }
  });
}

let rows = '';
async function rowCounts(): Promise<string> {
  const [counts] = await t.tdb.db.$queryRawUnsafe<Record<string, number>[]>(`SELECT
    (SELECT count(*) FROM receipt)::int AS receipt, (SELECT count(*) FROM receipt_person)::int AS person,
    (SELECT count(*) FROM invitation)::int AS invitation, (SELECT count(*) FROM account)::int AS account,
    (SELECT count(*) FROM organization)::int AS organization, (SELECT count(*) FROM region_organization_type)::int AS region_type,
    (SELECT count(*) FROM response)::int AS response, (SELECT count(*) FROM api_key)::int AS api_key`);
  return JSON.stringify(counts);
}

/** Whether the app sees a citizen page's path (as it sees it: `/q/..` is `/`). */
const isPage = (url: string) => /^\/[qu]\//.test(new URL(url, 'http://localhost').pathname);
const describeReq = (req: Req) => `${req.method} ${req.url.slice(0, 120)} (${req.contentType ?? 'no content type'}, ${req.payload?.length ?? 0} bytes)`;

async function send(req: Req): Promise<LightMyRequestResponse> {
  const headers: Record<string, string> = {};
  if (req.contentType) headers['content-type'] = req.contentType;
  if (req.accept) headers.accept = req.accept;
  const res = await t.call(req.key, { method: req.method, url: req.url, headers, payload: req.payload });
  sent++;
  const context = `${describeReq(req)} → ${res.statusCode}`;
  if (res.statusCode >= 500) throw new Error(`5xx: ${context}: ${res.body.slice(0, 300)}`);
  const type = res.headers['content-type'] ?? '';
  if (res.statusCode >= 400) {
    if (isPage(req.url) ? !String(type).startsWith('text/html') : !String(type).startsWith('application/problem+json')) throw new Error(`wrong error type ${type}: ${context}`);
    if (!isPage(req.url) && res.body.includes(MARK)) throw new Error(`the error repeats a value sent: ${context}: ${res.body.slice(0, 300)}`);
  }
  expectPrototypesIntact(context);
  if (req.method === 'GET') return res;
  const now = await rowCounts();
  if (res.statusCode >= 400 && now !== rows) throw new Error(`a rejected request stored rows: ${context}: ${rows} → ${now}`);
  rows = now;
  return res;
}

// ——— what is sent ———

/** The right key, now and then none or a wrong one. */
const keyOr = (key: () => string) => fc.oneof({ weight: 19, arbitrary: fc.constant(null).map(() => key()) }, { weight: 1, arbitrary: fc.constantFrom(null, 'sfk_wrong', 'x'.repeat(300)) });
/** A JSON body: a valid one with one mutation, or anything at all. */
const jsonBody = (valid: fc.Arbitrary<object>) => fc.oneof({ weight: 3, arbitrary: fc.tuple(valid, mutation).map(([v, m]) => mutatedJson(v, m)) }, { weight: 1, arbitrary: hostileJson });
const CONTENT_TYPES = [JSON_TYPE, `${JSON_TYPE}; charset=utf-8`, `${JSON_TYPE}; charset=iso-8859-1`, FORM_TYPE, 'text/plain', 'multipart/form-data; boundary=x', 'application/octet-stream', undefined];
const tokenSegment = () => fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...tokens) }, { weight: 1, arbitrary: urlText });
const receiptSegment = () => fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...receiptIds) }, { weight: 1, arbitrary: fc.uuid() }, { weight: 1, arbitrary: urlText });
const period = fc.oneof(fc.tuple(fc.integer({ min: 2019, max: 2030 }), fc.integer({ min: 1, max: 4 })).map(([y, q]) => `${y}-Q${q}`), hostileString);
const ORGANIZATION_TYPES = ['general_education', 'healthcare', 'mse_bureau', 'preschool_education', 'sports'];

/**
 * An answer closes its link's round; opening the rounds again after each one keeps every
 * generated answer going all the way to the INSERT (no worker runs, so nothing else closes them).
 */
async function reopenAnsweredRounds(res: LightMyRequestResponse) {
  if (res.statusCode !== 201 && res.statusCode !== 303) return;
  await t.tdb.db.$executeRawUnsafe('DELETE FROM response');
  await t.tdb.db.$executeRawUnsafe('UPDATE invitation_round SET completed_at = NULL');
  rows = await rowCounts();
}

const ENDPOINTS: [string, number, () => fc.Arbitrary<Req>, ((res: LightMyRequestResponse) => Promise<void>)?][] = [
  ['POST /v1/receipts', 1500, () =>
    fc.record({ key: keyOr(() => t.keys.integrator), payload: jsonBody(validReceipt([ORG.code, ORG.code, OTHER_REGION_ORG, '0000000000000'])) })
      .map(({ key, payload }) => ({ method: 'POST', url: '/v1/receipts', key, contentType: JSON_TYPE, payload }))],
  ['POST /v1/receipts/batch', 300, () =>
    fc.record({
      key: keyOr(() => t.keys.integrator),
      payload: fc.oneof(
        { weight: 4, arbitrary: fc.array(jsonBody(validReceipt([ORG.code, OTHER_REGION_ORG])), { maxLength: 6 }).map((items) => `{"receipts":[${items.join(',')}]}`) },
        { weight: 1, arbitrary: hostileJson },
      ),
    }).map(({ key, payload }) => ({ method: 'POST', url: '/v1/receipts/batch', key, contentType: JSON_TYPE, payload }))],
  ['POST /v1/receipts/{id}/cancel and /end', 600, () =>
    fc.record({
      key: keyOr(() => t.keys.integrator),
      id: receiptSegment(),
      action: fc.constantFrom('cancel', 'end', 'end', 'end'),
      payload: fc.option(jsonBody(fc.record({ end: fc.oneof(recentDate, hostileString) })), { nil: undefined }),
    }).map(({ key, id, action, payload }) => ({ method: 'POST', url: `/v1/receipts/${id}/${action}`, key, contentType: payload === undefined ? undefined : JSON_TYPE, payload }))],
  ['POST /v1/accounts', 700, () =>
    fc.record({
      key: keyOr(() => t.keys.admin),
      payload: jsonBody(fc.record({ accounts: fc.array(fc.record({ snils, email: fc.oneof(fc.emailAddress(), hostileString), confirmed: fc.boolean() }), { minLength: 1, maxLength: 4 }) })),
    }).map(({ key, payload }) => ({ method: 'POST', url: '/v1/accounts', key, contentType: JSON_TYPE, payload }))],
  ['PUT /v1/organizations/{code}', 700, () =>
    fc.record({
      key: keyOr(() => t.keys.admin),
      code: fc.oneof(fc.integer({ min: 1_000_000_000, max: 1_999_999_999 }).map((n) => `102${n}`), urlText),
      payload: jsonBody(fc.record({ name: fc.oneof(fc.constantFrom('МБОУ «Школа № 5»', 'ГБУЗ «Больница»'), hostileString), type: fc.constantFrom(...ORGANIZATION_TYPES, 'zoo'), region: fc.constantFrom('42', '54', '16', '00'), founderLevel: fc.constantFrom('federal', 'regional', 'municipal', 'private') })),
    }).map(({ key, code, payload }) => ({ method: 'PUT', url: `/v1/organizations/${code}`, key, contentType: JSON_TYPE, payload }))],
  ['PUT /v1/regions/{code}/organization-types', 500, () =>
    fc.record({
      key: keyOr(() => t.keys.admin),
      // never region 42: the receipts above need its healthcare type enabled
      code: fc.oneof(fc.constantFrom('54', '16', '77', '99', '4', '420'), urlText).filter((c) => !/^(42|%34%32)$/i.test(c)),
      payload: jsonBody(fc.record({ types: fc.subarray([...ORGANIZATION_TYPES, 'zoo']) })),
    }).map(({ key, code, payload }) => ({ method: 'PUT', url: `/v1/regions/${code}/organization-types`, key, contentType: JSON_TYPE, payload }))],
  ['POST /v1/questionnaires/{token}/responses', 1200, () =>
    fc.record({ token: tokenSegment(), payload: jsonBody(validAnswer) })
      .map(({ token, payload }) => ({ method: 'POST', url: `/v1/questionnaires/${token}/responses`, key: null, contentType: JSON_TYPE, payload })),
    reopenAnsweredRounds],
  ['POST /q/{token} (the form)', 1000, () =>
    fc.record({
      token: tokenSegment(),
      body: fc.oneof(
        { weight: 3, arbitrary: formBody.map((payload) => ({ contentType: FORM_TYPE, payload })) },
        { weight: 3, arbitrary: answeredForm.map((payload) => ({ contentType: FORM_TYPE, payload })) },
        { weight: 1, arbitrary: hostileJson.map((payload) => ({ contentType: JSON_TYPE, payload })) },
      ),
    }).map(({ token, body }) => ({ method: 'POST', url: `/q/${token}`, key: null, ...body })),
    reopenAnsweredRounds],
  ['POST /u/{token}', 200, () =>
    fc.record({ token: tokenSegment(), payload: fc.option(formBody, { nil: undefined }) })
      .map(({ token, payload }) => ({ method: 'POST', url: `/u/${token}`, key: null, contentType: payload ? FORM_TYPE : undefined, payload }))],
  ['POST /v1/unsubscribe/{token}', 300, () =>
    fc.record({ token: tokenSegment(), payload: fc.option(hostileJson, { nil: undefined }) })
      .map(({ token, payload }) => ({ method: 'POST', url: `/v1/unsubscribe/${token}`, key: null, contentType: payload === undefined ? undefined : JSON_TYPE, payload }))],
  ['POST /v1/scoring/runs', 500, () =>
    fc.record({ key: keyOr(() => t.keys.admin), payload: jsonBody(fc.record({ period })) })
      .map(({ key, payload }) => ({ method: 'POST', url: '/v1/scoring/runs', key, contentType: JSON_TYPE, payload }))],
  ['GET /v1/reports/* query strings', 2100, () =>
    fc.record({
      key: fc.constantFrom(...(['federal', 'region', 'organization', 'admin', 'integrator'] as const)).map((role) => t.keys[role]),
      report: fc.constantFrom('indicators', 'indicators/history', 'rankings', 'funnel'),
      accept: fc.constantFrom(undefined, 'text/csv', JSON_TYPE, '*/*', 'text/html'),
      query: fc.array(
        fc.tuple(
          fc.oneof(
            { weight: 5, arbitrary: fc.constantFrom('period', 'groupBy', 'region', 'sector', 'organizationType', 'organization', 'format', 'from', 'to', 'limit') },
            { weight: 1, arbitrary: fc.constantFrom('__proto__', 'constructor', 'prototype', '__proto__[polluted]', 'constructor[prototype][polluted]', 'x') },
          ),
          fc.oneof(
            { weight: 3, arbitrary: fc.constantFrom(...GROUP_BY, '42', '54', 'health', 'education', 'healthcare', ORG.code, 'csv', 'json', '10', '0', '-1', '2026-Q1', '2025-Q4', '2019-Q1', '2031-Q4') },
            { weight: 2, arbitrary: urlText },
          ),
        ),
        { maxLength: 6 },
      ),
    }).map(({ key, report, accept, query }) => ({ method: 'GET', url: `/v1/reports/${report}?${query.map(([k, v]) => `${k}=${v}`).join('&')}`, key, accept }))],
  ['raw bytes as the body of every write endpoint', 600, () =>
    fc.record({
      target: fc.constantFrom<[Req['method'], string, 'admin' | 'integrator' | null]>(
        ['POST', '/v1/receipts', 'integrator'], ['POST', '/v1/receipts/batch', 'integrator'], ['POST', '/v1/accounts', 'admin'],
        ['PUT', `/v1/organizations/${ORG.code}`, 'admin'], ['PUT', '/v1/regions/54/organization-types', 'admin'], ['POST', '/v1/scoring/runs', 'admin'],
        ['POST', '/v1/questionnaires/{token}/responses', null], ['POST', '/q/{token}', null], ['POST', '/u/{token}', null], ['POST', '/v1/unsubscribe/{token}', null],
        ['POST', '/v1/receipts/{id}/end', 'integrator'],
      ),
      token: tokenSegment(),
      id: receiptSegment(),
      bytes: fc.oneof({ weight: 4, arbitrary: fc.uint8Array({ maxLength: 3000 }) }, { weight: 1, arbitrary: fc.uint8Array({ minLength: 33_000, maxLength: 70_000 }) }),
      contentType: fc.constantFrom(...CONTENT_TYPES),
    }).map(({ target: [method, url, role], token, id, bytes, contentType }) => ({
      method,
      url: url.replace('{token}', token).replace('{id}', id),
      key: role ? t.keys[role] : null,
      contentType,
      payload: Buffer.from(bytes),
    }))],
];

// ——— the run ———

beforeAll(async () => {
  t = await createTestApp({ env: { CITIZEN_RATE_LIMIT_PER_MINUTE: '100000000' } });
  const other = await t.call(t.keys.admin, { method: 'PUT', url: `/v1/organizations/${OTHER_REGION_ORG}`, payload: { name: 'ГБУЗ НСО «Больница № 1»', type: 'healthcare', region: '54', founderLevel: 'regional' } });
  expect(other.statusCode).toBe(201);
  tokens = [];
  for (let i = 0; i < 6; i++) tokens.push((await openLink(t, i % 2 ? { service: { kind: 'long', start: '2025-09-01', end: null } } : {})).token);
  receiptIds = [];
  for (let i = 0; i < 6; i++) {
    const res = await t.call(t.keys.integrator, { method: 'POST', url: '/v1/receipts', payload: receiptBody({ service: { kind: 'long', start: '2025-09-01', end: null } }) });
    receiptIds.push(res.json().id);
  }
  // one request of each kind first, so that lazily built parts of the app count as the baseline
  for (const [, , arbitrary] of ENDPOINTS) for (const req of fc.sample(arbitrary(), { numRuns: 3, seed: 1 })) await t.call(req.key, { method: req.method, url: req.url, payload: req.payload, headers: req.contentType ? { 'content-type': req.contentType } : {} });
  rows = await rowCounts();
  heapBefore = heapAfterGc();
}, 300_000);
afterAll(async () => t?.close());

/** fast-check's parameters for `numRuns` runs (already scaled). */
function params<T>(numRuns: number): fc.Parameters<T> {
  return { numRuns, ...(SEED === undefined ? {} : { seed: SEED }), endOnFailure: true };
}

describe('no generated request breaks anything', () => {
  test.each(ENDPOINTS.map(([name, numRuns, arbitrary, after]) => [name, runs(numRuns), arbitrary, after] as const))('%s (%i requests)', async (_name, numRuns, arbitrary, after) => {
    await fc.assert(fc.asyncProperty(arbitrary(), async (req) => {
      const res = await send(req);
      await after?.(res);
    }), params(numRuns));
  }, 300_000);
});

test('a batch with one bad item among good ones stores the good ones and reports the bad one', async () => {
  const receipt = validReceipt([ORG.code]);
  await fc.assert(fc.asyncProperty(
    fc.array(receipt, { minLength: 1, maxLength: 3 }), receipt, fc.constantFrom(...RECEIPT_TEXT_PATHS), invalidForAnyTextField, fc.nat(),
    async (goods, badBase, path, badJson, at) => {
      const position = at % (goods.length + 1);
      const items = goods.map((g) => JSON.stringify(g));
      items.splice(position, 0, withJsonAt(badBase, path, badJson));
      const before = await t.tdb.db.receipt.count();
      const res = await send({ method: 'POST', url: '/v1/receipts/batch', key: t.keys.integrator, contentType: JSON_TYPE, payload: `{"receipts":[${items.join(',')}]}` });
      expect(res.statusCode).toBe(200);
      const results = res.json().results as { index: number; status: string; errors?: { path: string }[] }[];
      expect(results.map((r) => r.index)).toEqual(items.map((_, i) => i));
      expect(results.map((r) => r.status)).toEqual(items.map((_, i) => (i === position ? 'rejected' : 'accepted')));
      expect(results[position].errors!.some((e) => e.path === path || e.path.startsWith(`${path}.`))).toBe(true);
      expect(res.body).not.toContain(MARK);
      expect(await t.tdb.db.receipt.count()).toBe(before + goods.length);
      if (path !== 'externalId') expect(await t.tdb.db.receipt.count({ where: { externalId: badBase.externalId } })).toBe(0);
    },
  ), params(runs(100)));
}, 300_000);

test('found by the fuzzer: an object with a "length" in place of text or a list is a 422, not a 500', async () => {
  const LENGTHY = '{"length":[{"toString":1}]}';
  const valid = JSON.stringify(receiptBody());
  const cases: [Req, number, string[]][] = [
    [{ method: 'POST', url: '/v1/receipts', key: t.keys.integrator, contentType: JSON_TYPE, payload: withJsonAt(receiptBody(), 'externalId', LENGTHY) }, 422, ['externalId']],
    [{ method: 'POST', url: '/v1/receipts', key: t.keys.integrator, contentType: JSON_TYPE, payload: withJsonAt(receiptBody(), 'representatives', LENGTHY) }, 422, ['representatives']],
    [{ method: 'POST', url: '/v1/receipts/batch', key: t.keys.integrator, contentType: JSON_TYPE, payload: `{"receipts":${LENGTHY}}` }, 422, ['receipts']],
    [{ method: 'POST', url: '/v1/accounts', key: t.keys.admin, contentType: JSON_TYPE, payload: `{"accounts":${LENGTHY}}` }, 422, ['accounts']],
    [{ method: 'PUT', url: '/v1/organizations/1024200000999', key: t.keys.admin, contentType: JSON_TYPE, payload: `{"name":${LENGTHY},"type":"healthcare","region":"42","founderLevel":"regional"}` }, 422, ['name']],
    [{ method: 'PUT', url: '/v1/regions/54/organization-types', key: t.keys.admin, contentType: JSON_TYPE, payload: `{"types":${LENGTHY}}` }, 422, ['types']],
    [{ method: 'POST', url: `/v1/questionnaires/${tokens[0]}/responses`, key: null, contentType: JSON_TYPE, payload: `{"answers":{"info":5},"comment":${LENGTHY}}` }, 422, ['answers.process', 'answers.comfort', 'answers.accessibility', 'answers.courtesy', 'answers.competence', 'answers.overall', 'comment']],
  ];
  for (const [req, status, paths] of cases) {
    const res = await send(req);
    expect([req.url, res.statusCode]).toEqual([req.url, status]);
    expect((res.json().errors as { path: string }[]).map((e) => e.path).sort()).toEqual([...paths].sort());
  }
  const batch = await send({ method: 'POST', url: '/v1/receipts/batch', key: t.keys.integrator, contentType: JSON_TYPE, payload: `{"receipts":[${valid},${withJsonAt(receiptBody(), 'recipient.lastName', LENGTHY)}]}` });
  expect(batch.statusCode).toBe(200);
  expect((batch.json().results as { status: string; errors?: { path: string }[] }[]).map((r) => [r.status, r.errors?.map((e) => e.path) ?? null])).toEqual([['accepted', null], ['rejected', ['recipient.lastName']]]);
});

test('a prototype key is no filter code: ?sector=constructor is an unknown sector (422), not an empty report', async () => {
  for (const sector of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
    const res = await send({ method: 'GET', url: `/v1/reports/indicators?sector=${sector}`, key: t.keys.federal });
    expect([sector, res.statusCode]).toEqual([sector, 422]);
    expect(res.json().errors).toEqual([{ path: 'sector', code: 'unknown_sector', message: 'unknown sector' }]);
  }
  expect((await send({ method: 'GET', url: '/v1/reports/indicators?sector=health', key: t.keys.federal })).statusCode).toBe(200);
});

test('afterwards: prototypes untouched, the heap about where it started, over 10,000 requests sent', async () => {
  expectPrototypesIntact('the run');
  expect(Object.prototype).not.toHaveProperty('polluted');
  // the app still answers normally
  expect((await t.call(t.keys.integrator, { method: 'POST', url: '/v1/receipts', payload: receiptBody() })).statusCode).toBe(202);
  const heapAfter = heapAfterGc();
  const grownMb = (heapAfter - heapBefore) / 2 ** 20;
  console.log(`fuzz: ${sent} requests; heap after GC ${Math.round(heapBefore / 2 ** 20)} MB → ${Math.round(heapAfter / 2 ** 20)} MB`);
  expect(grownMb).toBeLessThan(64);
  if (SCALE >= 1) expect(sent).toBeGreaterThanOrEqual(10_000);
});

// keep the generators honest: they do produce what the header promises
test('the generators produce NUL, lone surrogates, huge strings, deep nesting, prototype keys and invalid UTF-8', () => {
  const strings = fc.sample(hostileString, { numRuns: 1000, seed: 7 });
  expect(strings.some((s) => s.includes('\u0000'))).toBe(true);
  expect(strings.some((s) => /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(s))).toBe(true);
  expect(strings.some((s) => s.length > 10_000)).toBe(true);
  const bodies = fc.sample(hostileJson, { numRuns: 1000, seed: 7 });
  expect(bodies.some((b) => b.length > 2000 && /^(\[|\{"\w+":){500}/.test(b))).toBe(true);
  for (const key of ['__proto__', 'constructor', 'prototype']) expect(bodies.some((b) => b.includes(`"${key}":`))).toBe(true);
  const forms = fc.sample(formBody, { numRuns: 1000, seed: 7 });
  expect(forms.some((f) => !Buffer.from(f.toString('utf8'), 'utf8').equals(f))).toBe(true);
});
