/**
 * Receipts belong to integrators, not to key names: two integrators whose keys share a name
 * stay apart; a rotated key's successor sees the same receipts and externalIds; the old key
 * works through the overlap and is 401 after; keys record when they were last used.
 */
import { principalForKey, rotateApiKey } from '../../src/keys';
import { createTestApp, type TestApp } from './app-helper';
import { receiptBody } from './receipt-body';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => t?.close());

const post = (key: string, body: object) => t.call(key, { method: 'POST', url: '/v1/receipts', payload: body });
const get = (key: string, id: string) => t.call(key, { method: 'GET', url: `/v1/receipts/${id}` });
const keyIdOf = async (key: string) => (await principalForKey(t.tdb.db, key))!.keyId;

test('an integrator key\'s principal carries its integrator; other keys carry none', async () => {
  const key = await t.key('integrator', { regions: ['42'] }, 'МИС', 'mis-principal');
  const integrator = await t.tdb.db.integrator.findUniqueOrThrow({ where: { code: 'mis-principal' } });
  expect(await principalForKey(t.tdb.db, key)).toMatchObject({ role: 'integrator', name: 'МИС', integratorId: integrator.id });
  expect(await principalForKey(t.tdb.db, t.keys.federal)).toMatchObject({ role: 'federal', integratorId: null });
});

test('two integrators whose keys have the same name neither see nor collide with each other\'s receipts', async () => {
  const a = await t.key('integrator', { regions: ['42'] }, 'МИС «Здоровье»', 'mis-a');
  const b = await t.key('integrator', { regions: ['42'] }, 'МИС «Здоровье»', 'mis-b');
  const body = receiptBody();

  const fromA = await post(a, body);
  const fromB = await post(b, body);
  expect([fromA.statusCode, fromB.statusCode]).toEqual([202, 202]);
  const [idA, idB] = [fromA.json().id, fromB.json().id];
  expect(idA).not.toBe(idB);

  expect((await get(a, idA)).json()).toMatchObject({ id: idA, externalId: body.externalId });
  expect((await get(a, idB)).statusCode).toBe(404);
  expect((await get(b, idA)).statusCode).toBe(404);
  expect((await t.call(b, { method: 'POST', url: `/v1/receipts/${idA}/cancel` })).statusCode).toBe(404);
  expect((await t.call(b, { method: 'POST', url: `/v1/receipts/${idA}/end`, payload: { end: '2026-12-31' } })).statusCode).toBe(404);
  expect((await get(a, idA)).json().status).toBe('active');

  // Each one's replay is its own duplicate, singly and in a batch.
  expect((await post(a, body)).json().id).toBe(idA);
  const batch = await t.call(b, { method: 'POST', url: '/v1/receipts/batch', payload: { receipts: [body] } });
  expect(batch.json().results).toEqual([expect.objectContaining({ status: 'duplicate', id: idB })]);

  const owners = await t.tdb.db.receipt.findMany({ where: { externalId: body.externalId }, select: { integrator: { select: { code: true } } } });
  expect(owners.map((r) => r.integrator.code).sort()).toEqual(['mis-a', 'mis-b']);
});

describe('rotating a key', () => {
  let old: string;
  let fresh: string;
  let body: ReturnType<typeof receiptBody>;
  let receiptId: string;

  beforeAll(async () => {
    old = await t.key('integrator', { regions: ['42'] }, 'mis-rotating', 'mis-rotating');
    body = receiptBody();
    const posted = await post(old, body);
    expect(posted.statusCode).toBe(202);
    receiptId = posted.json().id;
    const rotated = await rotateApiKey(t.tdb.db, await keyIdOf(old), { overlapHours: 24 });
    fresh = rotated!.key;
  });

  test('the new key sees the old receipts; an old externalId is a duplicate or a conflict, as before', async () => {
    expect((await get(fresh, receiptId)).json()).toMatchObject({ id: receiptId, externalId: body.externalId });
    const again = await post(fresh, body);
    expect([again.statusCode, again.json().id]).toEqual([200, receiptId]);
    const changed = await post(fresh, { ...body, service: { kind: 'one_time', date: '2026-01-05' } });
    expect(changed.statusCode).toBe(409);
    expect(await t.tdb.db.receipt.count({ where: { externalId: body.externalId } })).toBe(1);
  });

  test('the old key keeps working during the overlap, on receipts of either key', async () => {
    const newer = await post(fresh, receiptBody());
    expect(newer.statusCode).toBe(202);
    expect((await get(old, newer.json().id)).statusCode).toBe(200);
    expect((await post(old, body)).statusCode).toBe(200);
    const row = await t.tdb.db.apiKey.findUniqueOrThrow({ where: { id: await keyIdOf(old) } });
    expect(row.expiresAt!.getTime() - Date.now()).toBeGreaterThan(23 * 3_600_000);
  });

  test('after the overlap the old key is 401 like a revoked one; the new key goes on', async () => {
    const oldId = await keyIdOf(old);
    await t.tdb.db.apiKey.update({ where: { id: oldId }, data: { expiresAt: new Date(Date.now() - 1000) } }); // the overlap has passed
    for (const res of [await get(old, receiptId), await post(old, receiptBody())]) {
      expect(res.statusCode).toBe(401);
      expect(res.headers['www-authenticate']).toBe('Bearer');
      expect(res.json().detail).toMatch(/unknown, revoked or expired/);
    }
    expect((await get(fresh, receiptId)).statusCode).toBe(200);
    expect(await rotateApiKey(t.tdb.db, oldId)).toBeNull();
  });

  test('with no overlap the old key stops at once', async () => {
    const key = await t.key('integrator', { regions: ['42'] }, 'mis-rotating', 'mis-rotating');
    const next = await rotateApiKey(t.tdb.db, await keyIdOf(key), { overlapHours: 0 });
    expect((await get(key, receiptId)).statusCode).toBe(401);
    expect((await get(next!.key, receiptId)).statusCode).toBe(200);
  });
});

test('lastUsedAt is set on use and rewritten at most once a minute', async () => {
  const key = await t.key('integrator', { regions: ['42'] }, 'mis-last-used', 'mis-last-used');
  const id = (await t.tdb.db.apiKey.findFirstOrThrow({ where: { integrator: { code: 'mis-last-used' } } })).id;
  const lastUsed = async () => (await t.tdb.db.apiKey.findUniqueOrThrow({ where: { id } })).lastUsedAt;
  expect(await lastUsed()).toBeNull();

  const before = Date.now();
  expect((await t.call(key, { method: 'GET', url: '/v1/organizations' })).statusCode).toBe(200);
  const first = await lastUsed();
  expect(first!.getTime()).toBeGreaterThanOrEqual(before - 5);
  expect(first!.getTime()).toBeLessThanOrEqual(Date.now());

  for (let i = 0; i < 3; i++) await t.call(key, { method: 'GET', url: '/v1/organizations' });
  expect(await lastUsed()).toEqual(first); // within the minute: no write

  const stale = new Date(Date.now() - 61_000);
  await t.tdb.db.apiKey.update({ where: { id }, data: { lastUsedAt: stale } });
  await t.call(key, { method: 'GET', url: '/v1/organizations' });
  expect((await lastUsed())!.getTime()).toBeGreaterThan(stale.getTime() + 60_000);
});
