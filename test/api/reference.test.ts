/**
 * Reference data and the account directory through the real app: organisations (upsert,
 * validation, scoped listing), the organisation types of a region, portal accounts, and
 * the OpenAPI document.
 */
import { makeSnils } from '../helpers/people';
import { ORG, createTestApp, type TestApp } from './app-helper';

let t: TestApp;
const ALL_TYPES = ['general_education', 'healthcare', 'mse_bureau', 'preschool_education', 'sports'];
const SCHOOL_42 = { code: '1024200000002', name: 'МБОУ «Средняя школа № 2»', type: 'general_education', region: '42', founderLevel: 'municipal' };
const HOSPITAL_54 = { code: '1025400000001', name: 'ГБУЗ НСО «Городская больница № 1»', type: 'healthcare', region: '54', founderLevel: 'regional' };
const GYM_16 = { code: '1021600000001', name: 'ГАУ РТ «Спортивная школа»', type: 'sports', region: '16', founderLevel: 'regional' };
const SECTOR: Record<string, string> = { healthcare: 'health', general_education: 'education', preschool_education: 'education', sports: 'sport', mse_bureau: 'mse' };

beforeAll(async () => {
  t = await createTestApp();
  for (const { code, ...org } of [SCHOOL_42, HOSPITAL_54, GYM_16]) {
    const res = await putOrg(code, org);
    expect(res.statusCode).toBe(201);
  }
});
afterAll(async () => t?.close());

function putOrg(code: string, body: object, key = t.keys.admin) {
  return t.call(key, { method: 'PUT', url: `/v1/organizations/${code}`, payload: body });
}
const putTypes = (region: string, body: object) => t.call(t.keys.admin, { method: 'PUT', url: `/v1/regions/${region}/organization-types`, payload: body });
const paths = (res: { json(): { errors?: { path: string }[] } }) => (res.json().errors ?? []).map((e) => e.path).sort();

describe('PUT /v1/organizations/{code}', () => {
  const code = '1024200000555';
  const body = { name: 'ГБУЗ «Городская больница № 5»', type: 'healthcare', region: '42', founderLevel: 'municipal' };

  test('creates (201), then updates (200)', async () => {
    const created = await putOrg(code, body);
    expect(created.statusCode).toBe(201);
    expect(created.json()).toEqual({ code, name: body.name, type: 'healthcare', sector: 'health', region: '42', founderLevel: 'municipal', deactivatedAt: null });

    const updated = await putOrg(code, { ...body, name: 'ГБУЗ «Городская клиническая больница № 5»', founderLevel: 'regional' });
    expect(updated.statusCode).toBe(200);
    expect(updated.json()).toMatchObject({ code, name: 'ГБУЗ «Городская клиническая больница № 5»', founderLevel: 'regional' });
    expect(await t.tdb.db.organization.count({ where: { code } })).toBe(1);

    const moved = await putOrg(code, { ...body, type: 'preschool_education' });
    expect(moved.statusCode).toBe(200);
    expect(moved.json()).toMatchObject({ type: 'preschool_education', sector: 'education' });
  });

  test.each([
    ['an unknown type', ['type'], { type: 'dentistry' }],
    ['a region that is not a pilot region', ['region'], { region: '77' }],
    ['an unknown type and region', ['region', 'type'], { type: 'dentistry', region: '99' }],
    ['a region that is not two digits', ['region'], { region: '420' }],
    ['a region with letters', ['region'], { region: 'KE' }],
    ['an unknown founder level', ['founderLevel'], { founderLevel: 'private' }],
    ['an empty name', ['name'], { name: '  ' }],
    ['no name', ['name'], { name: undefined }],
    ['no type', ['type'], { type: undefined }],
  ])('%s → 422 %j, nothing stored', async (_name, expected, change) => {
    const newCode = `10242${String(Math.floor(Math.random() * 1e8)).padStart(8, '0')}`;
    const res = await putOrg(newCode, { ...body, ...change });
    expect(res.statusCode).toBe(422);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(paths(res)).toEqual(expected);
    expect(await t.tdb.db.organization.count({ where: { code: newCode } })).toBe(0);
  });

  test('an invalid update leaves the organisation as it was', async () => {
    const before = (await putOrg(ORG.code, { name: 'ГБУЗ «Кемеровская областная больница»', type: 'healthcare', region: '42', founderLevel: 'regional' })).json();
    expect((await putOrg(ORG.code, { name: 'x', type: 'dentistry', region: '42', founderLevel: 'regional' })).statusCode).toBe(422);
    const after = (await t.call(t.keys.admin, { method: 'GET', url: `/v1/organizations?region=42&type=healthcare` })).json().organizations;
    expect(after).toContainEqual(before);
  });

  test('a code with characters outside the registry alphabet → 422 at path code', async () => {
    const res = await putOrg('bad%20code', body);
    expect(res.statusCode).toBe(422);
    expect(paths(res)).toEqual(['code']);
  });
});

