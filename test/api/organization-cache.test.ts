/**
 * Ingestion looks an organisation up once per ORGANIZATION_CACHE_SECONDS (here 3 s) in each
 * API process: a busy organisation costs one query a period, and a deactivation, or a
 * region's new list of types, reaches the process within the period, not later.
 */
import { createTestApp, type TestApp } from './app-helper';
import { receiptBody } from './receipt-body';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ env: { ORGANIZATION_CACHE_SECONDS: '3' } });
});
afterAll(async () => t?.close());

const post = (organization: string) =>
  t.call(t.keys.integrator, { method: 'POST', url: '/v1/receipts', payload: receiptBody({ organization }) });

async function newOrganization(): Promise<string> {
  const code = `42${Date.now()}${Math.floor(Math.random() * 1e4)}`.slice(0, 13);
  const res = await t.call(t.keys.admin, {
    method: 'PUT', url: `/v1/organizations/${code}`,
    payload: { name: 'ГБУЗ «Больница для проверки кэша»', type: 'healthcare', region: '42', founderLevel: 'municipal' },
  });
  expect([200, 201]).toContain(res.statusCode);
  return code;
}

/** Posts until a receipt is refused (or 10 s pass); the status and how long it took. */
async function untilRefused(code: string, since: number): Promise<{ status: number; codes: string[]; afterMs: number }> {
  for (;;) {
    const res = await post(code);
    if (res.statusCode !== 202 || Date.now() - since > 10_000) {
      return { status: res.statusCode, codes: (res.json().errors ?? []).map((e: { code: string }) => e.code), afterMs: Date.now() - since };
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('a deactivation reaches ingestion within the cache period: accepted from the cache until then, refused after', async () => {
  const code = await newOrganization();
  expect((await post(code)).statusCode).toBe(202); // looked up and remembered
  const deactivated = await t.call(t.keys.admin, { method: 'POST', url: `/v1/organizations/${code}/deactivate` });
  expect(deactivated.statusCode).toBe(200);
  const since = Date.now();
  expect((await post(code)).statusCode).toBe(202); // the process does not know yet
  const refused = await untilRefused(code, since);
  expect(refused).toMatchObject({ status: 422, codes: ['organization_deactivated'] });
  expect(refused.afterMs).toBeGreaterThan(1_500);
  expect(refused.afterMs).toBeLessThan(4_500); // the period, and slack for a loaded machine
});

test('a region that stops taking part with a type: refused within the period', async () => {
  const code = await newOrganization();
  const types = (await t.tdb.db.regionOrganizationType.findMany({ where: { regionCode: '42' } })).map((r) => r.typeCode);
  expect((await post(code)).statusCode).toBe(202);
  try {
    const set = await t.call(t.keys.admin, { method: 'PUT', url: '/v1/regions/42/organization-types', payload: { types: types.filter((x) => x !== 'healthcare') } });
    expect(set.statusCode).toBe(200);
    const refused = await untilRefused(code, Date.now());
    expect(refused).toMatchObject({ status: 422, codes: ['organization_type_not_in_region'] });
    expect(refused.afterMs).toBeLessThan(4_500);
  } finally {
    await t.call(t.keys.admin, { method: 'PUT', url: '/v1/regions/42/organization-types', payload: { types } });
  }
});

test('an unknown code is not remembered: registered a moment later, it is taken at once', async () => {
  const code = `42${Date.now()}`.slice(0, 13);
  const unknown = await post(code);
  expect(unknown.statusCode).toBe(422);
  expect(unknown.json().errors.map((e: { code: string }) => e.code)).toEqual(['unknown_organization']);
  await t.tdb.db.organization.create({ data: { code, name: 'ГБУЗ «Новая больница»', typeCode: 'healthcare', regionCode: '42', founderLevel: 'regional' } });
  expect((await post(code)).statusCode).toBe(202);
});
