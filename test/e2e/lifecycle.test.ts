/**
 * The whole product on the Temporal dev server: the real runtime (API on a port, worker,
 * reconciler), real Postgres, the real Resend SDK talking to a fake Resend over HTTP, and a
 * scaled policy (one policy day = 0.25 s). Ends by proving that no personal data reached
 * workflow histories, search attributes or logs.
 */
import { Writable } from 'node:stream';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import pino from 'pino';
import { loadConfig } from '../../src/config';
import { createApiKey } from '../../src/keys';
import { periodOf } from '../../src/domain/periods';
import { PROVISIONAL_SCHEDULE_ID } from '../../src/temporal/shared';
import { runServices } from '../../src/runtime';
import { tokenHash } from '../../src/security';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { startFakeResend, type FakeResend } from '../helpers/fake-resend';
import { makePerson, withoutEmail } from '../helpers/people';
import { devServerEnv } from '../helpers/temporal';

const SCALE = 4 * 86_400; // one policy day lasts 0.25 s; one calendar month about 7.5 s
const ORG = { code: '1024200099999', name: 'ГАУЗ «Кузбасская клиническая больница»' };

let env: TestWorkflowEnvironment;
let tdb: TestDatabase;
let fake: FakeResend;
let services: { apiUrl: string; close(): Promise<void> };
let logs = '';
let admin: string;
let integrator: string;
let federal: string;

beforeAll(async () => {
  [env, tdb, fake] = await Promise.all([devServerEnv(), createTestDatabase('e2e'), startFakeResend()]);
  process.env.RESEND_BASE_URL = fake.url;
  const config = loadConfig({
    ...process.env,
    NODE_ENV: 'test',
    PORT: '0',
    DATABASE_URL: tdb.url,
    TEMPORAL_ADDRESS: env.address,
    TEMPORAL_TASK_QUEUE: `e2e-${Date.now()}`,
    RESEND_API_KEY: 're_e2e_key',
    PUBLIC_BASE_URL: 'https://feedback.example',
    FEEDBACK_TIME_SCALE: String(SCALE),
    LOG_LEVEL: 'debug',
    RECONCILE_INTERVAL_SECONDS: '1',
  });
  const sink = new Writable({ write(chunk, _enc, done) { logs += chunk.toString(); done(); } });
  services = await runServices(config, pino({ level: 'debug' }, sink));
  admin = (await createApiKey(tdb.db, { role: 'admin', name: 'admin' })).key;
  integrator = (await createApiKey(tdb.db, { role: 'integrator', name: 'mis-42', regions: ['42'], integrator: 'mis-42' })).key;
  federal = (await createApiKey(tdb.db, { role: 'federal', name: 'минтруд' })).key;
});

afterAll(async () => {
  await services?.close();
  await Promise.allSettled([env?.teardown(), tdb?.drop(), fake?.stop()]);
});