describe('GET /v1/organizations is scoped by the caller', () => {
  const OURS = [ORG.code, SCHOOL_42.code, HOSPITAL_54.code, GYM_16.code];
  type Org = { code: string; region: string; type: string; sector: string };
  async function list(key: string, query = '') {
    const res = await t.call(key, { method: 'GET', url: `/v1/organizations${query}` });
    expect(res.statusCode).toBe(200);
    return res.json().organizations as Org[];
  }
  const ours = (orgs: Org[]) => orgs.map((o) => o.code).filter((c) => OURS.includes(c)).sort();

  test.each([
    ['federal', [ORG.code, SCHOOL_42.code, HOSPITAL_54.code, GYM_16.code], () => t.keys.federal, () => true],
    ['admin', [ORG.code, SCHOOL_42.code, HOSPITAL_54.code, GYM_16.code], () => t.keys.admin, () => true],
    ['region 42', [ORG.code, SCHOOL_42.code], () => t.keys.region, (o: Org) => o.region === '42'],
    ['organization', [ORG.code], () => t.keys.organization, (o: Org) => o.code === ORG.code],
    ['integrator of region 42', [ORG.code, SCHOOL_42.code], () => t.keys.integrator, (o: Org) => o.region === '42'],
    ['integrator of region 54', [HOSPITAL_54.code], () => t.keys.otherIntegrator, (o: Org) => o.region === '54'],
  ])('%s sees %j', async (_name, visible, key, allowed) => {
    const orgs = await list(key());
    expect(ours(orgs)).toEqual([...visible].sort());
    expect(orgs.filter((o) => !allowed(o))).toEqual([]);
  });

  test('sector and sector-scoped integrator keys see their sectors across regions', async () => {
    const sport = await t.key('sector', { sectors: ['sport'] }, 'minsport');
    expect(ours(await list(sport))).toEqual([GYM_16.code]);
    const health = await t.key('integrator', { sectors: ['health'] }, 'federal-mis-health');
    const orgs = await list(health);
    expect(ours(orgs)).toEqual([ORG.code, HOSPITAL_54.code].sort());
    expect(orgs.filter((o) => o.sector !== 'health')).toEqual([]);
  });

  test('the region and type filters narrow within the scope', async () => {
    expect(ours(await list(t.keys.federal, '?region=54'))).toEqual([HOSPITAL_54.code]);
    expect(ours(await list(t.keys.federal, '?type=sports'))).toEqual([GYM_16.code]);
    expect(ours(await list(t.keys.federal, '?region=42&type=general_education'))).toEqual([SCHOOL_42.code]);
    expect(await list(t.keys.federal, '?limit=1')).toHaveLength(1);
  });

  test('filtering by a region outside the scope is 403; an organisation key only ever sees its own', async () => {
    for (const [key, query] of [[t.keys.region, '?region=54'], [t.keys.integrator, '?type=sports&region=16']]) {
      const res = await t.call(key, { method: 'GET', url: `/v1/organizations${query}` });
      expect(res.statusCode).toBe(403);
      expect(res.headers['content-type']).toContain('application/problem+json');
    }
    const own = await t.call(t.keys.organization, { method: 'GET', url: '/v1/organizations?region=16' });
    expect(own.statusCode).toBe(200);
    expect(own.json().organizations).toEqual([]);
  });

  test('every organisation carries its sector', async () => {
    for (const o of await list(t.keys.federal)) expect(o.sector).toBe(SECTOR[o.type]);
  });
});

