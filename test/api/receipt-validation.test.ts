/**
 * Every validation rule of DESIGN §3 through the real app: the status, the exact field
 * paths, problem+json, no personal data echoed, and nothing stored for a rejected receipt.
 */
import { randomUUID } from 'node:crypto';
import type { Response } from 'light-my-request';
import { makeSnils } from '../helpers/people';
import { ORG, createTestApp, type TestApp } from './app-helper';
import { receiptBody, representative } from './receipt-body';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => t?.close());

const ALL_TYPES = ['general_education', 'healthcare', 'mse_bureau', 'preschool_education', 'sports'];
const HOUR = 3600_000;
/** A Moscow calendar date `days` from today. */
const moscowDay = (days: number) => new Date(Date.now() + 3 * HOUR + days * 24 * HOUR).toISOString().slice(0, 10);

type Person = { lastName: string; firstName: string; middleName?: string | null; birthDate: string; snils: string };
type Body = { externalId: string; organization: string; service: unknown; recipient: Person; representatives: Person[]; [key: string]: unknown };

/** A valid receipt whose people have names no message could contain by chance. */
function body(): Body {
  const b = receiptBody() as unknown as Body;
  b.recipient = { ...b.recipient, lastName: 'Зюзикова', firstName: 'Евлампия', middleName: 'Фортунатовна' };
  return b;
}
const minor = () => ({ ...body().recipient, birthDate: '2015-05-05' });
const post = (payload: unknown, key = t.keys.integrator) => t.call(key, { method: 'POST', url: '/v1/receipts', payload: payload as object });

/** The people a request names: none of their data may come back in an error. */
function personalData(sent: unknown): string[] {
  const b = sent as { recipient?: Record<string, unknown>; representatives?: Record<string, unknown>[] };
  const people = [b.recipient, ...(Array.isArray(b.representatives) ? b.representatives : [])].filter(Boolean) as Record<string, unknown>[];
  return people.flatMap((p) => {
    const snils = typeof p.snils === 'string' ? [p.snils, p.snils.replace(/\D/g, '')] : [];
    return [...snils, p.lastName, p.firstName, p.middleName].filter((v): v is string => typeof v === 'string' && v.length >= 3);
  });
}

function expectProblem(res: Response, status: number, paths: string[], sent: unknown) {
  expect({ status: res.statusCode, body: res.json() }).toMatchObject({ status, body: { status, type: expect.any(String), title: expect.any(String) } });
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  const errors = res.json().errors as { path: string; message: string }[];
  expect(errors.map((e) => e.path).sort()).toEqual([...paths].sort());
  for (const e of errors) expect(e.message).toEqual(expect.any(String));
  for (const value of personalData(sent)) expect(res.body).not.toContain(value);
}

async function expectNotStored(sent: unknown) {
  const externalId = (sent as { externalId?: unknown }).externalId;
  if (typeof externalId === 'string') expect(await t.tdb.db.receipt.count({ where: { externalId } })).toBe(0);
}

const set = (path: string, value: unknown) => (b: Body): Body => {
  const copy = structuredClone(b) as Record<string, unknown>;
  const keys = path.split('.');
  let node = copy;
  for (const k of keys.slice(0, -1)) node = node[k] as Record<string, unknown>;
  if (value === undefined) delete node[keys[keys.length - 1]];
  else node[keys[keys.length - 1]] = value;
  return copy as Body;
};
const wrongControl = () => {
  const s = makeSnils().formatted;
  return s.slice(0, -2) + String((Number(s.slice(-2)) + 1) % 100).padStart(2, '0');
};

