/**
 * Regions manage their own organisations (Regulation I.12б) through the real app on real
 * Postgres: a region's administrator (`admin` key with a region) in and out of its region,
 * the national administrator unchanged, deactivation (no new receipts, history and
 * indicators kept), and the audit of every change.
 */
import { createActivities } from '../../activities';
import { createParticipant, participantById } from '../../src/cabinet/participants';
import { periodOf } from '../../src/domain/periods';
import { OutboxMailer } from '../../src/mail/outbox-mailer';
import { actorOf, saveOrganization, setOrganizationActive } from '../../src/services/organizations';
import { createTestApp, type TestApp } from './app-helper';
import { GOOD_ANSWERS, openLink } from './citizen-helper';
import { receiptBody } from './receipt-body';

let t: TestApp;
let admin42: string;
let admin42Id: string;
const silent = { info() {}, warn() {} };

const HOSPITAL_54 = { code: '1025400000001', name: 'ГБУЗ НСО «Городская больница № 1»', type: 'healthcare', region: '54', founderLevel: 'regional' };

beforeAll(async () => {
  t = await createTestApp();
  admin42 = await t.key('admin', { regions: ['42'] }, 'Минсоцзащиты Кузбасса');
  admin42Id = (await t.tdb.db.apiKey.findFirstOrThrow({ where: { name: 'Минсоцзащиты Кузбасса' } })).id;
  const { code, ...body } = HOSPITAL_54;
  expect((await putOrg(t.keys.admin, code, body)).statusCode).toBe(201);
});
afterAll(async () => t?.close());

function putOrg(key: string, code: string, body: object) {
  return t.call(key, { method: 'PUT', url: `/v1/organizations/${code}`, payload: body });
}
const post = (key: string, url: string) => t.call(key, { method: 'POST', url });
let serial = 0;
/** A fresh organisation code of region 42 for one test. */
const code42 = () => `10242${String(process.pid % 1000).padStart(3, '0')}${String(++serial).padStart(5, '0')}`;
const school42 = { name: 'МБОУ «Школа № 7»', type: 'general_education', region: '42', founderLevel: 'municipal' };

