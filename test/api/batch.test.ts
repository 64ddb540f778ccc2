/**
 * POST /v1/receipts/batch: items are independent; results come back in order, one per
 * item, with accepted / duplicate / rejected and the field errors of rejected items.
 */
import { randomUUID } from 'node:crypto';
import { makeSnils } from '../helpers/people';
import { createTestApp, type TestApp } from './app-helper';
import { receiptBody, representative } from './receipt-body';

let t: TestApp;
const NSK = `10254${Date.now()}`.slice(0, 13);
beforeAll(async () => {
  t = await createTestApp();
  const res = await t.call(t.keys.admin, {
    method: 'PUT',
    url: `/v1/organizations/${NSK}`,
    payload: { name: 'ГБУЗ НСО «Городская поликлиника № 1»', type: 'healthcare', region: '54', founderLevel: 'regional' },
  });
  expect(res.statusCode).toBe(201);
});
afterAll(async () => t?.close());

const batch = (receipts: unknown[], key = t.keys.integrator) => t.call(key, { method: 'POST', url: '/v1/receipts/batch', payload: { receipts } });

interface Result {
  index: number;
  externalId: string | null;
  status: 'accepted' | 'duplicate' | 'rejected';
  id?: string;
  workflowId?: string;
  errors?: { path: string; message: string }[];
}

test('a mixed batch: each item answered in order, one bad item does not reject the others', async () => {
  const earlier = receiptBody();
  const earlierRes = await t.call(t.keys.integrator, { method: 'POST', url: '/v1/receipts', payload: earlier });
  expect(earlierRes.statusCode).toBe(202);

  const good = receiptBody();
  const badSnils = receiptBody({ recipient: { ...receiptBody().recipient, lastName: 'Зюзикова', snils: '112-233-445 96' } });
  const outOfScope = receiptBody({ organization: NSK });
  const long = receiptBody({ service: { kind: 'long', start: '2025-09-01', end: null } });
  const conflicting = { ...earlier, service: { kind: 'one_time', date: '2026-01-05' } };
  const unknownOrg = receiptBody({ organization: '0000000000000' });
  const minorAlone = receiptBody({ recipient: { ...receiptBody().recipient, birthDate: '2015-05-05' } });
  const minorWithParent = receiptBody({ recipient: { ...receiptBody().recipient, birthDate: '2015-05-05' }, representatives: [representative()] });
  const items = [good, earlier, badSnils, outOfScope, long, conflicting, 42, unknownOrg, minorAlone, minorWithParent, { externalId: 'MIS-only-an-id' }];

  const res = await batch(items);
  expect(res.statusCode).toBe(200);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  const results = res.json().results as Result[];
  expect(results.map((r) => r.index)).toEqual(items.map((_, i) => i));
  expect(results.map((r) => [r.status, r.errors?.map((e) => e.path) ?? null])).toEqual([
    ['accepted', null],
    ['duplicate', null],
    ['rejected', ['recipient.snils']],
    ['rejected', ['organization']],
    ['accepted', null],
    ['rejected', ['externalId']],
    ['rejected', expect.any(Array)],
    ['rejected', ['organization']],
    ['rejected', ['representatives']],
    ['accepted', null],
    ['rejected', expect.arrayContaining(['organization', 'service', 'recipient'])],
  ]);
  expect(results.map((r) => r.externalId)).toEqual(items.map((item) => (typeof item === 'object' ? item.externalId : null)));

  // the duplicate is the receipt posted before
  expect(results[1].id).toBe(earlierRes.json().id);
  // accepted and duplicate items carry their ids and workflows; rejected ones carry neither
  for (const r of results) {
    if (r.status === 'rejected') {
      expect(r.id).toBeUndefined();
      expect(r.errors!.length).toBeGreaterThan(0);
      for (const e of r.errors!) expect(e.message).toEqual(expect.any(String));
    } else {
      expect(r.id).toMatch(/^[0-9a-f-]{36}$/);
      expect(r.workflowId).toEqual(expect.any(String));
      expect(r.errors).toBeUndefined();
    }
  }

  // only the accepted items were stored, and their workflows started
  for (const [i, item] of items.entries()) {
    if (typeof item !== 'object') continue;
    const stored = await t.tdb.db.receipt.count({ where: { externalId: item.externalId, integrator: { code: 'mis-42' } } });
    expect([i, stored]).toEqual([i, results[i].status === 'rejected' ? (item === conflicting ? 1 : 0) : 1]);
  }
  for (const r of results.filter((x) => x.status === 'accepted')) {
    expect((await t.env.client.workflow.getHandle(r.workflowId!).describe()).status.name).toBe('RUNNING');
  }
  // the conflicting body did not overwrite the stored receipt
  const kept = await t.tdb.db.receipt.findUniqueOrThrow({ where: { id: earlierRes.json().id } });
  expect(kept.serviceDate.toISOString().slice(0, 10)).toBe(earlier.service.date);

  // no personal data of any item comes back
  for (const value of [badSnils.recipient.snils, '11223344596', 'Зюзикова', good.recipient.snils, minorAlone.recipient.snils]) {
    expect(res.body).not.toContain(value);
  }
});

