/**
 * API-key look-ups are cached per process for API_KEY_CACHE_SECONDS: a busy key costs one
 * query per period, and a revoked key stops working within that period (here 3 s).
 */
import { createApiKey, revokeApiKey } from '../../src/keys';
import { createTestApp, type TestApp } from './app-helper';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ env: { API_KEY_CACHE_SECONDS: '3' } });
});
afterAll(async () => t?.close());

test('a revoked key stops working within the cache period, not after', async () => {
  const { id, key } = await createApiKey(t.tdb.db, { role: 'admin', name: 'short-lived' });
  const get = () => t.call(key, { method: 'GET', url: '/v1/organizations' });
  expect((await get()).statusCode).toBe(200);
  expect(await revokeApiKey(t.tdb.db, id)).toBe(true);
  const revokedAt = Date.now();
  let status = 200;
  while (status === 200 && Date.now() - revokedAt < 10_000) {
    status = (await get()).statusCode;
    if (status === 200) await new Promise((r) => setTimeout(r, 50));
  }
  expect(status).toBe(401);
  expect(Date.now() - revokedAt).toBeLessThan(4_500); // the period, and slack for a loaded machine
});

test('within the period, repeated requests with one key do not look it up again', async () => {
  const { id, key } = await createApiKey(t.tdb.db, { role: 'admin', name: 'busy' });
  expect((await t.call(key, { method: 'GET', url: '/v1/organizations' })).statusCode).toBe(200);
  // Deleted behind the cache's back: the cached look-up still answers for the rest of the period.
  await t.tdb.db.apiKey.delete({ where: { id } });
  expect((await t.call(key, { method: 'GET', url: '/v1/organizations' })).statusCode).toBe(200);
  await new Promise((r) => setTimeout(r, 3_100));
  expect((await t.call(key, { method: 'GET', url: '/v1/organizations' })).statusCode).toBe(401);
});

test('an expired key is refused at once, cache or not', async () => {
  const { id, key } = await createApiKey(t.tdb.db, { role: 'admin', name: 'expiring' });
  await t.tdb.db.apiKey.update({ where: { id }, data: { expiresAt: new Date(Date.now() + 1_500) } });
  expect((await t.call(key, { method: 'GET', url: '/v1/organizations' })).statusCode).toBe(200);
  await new Promise((r) => setTimeout(r, 1_600));
  expect((await t.call(key, { method: 'GET', url: '/v1/organizations' })).statusCode).toBe(401);
});