describe('a region\'s administrator (admin key with --region 42)', () => {
  test('registers and updates organisations of its region, each change an audit event naming the key', async () => {
    const code = code42();
    const created = await putOrg(admin42, code, school42);
    expect(created.statusCode).toBe(201);
    expect(created.json()).toEqual({ code, ...school42, sector: 'education', deactivatedAt: null });
    const updated = await putOrg(admin42, code, { ...school42, name: 'МБОУ «Гимназия № 7»' });
    expect(updated.statusCode).toBe(200);

    const events = await t.tdb.db.auditEvent.findMany({ where: { target: `organization:${code}` }, orderBy: { id: 'asc' } });
    expect(events.map((e) => [e.actor, e.action])).toEqual([
      [`key:${admin42Id} (Минсоцзащиты Кузбасса)`, 'organization.create'],
      [`key:${admin42Id} (Минсоцзащиты Кузбасса)`, 'organization.update'],
    ]);
    expect(events[1].detail).toMatchObject({ before: { name: 'МБОУ «Школа № 7»' }, after: { name: 'МБОУ «Гимназия № 7»' } });
  });

  test('may not register an organisation in another region, move one out, or change one of another region (403 out_of_scope)', async () => {
    const code = code42();
    const foreign = await putOrg(admin42, code, { ...school42, region: '54' });
    expect(foreign.statusCode).toBe(403);
    expect(foreign.json()).toMatchObject({ code: 'out_of_scope' });
    expect(await t.tdb.db.organization.count({ where: { code } })).toBe(0);

    expect((await putOrg(admin42, code, school42)).statusCode).toBe(201);
    expect((await putOrg(admin42, code, { ...school42, region: '54' })).json()).toMatchObject({ code: 'out_of_scope' });

    // Taking another region's organisation into its own region is changing it, too.
    const { code: code54, ...hospital } = HOSPITAL_54;
    const taken = await putOrg(admin42, code54, { ...hospital, region: '42' });
    expect(taken.statusCode).toBe(403);
    expect((await t.tdb.db.organization.findUniqueOrThrow({ where: { code: code54 } })).regionCode).toBe('54');
    expect((await post(admin42, `/v1/organizations/${code54}/deactivate`)).json()).toMatchObject({ code: 'out_of_scope' });
    expect(await t.tdb.db.auditEvent.count({ where: { target: `organization:${code54}`, actor: { startsWith: `key:${admin42Id}` } } })).toBe(0);
  });

  test('chooses its own region\'s participating types, not another region\'s', async () => {
    const own = await t.call(admin42, { method: 'PUT', url: '/v1/regions/42/organization-types', payload: { types: ['general_education', 'healthcare', 'preschool_education', 'sports', 'mse_bureau'] } });
    expect(own.statusCode).toBe(200);
    const other = await t.call(admin42, { method: 'PUT', url: '/v1/regions/54/organization-types', payload: { types: ['healthcare'] } });
    expect(other.statusCode).toBe(403);
    expect(other.json()).toMatchObject({ code: 'out_of_scope' });
    const types54 = (await t.tdb.db.regionOrganizationType.findMany({ where: { regionCode: '54' } })).map((r) => r.typeCode);
    expect(types54.length).toBeGreaterThan(1);
  });

  test('lists only its region\'s organisations; asking for another region is 403', async () => {
    const mine = (await t.call(admin42, { method: 'GET', url: '/v1/organizations?limit=1000' })).json().organizations as { region: string }[];
    expect(mine.length).toBeGreaterThan(0);
    expect(new Set(mine.map((o) => o.region))).toEqual(new Set(['42']));
    expect((await t.call(admin42, { method: 'GET', url: '/v1/organizations?region=54' })).statusCode).toBe(403);
    const all = (await t.call(t.keys.admin, { method: 'GET', url: '/v1/organizations?limit=1000' })).json().organizations as { region: string }[];
    expect(all.map((o) => o.region)).toContain('54');
  });

  test('sees reports of its region only, below the federation level; the national admin sees all', async () => {
    const period = periodOf(new Date());
    const inRegion = await t.call(admin42, { method: 'GET', url: `/v1/reports/indicators?period=${period}&groupBy=organization&region=42` });
    expect(inRegion.statusCode).toBe(200);
    const outside = await t.call(admin42, { method: 'GET', url: `/v1/reports/indicators?period=${period}&groupBy=organization&region=54` });
    expect(outside.statusCode).toBe(403);
    expect(outside.json()).toMatchObject({ code: 'out_of_scope' });
    expect((await t.call(admin42, { method: 'GET', url: `/v1/reports/indicators?period=${period}&groupBy=organization&organization=${HOSPITAL_54.code}` })).statusCode).toBe(403);
    expect((await t.call(admin42, { method: 'GET', url: `/v1/reports/indicators?period=${period}&groupBy=federation` })).statusCode).toBe(403);
    expect((await t.call(t.keys.admin, { method: 'GET', url: `/v1/reports/indicators?period=${period}&groupBy=organization&region=54` })).statusCode).toBe(200);
  });

  test('is refused the national administrator\'s routes (accounts, scoring runs)', async () => {
    const accounts = await t.call(admin42, { method: 'POST', url: '/v1/accounts', payload: { accounts: [] } });
    expect(accounts.statusCode).toBe(403);
    expect(accounts.json()).toMatchObject({ code: 'out_of_scope' });
    expect((await t.call(admin42, { method: 'POST', url: '/v1/scoring/runs', payload: { period: '2026-Q1' } })).json()).toMatchObject({ code: 'out_of_scope' });
    expect((await t.call(admin42, { method: 'GET', url: '/v1/scoring/runs/2026-Q1' })).statusCode).toBe(403);
  });

  test('a cabinet participant with --region 42 gets the same rules from the service, audited under its own name', async () => {
    const { id } = await createParticipant(t.tdb.db, { name: 'Администратор Кузбасса', role: 'admin', regions: ['42'], email: `admin42-${process.pid}@example.test` }, { id: 'test', label: 'test' });
    const participant = (await participantById(t.tdb.db, id))!;
    const actor = actorOf(participant);
    expect(actor).toEqual({ id: `participant:${id}`, label: 'Администратор Кузбасса' });
    const code = code42();
    expect(await saveOrganization(t.tdb.db, actor, participant, { code, ...school42, founderLevel: 'municipal' })).toMatchObject({ ok: true, created: true });
    expect(await setOrganizationActive(t.tdb.db, actor, participant, { code, active: false })).toMatchObject({ ok: true, organization: { deactivatedAt: expect.any(String) } });
    expect(await setOrganizationActive(t.tdb.db, actor, participant, { code: HOSPITAL_54.code, active: false })).toMatchObject({ ok: false, problem: 'out_of_scope' });
    const events = await t.tdb.db.auditEvent.findMany({ where: { target: `organization:${code}` }, orderBy: { id: 'asc' } });
    expect(events.map((e) => [e.actor, e.action])).toEqual([
      [`participant:${id} (Администратор Кузбасса)`, 'organization.create'],
      [`participant:${id} (Администратор Кузбасса)`, 'organization.deactivate'],
    ]);
  });

  test('other roles may not manage organisations at all (403 wrong_role)', async () => {
    for (const key of [t.keys.region, t.keys.federal, t.keys.integrator]) {
      expect((await putOrg(key, code42(), school42)).json()).toMatchObject({ code: 'wrong_role' });
      expect((await post(key, '/v1/organizations/1024200000001/deactivate')).json()).toMatchObject({ code: 'wrong_role' });
    }
  });
});