describe('PUT /v1/regions/{code}/organization-types', () => {
  const typesOf = async (region: string) =>
    (await t.tdb.db.regionOrganizationType.findMany({ where: { regionCode: region } })).map((r) => r.typeCode).sort();

  test('sets the types that take part, sorted and without repeats', async () => {
    const res = await putTypes('43', { types: ['sports', 'healthcare', 'sports'] });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ region: '43', types: ['healthcare', 'sports'] });
    expect(await typesOf('43')).toEqual(['healthcare', 'sports']);
    const regions = (await t.call(t.keys.federal, { method: 'GET', url: '/v1/regions' })).json().regions as { code: string; types: string[] }[];
    expect(regions.find((r) => r.code === '43')?.types).toEqual(['healthcare', 'sports']);
    expect(regions.find((r) => r.code === '42')?.types).toEqual(ALL_TYPES);

    expect((await putTypes('43', { types: [] })).json()).toEqual({ region: '43', types: [] });
    expect(await typesOf('43')).toEqual([]);
    expect((await putTypes('43', { types: ALL_TYPES })).json()).toEqual({ region: '43', types: ALL_TYPES });
  });

  test.each([
    ['the unknown type last', ['types.1'], ['healthcare', 'dentistry']],
    ['the unknown type first', ['types.0'], ['zoo', 'healthcare']],
    ['two unknown types', ['types.0', 'types.2'], ['zoo', 'sports', 'aquarium', 'healthcare']],
    ['after a repeated type', ['types.2'], ['sports', 'sports', 'dentistry']],
  ])('%s → 422 at the index it was sent at, %j; nothing changes', async (_name, expected, types) => {
    const before = await typesOf('31');
    const res = await putTypes('31', { types });
    expect(res.statusCode).toBe(422);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(paths(res)).toEqual(expected);
    expect(await typesOf('31')).toEqual(before);
  });

  test('a body without a list of types → 422', async () => {
    expect(paths(await putTypes('31', { types: 'healthcare' }))).toEqual(['types']);
    expect(paths(await putTypes('31', {}))).toEqual(['types']);
  });

  test.each([['99'], ['77'], ['4'], ['XX']])('an unknown region %s → 404', async (region) => {
    const res = await putTypes(region, { types: ['healthcare'] });
    expect(res.statusCode).toBe(404);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  });
});

