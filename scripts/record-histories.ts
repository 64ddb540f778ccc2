/**
 * Records the workflow histories that test/replay/replay.test.ts replays against the
 * current code: every lifecycle of the product, run for real on the Temporal dev server
 * (the real runtime, API over HTTP, real PostgreSQL, the real Resend SDK against a fake
 * Resend, the portal channel on against a fake portal, a scaled policy: one policy day
 * lasts 0.2 s).
 *
 *   npm run replay:record -- <label>      # writes test/replay/histories/<label>/*.json
 *
 * Record a new label whenever a workflow changes, and keep every earlier label: workflows
 * started by every version that ever ran in production must still replay. The script
 * refuses to write a history that contains any personal data it used.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import pino from 'pino';
import { loadConfig } from '../src/config';
import { lastFinishedPeriod } from '../src/domain/periods';
import { createApiKey } from '../src/keys';
import { runServices } from '../src/runtime';
import { PROVISIONAL_SCHEDULE_ID, scoringWorkflowId } from '../src/temporal/shared';
import { createTestDatabase, type TestDatabase } from '../test/helpers/db';
import { startFakePortal, type FakePortal } from '../test/helpers/fake-portal';
import { startFakeResend, type FakeResend } from '../test/helpers/fake-resend';
import { makePerson, withoutEmail } from '../test/helpers/people';
import { devServerEnv, findBinary } from '../test/helpers/temporal';

/**
 * Two paces, each a runtime of its own on its own task queue: one policy day lasts 2 s
 * (every timer of a one-time lifecycle is a real timer, none already past when the
 * workflow first runs), or 0.2 s for the long services (half a year ≈ 36 s).
 */
const PACES = { slow: 43_200, fast: 432_000 } as const;
type Pace = keyof typeof PACES;
const DAY_MS = 86_400_000;
const ORG = '1024200077777';
const ANSWERS = { info: 5, process: 4, comfort: 5, accessibility: null, courtesy: 5, competence: 4, overall: 5 };

type Person = ReturnType<typeof makePerson>;

interface Context {
  env: TestWorkflowEnvironment;
  tdb: TestDatabase;
  fake: FakeResend;
  portal: FakePortal;
  /** Every citizen's portal account id (the portal channel names them by it). */
  portalIds: Map<Person, string>;
  apiUrl: string;
  apiUrls: Record<Pace, string>;
  admin: string;
  integrator: string;
  people: Person[];
}

async function main(): Promise<void> {
  const label = process.argv[2];
  if (!label || !/^[\w.-]+$/.test(label)) throw new Error('usage: npm run replay:record -- <label>');
  const outDir = join(__dirname, '..', 'test', 'replay', 'histories', label);

  const [env, tdb, fake, portal] = await Promise.all([devServerEnv(), createTestDatabase('replay'), startFakeResend(), startFakePortal()]);
  process.env.RESEND_BASE_URL = fake.url;
  const runtimes = await Promise.all(Object.entries(PACES).map(([pace, scale]) => runServices(loadConfig({
    ...process.env,
    NODE_ENV: 'test',
    PII_HASH_KEY: 'replay-recording-pii-hash-key-0123456789abcdef',
    PORT: '0',
    DATABASE_URL: tdb.url,
    TEMPORAL_ADDRESS: env.address,
    TEMPORAL_TASK_QUEUE: `replay-${pace}-${Date.now()}`,
    RESEND_API_KEY: 're_replay_key',
    PORTAL_NOTIFY_URL: portal.url,
    PORTAL_NOTIFY_SECRET: portal.secret,
    PUBLIC_BASE_URL: 'https://feedback.example',
    FEEDBACK_TIME_SCALE: String(scale),
    RECONCILE_INTERVAL_SECONDS: '1',
    LOG_LEVEL: 'silent',
  }), pino({ level: 'silent' }))));
  const apiUrls = { slow: runtimes[0].apiUrl, fast: runtimes[1].apiUrl };
  try {
    const ctx: Context = {
      env, tdb, fake, portal, portalIds: new Map(), apiUrl: apiUrls.slow, apiUrls, people: [],
      admin: (await createApiKey(tdb.db, { role: 'admin', name: 'replay-admin' })).key,
      integrator: (await createApiKey(tdb.db, { role: 'integrator', name: 'replay-mis', integrator: 'replay-mis', regions: ['42'] })).key,
    };
    await call(ctx, ctx.admin, 'PUT', `/v1/organizations/${ORG}`, {
      name: 'ГБУЗ «Больница для записи историй»', type: 'healthcare', region: '42', founderLevel: 'regional',
    });
    const recorded = await Promise.all(Object.entries(SCENARIOS).map(async ([name, run]) => {
      const workflowIds = await run({ ...ctx, apiUrl: FAST.includes(name) ? apiUrls.fast : apiUrls.slow });
      console.log(`  ${name}: done`);
      return { name, workflowIds };
    }));
    // Alone and on a warm worker: its cancel must beat a 0.2 s activation timer.
    recorded.push({ name: 'cancelled-before-activation', workflowIds: await cancelledBeforeActivation(ctx) });
    mkdirSync(outDir, { recursive: true });
    for (const { name, workflowIds } of recorded) await save(ctx, outDir, name, workflowIds);
    console.log(`histories written to ${outDir}`);
  } finally {
    await Promise.all(runtimes.map((r) => r.close()));
    await Promise.allSettled([env.teardown(), tdb.drop(), fake.stop(), portal.stop()]);
  }
}