async function api(key: string | null, method: string, path: string, body?: unknown) {
  const res = await fetch(`${services.apiUrl}${path}`, {
    method,
    headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  // Response bodies are checked field by field below.
  const parsed: any = res.headers.get('content-type')?.includes('json') ? await res.json() : await res.text(); // eslint-disable-line @typescript-eslint/no-explicit-any
  return { status: res.status, body: parsed };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function until<T = any>(what: string, probe: () => Promise<T | undefined | null | false>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

test('a receipt travels from the API to an e-mail and a closed link, with no personal data in Temporal or logs', async () => {
  expect((await api(null, 'GET', '/health')).body).toEqual({ status: 'ok' });
  expect((await api(null, 'GET', '/ready')).body).toEqual({ status: 'ok', database: 'up', temporal: 'up' });
  expect((await api(admin, 'PUT', `/v1/organizations/${ORG.code}`, { name: ORG.name, type: 'healthcare', region: '42', founderLevel: 'regional' })).status).toBe(201);

  const adult = makePerson('1980-04-01', { lastName: 'Смирнова', firstName: 'Ольга', middleName: 'Игоревна' });
  const child = makePerson('2015-09-09', { lastName: 'Смирнов', firstName: 'Кирилл', middleName: 'Андреевич' });
  const parent = makePerson('1985-02-11', { lastName: 'Смирнов', firstName: 'Андрей', middleName: 'Павлович' });
  const longPatient = makePerson('1950-12-30', { lastName: 'Кузнецов', firstName: 'Виктор', middleName: 'Семёнович' });
  const people = [adult, child, parent, longPatient];
  const accounts = await api(admin, 'POST', '/v1/accounts', {
    accounts: [adult, parent, longPatient].map((p) => ({ snils: p.snils, email: p.email, confirmed: true })),
  });
  expect(accounts.body).toEqual({ created: 3, updated: 0 });

  const today = new Date(Date.now() + 3 * 3600_000).toISOString().slice(0, 10);
  const oneTime = await api(integrator, 'POST', '/v1/receipts', {
    externalId: 'MIS-42-e2e-1', organization: ORG.code, service: { kind: 'one_time', date: today }, recipient: withoutEmail(adult),
  });
  expect(oneTime.status).toBe(202);
  const minor = await api(integrator, 'POST', '/v1/receipts', {
    externalId: 'MIS-42-e2e-2', organization: ORG.code, service: { kind: 'one_time', date: today },
    recipient: withoutEmail(child), representatives: [withoutEmail(parent)],
  });
  expect(minor.status).toBe(202);
  const long = await api(integrator, 'POST', '/v1/receipts', {
    externalId: 'MIS-42-e2e-3', organization: ORG.code, service: { kind: 'long', start: today, end: null }, recipient: withoutEmail(longPatient),
  });
  expect(long.status).toBe(202);

  // Activation after one policy day, the e-mail right after; each addressee gets one.
  const get = async (id: string) => (await api(integrator, 'GET', `/v1/receipts/${id}`)).body;
  await until('e-mails', async () => fake.delivered.length >= 3, 15_000).catch(async (e) => { console.log(logs.split('\n').filter((l) => !l.includes('request')).join('\n').slice(-4000), JSON.stringify(fake.requests.map((r) => [r.status, r.path])), JSON.stringify(await tdb.db.notification.findMany())); throw e; });
  const notified = await until('notified', async () => {
    const r = await get(oneTime.body.id);
    return r.invitation.notifiedAt ? r : null;
  });
  expect(notified.invitation.status).toBe('active');
  // Only once the link is active; the exact 4-day rule is proven on the time-skipping server.
  expect(Date.parse(notified.invitation.notifiedAt)).toBeGreaterThanOrEqual(Date.parse(notified.invitation.activatedAt));
  expect(Date.parse(notified.invitation.notifiedAt)).toBeLessThan(Date.parse(notified.invitation.closesAt));
  const toAdult = fake.delivered.filter((m) => m.to.includes(adult.email));
  expect(toAdult).toHaveLength(1);
  expect(fake.delivered.filter((m) => m.to.includes(parent.email))).toHaveLength(1);
  expect(fake.delivered.some((m) => m.to.includes(child.email))).toBe(false);

  // The link in the e-mail is the one stored (as a hash) for that invitation.
  const token = /https:\/\/feedback\.example\/q\/([\w-]+)/.exec(toAdult[0].text!)![1];
  expect(token.length).toBeGreaterThanOrEqual(22);
  const link = await tdb.db.invitationLink.findUniqueOrThrow({ where: { tokenHash: tokenHash(token) }, include: { invitation: true } });
  expect(link.invitation.receiptId).toBe(oneTime.body.id);
  expect(toAdult[0].text).toContain(`https://feedback.example/u/${token}`);

  // The parent answers the child's questionnaire: the round completes and the link closes.
  const parentToken = /\/q\/([\w-]+)/.exec(fake.delivered.find((m) => m.to.includes(parent.email))!.text!)![1];
  const answers = { info: 5, process: 4, comfort: 5, accessibility: null, courtesy: 5, competence: 4, overall: 5 };
  expect((await api(null, 'POST', `/v1/questionnaires/${parentToken}/responses`, { answers })).status).toBe(201);
  await until('minor link closed by the answer', async () => {
    const i = await tdb.db.invitation.findUnique({ where: { receiptId: minor.body.id } });
    return i?.status === 'closed' && i.closeReason === 'completed' ? i : null;
  });
  // The integrator never learns whether or when its citizen answered (DESIGN §6): its view
  // shows the link open until its scheduled close, with no answer time and no reason.
  const answered = await get(minor.body.id);
  expect(answered.invitation).toMatchObject({ status: 'active', closedAt: null, closeReason: null });
  expect(answered.invitation).not.toHaveProperty('completedAt');

  // The long service ends ten (policy) days after it started, well after its first e-mail
  // (an end before the first e-mail would follow the one-time rules): its link closes at
  // the end of that day, about 2.5 s after T0 here.
  const end = new Date(Date.parse(today) + 10 * 86_400_000).toISOString().slice(0, 10);
  expect((await api(integrator, 'POST', `/v1/receipts/${long.body.id}/end`, { end })).status).toBe(200);
  const ended = await until('long service closed', async () => {
    const r = await get(long.body.id);
    return r.invitation.status === 'closed' ? r : null;
  });
  expect(ended.invitation.closeReason).toBe('service_ended');

  // The one-time link closes one calendar month after T0 (about 7.5 s here).
  const closed = await until('one-time link closed', async () => {
    const r = await get(oneTime.body.id);
    return r.invitation.status === 'closed' ? r : null;
  });
  expect(closed.invitation.closeReason).toBe('expired');
  expect(Date.parse(closed.invitation.closedAt)).toBeGreaterThanOrEqual(Date.parse(closed.invitation.closesAt));

  // The provisional schedule's run turns that into the organisation's indicators for the quarter.
  await env.client.schedule.getHandle(PROVISIONAL_SCHEDULE_ID).trigger();
  const report = await until('provisional indicators', async () => {
    const r = await api(federal, 'GET', `/v1/reports/indicators?groupBy=organization&organization=${ORG.code}`);
    return r.status === 200 && r.body.rows.length === 1 && r.body.rows[0].completed === 1 ? r.body : null;
  });
  expect(report).toMatchObject({ period: periodOf(new Date()), final: false });
  expect(report.rows[0]).toMatchObject({
    key: { organization: ORG.code },
    name: ORG.name,
    notified: 3, // one round each for the adult, the parent and the long-service patient
    completed: 1,
    responses: 1,
    // One answer is below the small-numbers threshold: the federal key sees it, marked
    // (DESIGN §6); the organisation's own key would get it suppressed.
    lowResponses: true,
    suppressed: false,
    satisfaction: 4.67, // (5 + 4 + 5 + 5 + 4 + 5) / 6, barrier-free environment not applicable
  });

  // Operators find the receipts in the Temporal UI by region, organisation and status.
  const found = await until('search attributes indexed', async () => {
    const ids: string[] = [];
    for await (const wf of env.client.workflow.list({ query: `FeedbackRegion = '42' AND FeedbackOrganization = '${ORG.code}' AND FeedbackStatus = 'closed'` })) ids.push(wf.workflowId);
    return ids.length >= 2 ? ids : null;
  });
  expect(found).toEqual(expect.arrayContaining([oneTime.body.workflowId, long.body.workflowId]));
  // Exactly one workflow execution per receipt.
  for (const r of [oneTime, minor, long]) {
    const runs: string[] = [];
    for await (const wf of env.client.workflow.list({ query: `WorkflowId = '${r.body.workflowId}'` })) runs.push(wf.runId);
    expect(runs).toHaveLength(1);
  }

  // No personal data in any history (inputs, activity payloads, results, search attributes) or log line.
  const tokens = fake.delivered.map((m) => /\/q\/([\w-]+)/.exec(m.text!)![1]);
  const secrets = people.flatMap((p) => [p.snils, p.snils.replace(/\D/g, ''), p.lastName, p.firstName, p.middleName, p.birthDate, p.email]).concat(tokens);
  for (const r of [oneTime, minor, long]) {
    const handle = env.client.workflow.getHandle(r.body.workflowId);
    const history = readable(await handle.fetchHistory());
    const description = readable(await handle.describe());
    expect(history).toContain('receiptId'); // only inside decoded payloads: the checks below can fail
    expect(description).toContain(ORG.code);
    for (const secret of secrets) {
      expect(history).not.toContain(secret);
      expect(description).not.toContain(secret);
    }
  }
  expect(logs).toContain('e-mail sent');
  for (const secret of secrets) expect(logs).not.toContain(secret);
});

/** JSON of an object with every payload's data (bytes or base64) decoded as UTF-8 text. */
function readable(value: unknown): string {
  return JSON.stringify(value, (key, v) => {
    if (key === 'data' && typeof v === 'string') return Buffer.from(v, 'base64').toString('utf8');
    if (v instanceof Uint8Array) return Buffer.from(v).toString('utf8');
    if (v && typeof v === 'object' && v.type === 'Buffer' && Array.isArray(v.data)) return Buffer.from(v.data).toString('utf8');
    if (typeof v === 'bigint') return String(v);
    return v;
  });
}