describe('deactivation', () => {
  test('refuses new receipts (single and batch) with organization_deactivated, keeps stored ones, answers, indicators and the listing mark', async () => {
    const code = code42();
    expect((await putOrg(admin42, code, { ...school42, type: 'healthcare', name: 'ГБУЗ «Больница № 9»' })).statusCode).toBe(201);
    const answered = await Promise.all([openLink(t, { organization: code }), openLink(t, { organization: code })]);
    const activities = createActivities({ db: t.tdb.db, mailer: new OutboxMailer(t.tdb.db, silent), secrets: t.secrets, publicBaseUrl: 'http://x', log: silent });
    for (const { token } of answered) {
      expect((await t.call(null, { method: 'POST', url: `/v1/questionnaires/${token}/responses`, payload: { answers: GOOD_ANSWERS } })).statusCode).toBe(201);
    }
    const stored = receiptBody({ organization: code });
    expect((await t.call(t.keys.integrator, { method: 'POST', url: '/v1/receipts', payload: stored })).statusCode).toBe(202);
    const period = periodOf(new Date());
    await activities.computeSnapshots({ period, final: false, trigger: 'provisional' });
    const report = () => t.call(t.keys.federal, { method: 'GET', url: `/v1/reports/indicators?period=${period}&groupBy=organization&organization=${code}` }).then((r) => r.json());
    const before = await report();
    expect(before.rows).toEqual([expect.objectContaining({ responses: 2 })]);

    const deactivated = await post(admin42, `/v1/organizations/${code}/deactivate`);
    expect(deactivated.statusCode).toBe(200);
    expect(deactivated.json().deactivatedAt).toEqual(expect.any(String));
    // Repeating it changes nothing.
    expect((await post(admin42, `/v1/organizations/${code}/deactivate`)).json().deactivatedAt).toBe(deactivated.json().deactivatedAt);

    const single = await t.call(t.keys.integrator, { method: 'POST', url: '/v1/receipts', payload: receiptBody({ organization: code }) });
    expect(single.statusCode).toBe(422);
    expect(single.json().errors).toEqual([expect.objectContaining({ path: 'organization', code: 'organization_deactivated' })]);
    const batch = await t.call(t.keys.integrator, { method: 'POST', url: '/v1/receipts/batch', payload: { receipts: [receiptBody({ organization: code }), receiptBody()] } });
    expect(batch.statusCode).toBe(200);
    expect(batch.json().results.map((r: { status: string; errors?: { code: string }[] }) => [r.status, r.errors?.[0]?.code])).toEqual([
      ['rejected', 'organization_deactivated'],
      ['accepted', undefined],
    ]);
    // A receipt stored before the deactivation, posted again, is still its duplicate.
    expect((await t.call(t.keys.integrator, { method: 'POST', url: '/v1/receipts', payload: stored })).statusCode).toBe(200);
    expect(await t.tdb.db.receipt.count({ where: { organization: { code } } })).toBe(3);

    // Its history stays and the next scoring run gives the same indicators.
    await activities.computeSnapshots({ period, final: false, trigger: 'provisional' });
    await new Promise((r) => setTimeout(r, 1100)); // the reports' cache follows completed runs within a second
    const after = await report();
    expect(after.computedAt).not.toBe(before.computedAt);
    expect(after.rows).toEqual(before.rows);

    const listed = (await t.call(admin42, { method: 'GET', url: '/v1/organizations?limit=1000' })).json().organizations as { code: string; deactivatedAt: string | null }[];
    expect(listed.find((o) => o.code === code)?.deactivatedAt).toBe(deactivated.json().deactivatedAt);
    expect(listed.find((o) => o.code === '1024200000001')?.deactivatedAt).toBeNull();

    // It sent receipts this quarter: monitoring still counts it, as registered and sending.
    const monitored = (await t.call(admin42, { method: 'GET', url: `/v1/reports/participation?groupBy=organization&organization=${code}` })).json();
    expect(monitored.rows.map((r: { organizations: object }) => r.organizations)).toEqual([{ registered: 1, sending: 1, silent: 0 }]);

    const reactivated = await post(admin42, `/v1/organizations/${code}/reactivate`);
    expect(reactivated.json()).toMatchObject({ code, deactivatedAt: null });
    expect((await t.call(t.keys.integrator, { method: 'POST', url: '/v1/receipts', payload: receiptBody({ organization: code }) })).statusCode).toBe(202);

    const actions = (await t.tdb.db.auditEvent.findMany({ where: { target: `organization:${code}` }, orderBy: { id: 'asc' } })).map((e) => e.action);
    expect(actions).toEqual(['organization.create', 'organization.deactivate', 'organization.reactivate']);
  });

  test('monitoring: a deactivated organisation that sends nothing is neither registered nor silent; one that sent in the quarter still counts', async () => {
    const [quiet, active] = [code42(), code42()];
    for (const c of [quiet, active]) expect((await putOrg(admin42, c, { ...school42, type: 'sports', name: 'МБУ «СШ»' })).statusCode).toBe(201);
    const participation = async () => (await t.call(admin42, { method: 'GET', url: '/v1/reports/participation?groupBy=organizationType&organizationType=sports' })).json();
    const before = await participation();
    expect(before.silent.organizations.map((o: { code: string }) => o.code)).toEqual(expect.arrayContaining([quiet, active]));

    expect((await post(admin42, `/v1/organizations/${quiet}/deactivate`)).statusCode).toBe(200);
    const after = await participation();
    expect(after.silent.organizations.map((o: { code: string }) => o.code)).not.toContain(quiet);
    expect(after.silent.organizations.map((o: { code: string }) => o.code)).toContain(active);
    expect(after.rows[0].organizations).toEqual({
      registered: before.rows[0].organizations.registered - 1, sending: before.rows[0].organizations.sending, silent: before.rows[0].organizations.silent - 1,
    });
  });

  test('an unknown organisation is 404', async () => {
    const res = await post(t.keys.admin, '/v1/organizations/1024299999999/deactivate');
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ code: 'not_found' });
  });
});
