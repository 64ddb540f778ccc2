/**
 * Authentication and roles on every route of API.md that exists: no key, a malformed
 * header, an unknown key, a revoked key and an expired key are 401 with WWW-Authenticate;
 * a key of the wrong role is 403 and changes nothing; the right role gets through.
 */
import type { InjectOptions } from 'fastify';
import type { RoleName } from '../../src/domain/scope';
import { createApiKey, revokeApiKey } from '../../src/keys';
import { makeSnils } from '../helpers/people';
import { createTestApp, type TestApp } from './app-helper';
import { receiptBody } from './receipt-body';

let t: TestApp;
/** One key of every role, and a revoked and an expired admin and integrator key. */
let keyOf: Record<RoleName, string>;
let revoked: Record<'admin' | 'integrator', string>;
let expired: Record<'admin' | 'integrator', string>;
/** Receipts to read, cancel and end. */
let oneTimeId: string;
let longId: string;

beforeAll(async () => {
  t = await createTestApp();
  keyOf = {
    admin: t.keys.admin,
    integrator: t.keys.integrator,
    federal: t.keys.federal,
    sector: await t.key('sector', { sectors: ['health'] }),
    region: t.keys.region,
    organization: t.keys.organization,
    portal: await t.key('portal'),
  };
  const revoke = async (role: 'admin' | 'integrator') => {
    const { id, key } = await createApiKey(t.tdb.db, { role, name: 'mis-42', ...(role === 'integrator' ? { regions: ['42'], integrator: 'mis-42' } : {}) });
    expect(await revokeApiKey(t.tdb.db, id)).toBe(true);
    return key;
  };
  revoked = { admin: await revoke('admin'), integrator: await revoke('integrator') };
  const expire = async (role: 'admin' | 'integrator') => {
    const { id, key } = await createApiKey(t.tdb.db, { role, name: 'mis-42', ...(role === 'integrator' ? { regions: ['42'], integrator: 'mis-42' } : {}) });
    await t.tdb.db.apiKey.update({ where: { id }, data: { expiresAt: new Date(Date.now() - 1000) } });
    return key;
  };
  expired = { admin: await expire('admin'), integrator: await expire('integrator') };
  oneTimeId = (await postReceipt(receiptBody())).json().id;
  longId = (await postReceipt(receiptBody({ service: { kind: 'long', start: '2025-09-01', end: null } }))).json().id;
});
afterAll(async () => t?.close());

function postReceipt(body: object) {
  return t.call(t.keys.integrator, { method: 'POST', url: '/v1/receipts', payload: body });
}

interface Route {
  name: string;
  roles: RoleName[] | 'any';
  request: () => InjectOptions;
}

const ROUTES: Route[] = [
  { name: 'POST /v1/receipts', roles: ['integrator'], request: () => ({ method: 'POST', url: '/v1/receipts', payload: receiptBody() }) },
  { name: 'POST /v1/receipts/batch', roles: ['integrator'], request: () => ({ method: 'POST', url: '/v1/receipts/batch', payload: { receipts: [receiptBody()] } }) },
  { name: 'GET /v1/receipts/{id}', roles: ['integrator'], request: () => ({ method: 'GET', url: `/v1/receipts/${oneTimeId}` }) },
  { name: 'POST /v1/receipts/{id}/cancel', roles: ['integrator'], request: () => ({ method: 'POST', url: `/v1/receipts/${oneTimeId}/cancel` }) },
  { name: 'POST /v1/receipts/{id}/end', roles: ['integrator'], request: () => ({ method: 'POST', url: `/v1/receipts/${longId}/end`, payload: { end: '2025-12-31' } }) },
  {
    name: 'PUT /v1/organizations/{code}',
    roles: ['admin'],
    request: () => ({ method: 'PUT', url: '/v1/organizations/1024200000777', payload: { name: 'МБДОУ «Детский сад № 7»', type: 'preschool_education', region: '42', founderLevel: 'municipal' } }),
  },
  { name: 'GET /v1/organizations', roles: 'any', request: () => ({ method: 'GET', url: '/v1/organizations' }) },
  { name: 'GET /v1/regions', roles: 'any', request: () => ({ method: 'GET', url: '/v1/regions' }) },
  {
    name: 'PUT /v1/regions/{code}/organization-types',
    roles: ['admin'],
    request: () => ({ method: 'PUT', url: '/v1/regions/43/organization-types', payload: { types: ['healthcare', 'sports'] } }),
  },
  {
    name: 'POST /v1/portal/questionnaires/lookup',
    roles: ['portal'],
    request: () => ({ method: 'POST', url: '/v1/portal/questionnaires/lookup', payload: { snils: '112-233-445 95' } }),
  },
  {
    name: 'POST /v1/accounts',
    roles: ['admin'],
    request: () => ({ method: 'POST', url: '/v1/accounts', payload: { accounts: [{ snils: makeSnils().formatted, email: 'citizen@example.test', confirmed: true }] } }),
  },
  { name: 'GET /v1/dev/outbox', roles: ['admin'], request: () => ({ method: 'GET', url: '/v1/dev/outbox' }) },
];
const ALL_ROLES: RoleName[] = ['admin', 'integrator', 'federal', 'sector', 'region', 'organization', 'portal'];
const allowed = (r: Route) => (r.roles === 'any' ? ALL_ROLES : r.roles);