/** The long services, at the fast pace; the rest at the slow one. */
const FAST = ['long-two-rounds-ended', 'unsubscribed'];

/** Each scenario drives one lifecycle to its end and returns the workflows to keep. */
const SCENARIOS: Record<string, (ctx: Context) => Promise<string[]>> = {
  async 'one-time-answered'(ctx) {
    const person = await citizen(ctx);
    const r = await receipt(ctx, { kind: 'one_time' }, person);
    await call(ctx, null, 'POST', `/v1/questionnaires/${await tokenOf(ctx, person)}/responses`, { answers: ANSWERS }, 201);
    await closed(ctx, r.id, 'completed');
    return [r.workflowId];
  },
  async 'one-time-expired'(ctx) {
    const person = await citizen(ctx);
    const r = await receipt(ctx, { kind: 'one_time' }, person);
    await tokenOf(ctx, person);
    await closed(ctx, r.id, 'expired', 120_000);
    return [r.workflowId];
  },
  async 'long-two-rounds-ended'(ctx) {
    const person = await citizen(ctx);
    const r = await receipt(ctx, { kind: 'long', end: null }, person);
    await until('the half-year reminder', async () => mailsTo(ctx, person).length >= 2, 90_000);
    const token = await tokenOf(ctx, person);
    await call(ctx, null, 'POST', `/v1/questionnaires/${token}/responses`, { answers: ANSWERS }, 201);
    await call(ctx, ctx.integrator, 'POST', `/v1/receipts/${r.id}/end`, { end: isoDate(Date.now() + 200 * DAY_MS) }, 200);
    await closed(ctx, r.id, 'service_ended', 90_000);
    return [r.workflowId];
  },
  async 'minor-two-representatives'(ctx) {
    const [mother, father] = [await citizen(ctx), await citizen(ctx)];
    const child = makePerson(isoDate(Date.now() - 9 * 365 * DAY_MS));
    ctx.people.push(child);
    const r = await receipt(ctx, { kind: 'one_time' }, child, [mother, father]);
    await tokenOf(ctx, father);
    await call(ctx, null, 'POST', `/v1/questionnaires/${await tokenOf(ctx, mother)}/responses`, { answers: ANSWERS }, 201);
    await closed(ctx, r.id, 'completed');
    return [r.workflowId];
  },
  async 'no-account'(ctx) {
    const person = makePerson('1971-03-03');
    ctx.people.push(person);
    const r = await receipt(ctx, { kind: 'one_time' }, person);
    await until('no_account', async () => (await view(ctx, r.id)).invitation?.status === 'no_account');
    await finished(ctx, r.workflowId);
    return [r.workflowId];
  },
  async 'cancelled-at-activation'(ctx) {
    // The cancel reaches the database before the activation and the workflow after it.
    const person = await citizen(ctx);
    const r = await receipt(ctx, { kind: 'one_time' }, person);
    await ctx.tdb.db.receipt.update({ where: { id: r.id }, data: { status: 'cancelled' } });
    await closed(ctx, r.id, 'withdrawn');
    return [r.workflowId];
  },
  async 'cancelled-while-active'(ctx) {
    const person = await citizen(ctx);
    const r = await receipt(ctx, { kind: 'long', end: null }, person);
    await tokenOf(ctx, person);
    await call(ctx, ctx.integrator, 'POST', `/v1/receipts/${r.id}/cancel`, undefined, 200);
    await closed(ctx, r.id, 'withdrawn');
    return [r.workflowId];
  },
  async 'unsubscribed'(ctx) {
    const person = await citizen(ctx);
    const r = await receipt(ctx, { kind: 'long', end: null }, person);
    await call(ctx, null, 'POST', `/v1/unsubscribe/${await tokenOf(ctx, person)}`, undefined, 200);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    await call(ctx, ctx.integrator, 'POST', `/v1/receipts/${r.id}/end`, { end: isoDate(Date.now() + 30 * DAY_MS) }, 200);
    await closed(ctx, r.id, 'service_ended');
    return [r.workflowId];
  },
  async 'operator-cancelled'(ctx) {
    const person = await citizen(ctx);
    const r = await receipt(ctx, { kind: 'one_time' }, person);
    await tokenOf(ctx, person);
    await ctx.env.client.workflow.getHandle(r.workflowId).cancel();
    await until('cancelled', async () => (await ctx.env.client.workflow.getHandle(r.workflowId).describe()).status.name === 'CANCELLED');
    await closed(ctx, r.id, 'operator_cancelled', 30_000, 'CANCELLED');
    return [r.workflowId];
  },
  async 'answered-while-retrying'(ctx) {
    const [mother, father] = [await citizen(ctx), await citizen(ctx)];
    ctx.fake.failTo(father.email, 429);
    const child = makePerson(isoDate(Date.now() - 7 * 365 * DAY_MS));
    ctx.people.push(child);
    const r = await receipt(ctx, { kind: 'one_time' }, child, [mother, father]);
    await call(ctx, null, 'POST', `/v1/questionnaires/${await tokenOf(ctx, mother)}/responses`, { answers: ANSWERS }, 201);
    await closed(ctx, r.id, 'completed');
    return [r.workflowId];
  },
  async 'provider-failure'(ctx) {
    const person = await citizen(ctx);
    ctx.fake.failTo(person.email, 500);
    const r = await receipt(ctx, { kind: 'one_time' }, person);
    await closed(ctx, r.id, 'expired', 120_000);
    const failed = await ctx.tdb.db.notification.count({ where: { invitationRound: { invitation: { receiptId: r.id } }, status: 'failed' } });
    if (failed !== 1) throw new Error('provider-failure: the notification was not recorded as failed');
    return [r.workflowId];
  },
  async 'portal-failure'(ctx) {
    // The portal refuses this citizen's notices until the deadline; the e-mail goes.
    const person = await citizen(ctx);
    ctx.portal.failFor(ctx.portalIds.get(person)!, 503);
    const r = await receipt(ctx, { kind: 'one_time' }, person);
    await closed(ctx, r.id, 'expired', 120_000);
    const outcomes = await ctx.tdb.db.notification.findMany({ where: { invitationRound: { invitation: { receiptId: r.id } } }, select: { channel: true, status: true }, orderBy: { channel: 'asc' } });
    if (JSON.stringify(outcomes) !== JSON.stringify([{ channel: 'email', status: 'sent' }, { channel: 'portal', status: 'failed' }])) {
      throw new Error('portal-failure: expected the e-mail sent and the portal notice failed');
    }
    return [r.workflowId];
  },
  async 'scoring-admin'(ctx) {
    const period = lastFinishedPeriod(Date.now());
    await call(ctx, ctx.admin, 'POST', '/v1/scoring/runs', { period }, 202);
    await finished(ctx, scoringWorkflowId(period));
    return [scoringWorkflowId(period)];
  },
  async 'scoring-provisional'(ctx) {
    await ctx.env.client.schedule.getHandle(PROVISIONAL_SCHEDULE_ID).trigger();
    const id = await until('the provisional run', async () => {
      for await (const wf of ctx.env.client.workflow.list({ query: `WorkflowType = 'quarterlyScoringWorkflow' AND ExecutionStatus = 'Completed'` })) {
        if (wf.workflowId.startsWith(PROVISIONAL_SCHEDULE_ID)) return wf.workflowId;
      }
      return null;
    });
    return [id];
  },
};