const INVALID: [string, string[], (b: Body) => Body][] = [
  // SNILS
  ['a SNILS with a letter', ['recipient.snils'], set('recipient.snils', '112-233-445 9Ы')],
  ['a SNILS of 10 digits', ['recipient.snils'], set('recipient.snils', '1122334459')],
  ['a SNILS with spaces for hyphens', ['recipient.snils'], set('recipient.snils', '112 233 445 95')],
  ['a SNILS with a wrong control number', ['recipient.snils'], (b) => set('recipient.snils', wrongControl())(b)],
  ['a representative\'s SNILS with a wrong control number', ['representatives.0.snils'], (b) => ({ ...b, recipient: minor(), representatives: [{ ...representative(), snils: wrongControl() }] })],
  ['the recipient\'s SNILS again for the representative', ['representatives.0.snils'], (b) => ({ ...b, representatives: [{ ...representative(), snils: b.recipient.snils.replace(/\D/g, '') }] })],
  // calendar dates
  ['a service on 30 February', ['service.date'], set('service', { kind: 'one_time', date: '2026-02-30' })],
  ['a birth date of 29 February in a common year', ['recipient.birthDate'], set('recipient.birthDate', '1981-02-29')],
  ['a long service starting in month 13', ['service.start'], set('service', { kind: 'long', start: '2025-13-01', end: null })],
  ['a long service ending on 31 April', ['service.end'], set('service', { kind: 'long', start: '2025-09-01', end: '2026-04-31' })],
  ['a date written DD.MM.YYYY', ['service.date'], set('service', { kind: 'one_time', date: '02.03.2026' })],
  ['a birth date as a number', ['recipient.birthDate'], set('recipient.birthDate', 19800401)],
  // dates against today
  ['a birth date tomorrow', ['recipient.birthDate'], set('recipient.birthDate', moscowDay(1))],
  ['a birth date in 2099', ['recipient.birthDate'], set('recipient.birthDate', '2099-01-01')],
  ['a birth date in 1899', ['recipient.birthDate'], set('recipient.birthDate', '1899-12-31')],
  ['a representative born in 1850', ['representatives.0.birthDate'], (b) => ({ ...b, recipient: minor(), representatives: [representative('1850-01-01')] })],
  ['a service tomorrow', ['service.date'], set('service', { kind: 'one_time', date: moscowDay(1) })],
  ['a long service starting next year', ['service.start'], set('service', { kind: 'long', start: moscowDay(365), end: null })],
  ['a long service ending before its start', ['service.end'], set('service', { kind: 'long', start: '2025-09-01', end: '2025-08-31' })],
  // people
  ['a minor without a representative', ['representatives'], set('recipient', minor())],
  ['a minor with an empty list of representatives', ['representatives'], (b) => ({ ...b, recipient: minor(), representatives: [] })],
  ['a representative who is a minor', ['representatives.0.birthDate'], (b) => ({ ...b, recipient: minor(), representatives: [representative('2012-01-01')] })],
  ['the second representative a minor', ['representatives.1.birthDate'], (b) => ({ ...b, recipient: minor(), representatives: [representative(), representative('2012-01-01')] })],
  ['eleven representatives', ['representatives'], (b) => ({ ...b, representatives: Array.from({ length: 11 }, () => representative()) })],
  ['an empty last name', ['recipient.lastName'], set('recipient.lastName', '   ')],
  // organisation
  ['an unknown organisation', ['organization'], set('organization', '0000000000000')],
  ['an empty organisation', ['organization'], set('organization', '')],
  // shape
  ['no externalId', ['externalId'], set('externalId', undefined)],
  ['no organisation', ['organization'], set('organization', undefined)],
  ['no service', ['service'], set('service', undefined)],
  ['no recipient', ['recipient'], set('recipient', undefined)],
  ['a recipient without SNILS', ['recipient.snils'], set('recipient.snils', undefined)],
  ['a recipient without a birth date', ['recipient.birthDate'], set('recipient.birthDate', undefined)],
  ['a one-time service without its date', ['service.date'], set('service', { kind: 'one_time' })],
  ['a service of an unknown kind', ['service.kind'], set('service', { kind: 'periodic', date: '2026-01-10' })],
  ['representatives not a list', ['representatives'], set('representatives', { lastName: 'x' })],
  // unknown keys: the path names the key that is not in the contract
  ['an unknown top-level key', ['nickname'], set('nickname', 'Нюша')],
  ['an unknown key in the recipient', ['recipient.passport'], set('recipient.passport', '3210 654321')],
  ['an unknown key in the service', ['service.place'], set('service', { kind: 'one_time', date: '2026-01-10', place: 'ward 5' })],
  ['an end on a one-time service', ['service.end'], set('service', { kind: 'one_time', date: '2026-01-10', end: '2026-01-11' })],
];

describe('an invalid receipt is 422 with the field path', () => {
  test.each(INVALID)('%s → %j', async (_name, paths, mutate) => {
    const sent = mutate(body());
    const res = await post(sent);
    expectProblem(res, 422, paths, sent);
    await expectNotStored(sent);
  });
});

test('a valid receipt of the same shape is accepted (the cases above differ by one thing)', async () => {
  expect((await post(body())).statusCode).toBe(202);
  expect((await post({ ...body(), recipient: minor(), representatives: [representative()] })).statusCode).toBe(202);
  expect((await post({ ...body(), service: { kind: 'long', start: '2025-09-01', end: '2025-09-01' } })).statusCode).toBe(202);
});