function expectUnauthorized(res: Awaited<ReturnType<TestApp['call']>>) {
  expect(res.statusCode).toBe(401);
  expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(res.json()).toMatchObject({ status: 401, title: expect.any(String), detail: expect.any(String) });
}

describe.each(ROUTES.map((r) => [r.name, r] as const))('%s', (_name, route) => {
  test('no key → 401 with WWW-Authenticate', async () => {
    expectUnauthorized(await t.call(null, route.request()));
  });

  test('a header that is not a bearer key → 401', async () => {
    for (const authorization of ['Basic YWRtaW46YWRtaW4=', 'Bearer', 'Bearer ', keyOf.admin, `Bearer ${keyOf.admin} extra`]) {
      const request = route.request();
      expectUnauthorized(await t.call(null, { ...request, headers: { ...request.headers, authorization } }));
    }
  });

  test('an unknown key → 401', async () => {
    expectUnauthorized(await t.call('sfk_not-a-key-anyone-was-given', route.request()));
    // A real key with one character changed is unknown, too.
    const k = allowed(route)[0] === 'admin' ? keyOf.admin : keyOf.integrator;
    expectUnauthorized(await t.call(`${k.slice(0, -1)}${k.endsWith('A') ? 'B' : 'A'}`, route.request()));
  });

  test('a revoked key of the right role → 401', async () => {
    const key = allowed(route).includes('admin') ? revoked.admin : revoked.integrator;
    expectUnauthorized(await t.call(key, route.request()));
  });

  test('an expired key of the right role → 401', async () => {
    const key = allowed(route).includes('admin') ? expired.admin : expired.integrator;
    expectUnauthorized(await t.call(key, route.request()));
  });

  const wrong = ALL_ROLES.filter((role) => !allowed(route).includes(role));
  if (wrong.length > 0) {
    test.each(wrong)('a %s key → 403', async (role) => {
      const res = await t.call(keyOf[role], route.request());
      expect(res.statusCode).toBe(403);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.headers['www-authenticate']).toBeUndefined();
    });
  }

  test.each(allowed(route))('a %s key gets through', async (role) => {
    const res = await t.call(keyOf[role], route.request());
    expect(res.statusCode).toBeLessThan(300);
  });
});

test('authentication comes before validation: no key and a bad body is 401, not 422', async () => {
  expectUnauthorized(await t.call(null, { method: 'POST', url: '/v1/receipts', payload: { nonsense: true } }));
  expectUnauthorized(await t.call(null, { method: 'GET', url: '/v1/receipts/not-a-uuid' }));
  expectUnauthorized(await t.call(null, { method: 'POST', url: '/v1/accounts', payload: { accounts: [{ snils: '1' }] } }));
});

test('a key of the wrong role changes nothing', async () => {
  const body = receiptBody();
  for (const role of ['admin', 'federal', 'sector', 'region', 'organization'] as const) {
    expect((await t.call(keyOf[role], { method: 'POST', url: '/v1/receipts', payload: body })).statusCode).toBe(403);
    expect((await t.call(keyOf[role], { method: 'POST', url: '/v1/receipts/batch', payload: { receipts: [body] } })).statusCode).toBe(403);
  }
  expect(await t.tdb.db.receipt.count({ where: { externalId: body.externalId } })).toBe(0);

  const code = '1024200000888';
  const org = { name: 'ГАУЗ «Поликлиника № 8»', type: 'healthcare', region: '42', founderLevel: 'regional' };
  expect((await t.call(keyOf.integrator, { method: 'PUT', url: `/v1/organizations/${code}`, payload: org })).statusCode).toBe(403);
  expect(await t.tdb.db.organization.count({ where: { code } })).toBe(0);

  expect((await t.call(keyOf.region, { method: 'PUT', url: '/v1/regions/42/organization-types', payload: { types: [] } })).statusCode).toBe(403);
  expect(await t.tdb.db.regionOrganizationType.count({ where: { regionCode: '42' } })).toBe(5);

  const other = await t.key('integrator', { regions: ['42'] }, 'someone-else');
  const fresh = (await postReceipt(receiptBody())).json().id;
  expect((await t.call(other, { method: 'POST', url: `/v1/receipts/${fresh}/cancel` })).statusCode).toBe(404);
  expect((await t.tdb.db.receipt.findUniqueOrThrow({ where: { id: fresh } })).status).toBe('active');
});

test('a key stops working the moment it is revoked', async () => {
  // A second key of the integrator that posted the receipt.
  const { id, key } = await createApiKey(t.tdb.db, { role: 'integrator', name: 'mis-42 spare', regions: ['42'], integrator: 'mis-42' });
  const get = () => t.call(key, { method: 'GET', url: `/v1/receipts/${oneTimeId}` });
  expect((await get()).statusCode).toBe(200);
  expect(await revokeApiKey(t.tdb.db, id)).toBe(true);
  expectUnauthorized(await get());
  expect(await revokeApiKey(t.tdb.db, id)).toBe(false);
});

test('the 401 never echoes the key that was sent', async () => {
  const res = await t.call(revoked.admin, { method: 'GET', url: '/v1/organizations' });
  expectUnauthorized(res);
  expect(res.body).not.toContain(revoked.admin);
  expect(res.body).not.toContain(revoked.admin.slice(4, 20));
});

test('health and the OpenAPI document need no key', async () => {
  expect((await t.call(null, { method: 'GET', url: '/health' })).statusCode).toBe(200);
  expect((await t.call(null, { method: 'GET', url: '/docs/json' })).statusCode).toBe(200);
});