async function cancelledBeforeActivation(ctx: Context): Promise<string[]> {
  const person = await citizen(ctx);
  const r = await receipt(ctx, { kind: 'one_time' }, person);
  await call(ctx, ctx.integrator, 'POST', `/v1/receipts/${r.id}/cancel`, undefined, 200);
  await finished(ctx, r.workflowId);
  const history = await ctx.env.client.workflow.getHandle(r.workflowId).fetchHistory();
  if (history.events?.some((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'activateInvitation')) {
    throw new Error('cancelled-before-activation: the cancel came after the activation (a slow machine?); run again');
  }
  return [r.workflowId];
}

// ---------- the steps the scenarios share ----------

async function citizen(ctx: Context): Promise<Person> {
  const person = makePerson('1980-04-01');
  ctx.people.push(person);
  const portalAccountId = `replay-portal-${ctx.portalIds.size + 1}`;
  ctx.portalIds.set(person, portalAccountId);
  await call(ctx, ctx.admin, 'POST', '/v1/accounts', { accounts: [{ snils: person.snils, email: person.email, confirmed: true, portalAccountId }] }, 200);
  return person;
}

let externalIds = 0;
async function receipt(ctx: Context, service: { kind: 'one_time' } | { kind: 'long'; end: null }, recipient: Person, representatives?: Person[]) {
  const today = isoDate(Date.now());
  const body = {
    externalId: `REPLAY-${++externalIds}`,
    organization: ORG,
    service: service.kind === 'one_time' ? { kind: 'one_time', date: today } : { kind: 'long', start: today, end: null },
    recipient: withoutEmail(recipient),
    ...(representatives && { representatives: representatives.map(withoutEmail) }),
  };
  const res = await call(ctx, ctx.integrator, 'POST', '/v1/receipts', body, 202);
  return res as { id: string; workflowId: string };
}

function mailsTo(ctx: Context, person: Person) {
  return ctx.fake.delivered.filter((m) => m.to.includes(person.email));
}

async function tokenOf(ctx: Context, person: Person): Promise<string> {
  const mail = await until(`an e-mail to ${person.lastName}`, async () => mailsTo(ctx, person)[0]);
  return /\/q\/([\w-]+)/.exec(mail.text!)![1];
}

/**
 * The invitation as the database holds it. Not the integrator's view: that never tells
 * whether a citizen answered (an answered link shows open until its closesAt).
 */
async function view(ctx: Context, receiptId: string) {
  const invitation = await ctx.tdb.db.invitation.findUnique({ where: { receiptId }, select: { status: true, closeReason: true } });
  return { invitation };
}

async function closed(ctx: Context, receiptId: string, reason: string, timeoutMs = 30_000, status = 'COMPLETED'): Promise<void> {
  await until(`receipt closed (${reason})`, async () => {
    const inv = (await view(ctx, receiptId)).invitation;
    if (inv?.status === 'closed' && inv.closeReason !== reason) throw new Error(`closed as ${inv.closeReason}, expected ${reason}`);
    return inv?.status === 'closed';
  }, timeoutMs);
  await finished(ctx, `receipt-${receiptId}`, status);
}

async function finished(ctx: Context, workflowId: string, status = 'COMPLETED'): Promise<void> {
  await until(`${workflowId} finished`, async () => (await ctx.env.client.workflow.getHandle(workflowId).describe()).status.name === status);
}

async function call(ctx: Context, key: string | null, method: string, path: string, body?: unknown, expected?: number): Promise<unknown> {
  const res = await fetch(`${ctx.apiUrl}${path}`, {
    method,
    headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const parsed: unknown = res.headers.get('content-type')?.includes('json') ? await res.json() : await res.text();
  if (expected !== undefined && res.status !== expected) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(parsed)}`);
  return parsed;
}

async function until<T>(what: string, probe: () => Promise<T | undefined | null | false>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Writes every run of each workflow (continue-as-new makes several), after a personal-data check. */
const cli = findBinary('TEMPORAL_CLI_PATH', 'temporal') ?? 'temporal';

async function save(ctx: Context, outDir: string, name: string, workflowIds: string[]): Promise<void> {
  const tokens = ctx.fake.delivered.map((m) => /\/q\/([\w-]+)/.exec(m.text ?? '')?.[1]).filter((t): t is string => !!t);
  const secrets = ctx.people.flatMap((p) => [p.snils, p.snils.replace(/\D/g, ''), p.lastName, p.firstName, p.birthDate, p.email]).concat(tokens, [...ctx.portalIds.values()]);
  for (const workflowId of workflowIds) {
    const runs: string[] = [];
    for await (const wf of ctx.env.client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) runs.push(wf.runId);
    // The CLI's JSON export, the format the Temporal UI downloads and every SDK replays.
    const exported = runs.map((runId) => execFileSync(cli, ['workflow', 'show', '--address', ctx.env.address, '--workflow-id', workflowId, '--run-id', runId, '--output', 'json'], { maxBuffer: 64 << 20 }).toString());
    const histories = exported.map((json) => JSON.parse(json) as { events: { eventTime: string }[] });
    histories.sort((a, b) => Date.parse(a.events[0].eventTime) - Date.parse(b.events[0].eventTime));
    histories.forEach((history, i) => {
      const json = JSON.stringify(history);
      const payloads = [...json.matchAll(/"data":"([^"]*)"/g)].map((m) => Buffer.from(m[1], 'base64').toString('utf8'));
      const leak = secrets.find((s) => json.includes(s) || payloads.some((p) => p.includes(s)));
      if (leak) throw new Error(`${name}: a history holds personal data; not written`);
      const file = join(outDir, histories.length === 1 ? `${name}.json` : `${name}.run${i + 1}.json`);
      writeFileSync(file, `${JSON.stringify({ workflowId, history }, null, 1)}\n`);
    });
  }
}

function isoDate(ms: number): string {
  return new Date(ms + 3 * 3_600_000).toISOString().slice(0, 10);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