test('a recipient who turns 18 on the service date needs no representative; a day younger does', async () => {
  const serviceDate = '2026-01-10';
  const adult = { ...body(), service: { kind: 'one_time', date: serviceDate }, recipient: { ...body().recipient, birthDate: '2008-01-10' } };
  expect((await post(adult)).statusCode).toBe(202);
  const minorByADay = { ...body(), service: { kind: 'one_time', date: serviceDate }, recipient: { ...body().recipient, birthDate: '2008-01-11' } };
  expectProblem(await post(minorByADay), 422, ['representatives'], minorByADay);
});

test('an organisation whose type its region does not take part with is 422; enabled again, accepted', async () => {
  const put = (types: string[]) => t.call(t.keys.admin, { method: 'PUT', url: '/v1/regions/42/organization-types', payload: { types } });
  const disabled = await put(ALL_TYPES.filter((x) => x !== ORG.type));
  expect(disabled.statusCode).toBe(200);
  try {
    const sent = body();
    const res = await post(sent);
    expectProblem(res, 422, ['organization'], sent);
    expect(res.json().errors[0].message).toMatch(/healthcare/);
    await expectNotStored(sent);
  } finally {
    expect((await put(ALL_TYPES)).json()).toEqual({ region: '42', types: ALL_TYPES });
  }
  expect((await post(body())).statusCode).toBe(202);
});

describe('an organisation outside the integrator\'s scope is 403', () => {
  const NSK = `10254${randomUUID().replace(/\D/g, '').slice(0, 8)}`;
  beforeAll(async () => {
    const res = await t.call(t.keys.admin, {
      method: 'PUT',
      url: `/v1/organizations/${NSK}`,
      payload: { name: 'ГБУЗ НСО «Городская больница»', type: 'healthcare', region: '54', founderLevel: 'regional' },
    });
    expect(res.statusCode).toBe(201);
  });

  test('a region-42 integrator posting for a region-54 hospital', async () => {
    const sent = { ...body(), organization: NSK };
    const res = await post(sent);
    expectProblem(res, 403, ['organization'], sent);
    await expectNotStored(sent);
  });

  test('a region-54 integrator posting for a region-42 hospital', async () => {
    const sent = body();
    expectProblem(await post(sent, t.keys.otherIntegrator), 403, ['organization'], sent);
    await expectNotStored(sent);
  });

  test('a health-sector integrator posting for a school in its region', async () => {
    const school = `10242${randomUUID().replace(/\D/g, '').slice(0, 8)}`;
    await t.tdb.db.organization.create({ data: { code: school, name: 'МБОУ «Школа № 1»', typeCode: 'general_education', regionCode: '42', founderLevel: 'municipal' } });
    const key = await t.key('integrator', { regions: ['42'], sectors: ['health'] }, 'mis-42-health');
    const sent = { ...body(), organization: school };
    expectProblem(await post(sent, key), 403, ['organization'], sent);
    expect((await post(body(), key)).statusCode).toBe(202);
  });

  test('the region-54 integrator may post for its own hospital', async () => {
    expect((await post({ ...body(), organization: NSK }, t.keys.otherIntegrator)).statusCode).toBe(202);
  });
});

describe('a body that is not a receipt', () => {
  test('malformed JSON is 400 problem+json', async () => {
    const res = await t.call(t.keys.integrator, {
      method: 'POST',
      url: '/v1/receipts',
      headers: { 'content-type': 'application/json' },
      payload: '{"externalId": "x", "recipient": {"snils": "112-233-445 95"',
    });
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.json()).toMatchObject({ status: 400, title: expect.any(String), detail: expect.any(String) });
    expect(res.body).not.toContain('112-233-445');
  });

  test('a JSON array is 422', async () => {
    const res = await t.call(t.keys.integrator, { method: 'POST', url: '/v1/receipts', headers: { 'content-type': 'application/json' }, payload: '[]' });
    expect(res.statusCode).toBe(422);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  });

  test('an empty body is 4xx problem+json', async () => {
    const res = await t.call(t.keys.integrator, { method: 'POST', url: '/v1/receipts', headers: { 'content-type': 'application/json' } });
    expect([400, 422]).toContain(res.statusCode);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  });
});

test('every rejected receipt leaves nothing behind: no receipt, no person, no invitation', async () => {
  const counts = async () => ({
    receipts: await t.tdb.db.receipt.count(),
    persons: await t.tdb.db.receiptPerson.count(),
    invitations: await t.tdb.db.invitation.count(),
  });
  const before = await counts();
  const sent = INVALID.map(([, , mutate]) => mutate(body()));
  const responses = await Promise.all(sent.map((b) => post(b)));
  expect(responses.map((r) => r.statusCode)).toEqual(sent.map(() => 422));
  expect(await post(body(), t.keys.otherIntegrator)).toMatchObject({ statusCode: 403 });
  expect(await counts()).toEqual(before);
});