test('the same receipt twice in one batch: one accepted, one duplicate, one id', async () => {
  const body = receiptBody();
  const results = (await batch([body, body, { ...body, recipient: { ...body.recipient, snils: body.recipient.snils.replace(/\D/g, '') } }])).json().results as Result[];
  expect(results.map((r) => r.status).sort()).toEqual(['accepted', 'duplicate', 'duplicate']);
  expect(new Set(results.map((r) => r.id)).size).toBe(1);
  expect(await t.tdb.db.receipt.count({ where: { externalId: body.externalId } })).toBe(1);
});

test('posting a batch again answers every item as a duplicate', async () => {
  const items = Array.from({ length: 5 }, () => receiptBody());
  const first = (await batch(items)).json().results as Result[];
  const again = (await batch(items)).json().results as Result[];
  expect(first.map((r) => r.status)).toEqual(items.map(() => 'accepted'));
  expect(again.map((r) => r.status)).toEqual(items.map(() => 'duplicate'));
  expect(again.map((r) => r.id)).toEqual(first.map((r) => r.id));
});

describe('the batch itself is validated', () => {
  test.each([
    ['1001 receipts', ['receipts'], () => ({ receipts: Array.from({ length: 1001 }, () => receiptBody()) })],
    ['no receipts', ['receipts'], () => ({ receipts: [] })],
    ['no list', ['receipts'], () => ({})],
    ['a list that is not one', ['receipts'], () => ({ receipts: receiptBody() })],
  ])('%s → 422 %j', async (_name, paths, payload) => {
    const before = await t.tdb.db.receipt.count();
    const res = await t.call(t.keys.integrator, { method: 'POST', url: '/v1/receipts/batch', payload: payload() });
    expect(res.statusCode).toBe(422);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect((res.json().errors as { path: string }[]).map((e) => e.path)).toEqual(paths);
    expect(await t.tdb.db.receipt.count()).toBe(before);
  });

  test('malformed JSON → 400', async () => {
    const res = await t.call(t.keys.integrator, { method: 'POST', url: '/v1/receipts/batch', headers: { 'content-type': 'application/json' }, payload: '{"receipts": [' });
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  });
});

test('1000 valid receipts are all accepted', async () => {
  const key = await t.key('integrator', { regions: ['42'] }, `mis-42-bulk-${randomUUID()}`);
  const items = Array.from({ length: 1000 }, (_, i) => ({
    ...receiptBody({ externalId: `BULK-${i}` }),
    recipient: { lastName: 'Иванова', firstName: 'Анна', middleName: 'Петровна', birthDate: '1980-04-01', snils: makeSnils().formatted },
  }));
  const started = performance.now();
  const res = await batch(items, key);
  const ms = performance.now() - started;
  console.log(`batch of 1000 receipts: ${Math.round(ms)} ms (${Math.round(1000 / (ms / 1000))} receipts/s)`);

  expect(res.statusCode).toBe(200);
  const results = res.json().results as Result[];
  expect(results).toHaveLength(1000);
  expect(results.filter((r) => r.status !== 'accepted')).toEqual([]);
  expect(results.map((r) => r.externalId)).toEqual(items.map((x) => x.externalId));
  expect(new Set(results.map((r) => r.id)).size).toBe(1000);
  const stored = await t.tdb.db.receipt.findMany({ where: { externalId: { startsWith: 'BULK-' } }, select: { id: true, workflowStartedAt: true } });
  expect(stored).toHaveLength(1000);
  expect(stored.filter((r) => r.workflowStartedAt === null)).toEqual([]);
}, 300_000);