describe('POST /v1/accounts', () => {
  const post = (accounts: unknown[]) => t.call(t.keys.admin, { method: 'POST', url: '/v1/accounts', payload: { accounts } });

  test('upserts and counts created and updated accounts', async () => {
    const [a, b, c] = [makeSnils(), makeSnils(), makeSnils()];
    const first = await post([
      { snils: a.formatted, email: 'a@example.test', confirmed: true },
      { snils: b.bare, email: 'b@example.test', confirmed: false },
    ]);
    expect(first.statusCode).toBe(200);
    expect(first.json()).toEqual({ created: 2, updated: 0 });

    const second = await post([
      { snils: a.bare, email: 'a.new@example.test', confirmed: false },
      { snils: c.formatted, email: 'c@example.test', confirmed: true },
    ]);
    expect(second.json()).toEqual({ created: 1, updated: 1 });
    const row = await t.tdb.db.account.findUniqueOrThrow({ where: { snilsHash: t.secrets.snilsHash(a.bare) } });
    expect(row).toMatchObject({ email: 'a.new@example.test', confirmed: false });
  });

  test('one person written twice in a request is one account', async () => {
    const s = makeSnils();
    const res = await post([
      { snils: s.formatted, email: 'first@example.test', confirmed: false },
      { snils: s.bare, email: 'second@example.test', confirmed: true },
    ]);
    expect(res.json()).toEqual({ created: 1, updated: 0 });
    expect(await t.tdb.db.account.count({ where: { snilsHash: t.secrets.snilsHash(s.bare) } })).toBe(1);
  });

  test('the SNILS is stored only as its keyed hash', async () => {
    const s = makeSnils();
    expect((await post([{ snils: s.formatted, email: 'hashed@example.test', confirmed: true }])).statusCode).toBe(200);
    const rows = await t.tdb.db.$queryRawUnsafe<Record<string, unknown>[]>('SELECT * FROM account');
    const dump = JSON.stringify(rows);
    expect(dump).not.toContain(s.bare);
    expect(dump).not.toContain(s.formatted);
    expect(dump).not.toContain(s.bare.slice(0, 9));
    const row = await t.tdb.db.account.findFirstOrThrow({ where: { email: 'hashed@example.test' } });
    expect(row.snilsHash).toBe(t.secrets.snilsHash(s.bare));
    expect(row.snilsHash).toMatch(/^[0-9a-f]{64}$/);
  });

  test.each([
    ['a SNILS with a wrong control number', ['accounts.0.snils'], [{ snils: '112-233-445 96', email: 'x@example.test', confirmed: true }]],
    ['a SNILS of ten digits', ['accounts.0.snils'], [{ snils: '1122334459', email: 'x@example.test', confirmed: true }]],
    ['the second SNILS invalid', ['accounts.1.snils'], [{ snils: makeSnils().formatted, email: 'x@example.test', confirmed: true }, { snils: '112 233 445 95', email: 'y@example.test', confirmed: true }]],
    ['an e-mail that is not one', ['accounts.0.email'], [{ snils: makeSnils().formatted, email: 'not-an-email', confirmed: true }]],
    ['no confirmed flag', ['accounts.0.confirmed'], [{ snils: makeSnils().formatted, email: 'x@example.test' }]],
    ['a confirmed flag as a string', ['accounts.0.confirmed'], [{ snils: makeSnils().formatted, email: 'x@example.test', confirmed: 'yes' }]],
    ['no accounts', ['accounts'], []],
  ])('%s → 422 %j, nothing stored, the SNILS not echoed', async (_name, expected, accounts) => {
    const before = await t.tdb.db.account.count();
    const res = await post(accounts);
    expect(res.statusCode).toBe(422);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(paths(res)).toEqual(expected);
    for (const a of accounts as { snils: string }[]) {
      expect(res.body).not.toContain(a.snils);
      expect(res.body).not.toContain(a.snils.replace(/\D/g, ''));
    }
    expect(await t.tdb.db.account.count()).toBe(before);
  });
});

describe('GET /docs/json', () => {
  test('is an OpenAPI document that lists the receipts routes', async () => {
    const res = await t.call(null, { method: 'GET', url: '/docs/json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json();
    expect(doc.openapi).toMatch(/^3\./);
    expect(doc.info).toMatchObject({ title: expect.any(String), version: expect.any(String) });
    const routes: [string, string][] = [
      ['/v1/receipts', 'post'],
      ['/v1/receipts/batch', 'post'],
      ['/v1/receipts/{id}', 'get'],
      ['/v1/receipts/{id}/cancel', 'post'],
      ['/v1/receipts/{id}/end', 'post'],
    ];
    for (const [path, method] of routes) {
      const op = doc.paths?.[path]?.[method];
      expect([path, method, op ? 'documented' : 'missing']).toEqual([path, method, 'documented']);
      expect(op.tags).toContain('receipts');
      expect(op.security).toEqual([{ apiKey: [] }]);
    }
    const post = doc.paths['/v1/receipts'].post;
    expect(Object.keys(post.responses)).toEqual(expect.arrayContaining(['200', '202', '401', '403', '409', '422']));
    expect(post.requestBody.content['application/json'].schema).toBeDefined();
    for (const path of ['/v1/organizations/{code}', '/v1/organizations', '/v1/regions/{code}/organization-types', '/v1/accounts', '/health']) {
      expect(Object.keys(doc.paths)).toContain(path);
    }
  });
});
