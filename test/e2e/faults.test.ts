/**
 * Faults, black-box: the product runs as its own process (`src/start.ts` against an
 * external PostgreSQL and a Temporal dev server started here on a state file), with a fake
 * Resend over HTTP and a scaled policy (one policy day = 1 s). Loopback only, bounded.
 *
 * - SIGKILL in the middle of hundreds of lifecycles, restart: every citizen is e-mailed
 *   exactly once (counted at the fake Resend by idempotency key), every link closes.
 * - Temporal stopped for half a minute and restarted on its state file while receipts
 *   arrive: the API answers 202 within about a second, and so does /ready; every
 *   stored receipt gets its workflow within seconds of Temporal's return.
 * - PostgreSQL unreachable (a switch between the product and the server cuts every
 *   connection): 503 problem+json within a second, a Russian page for citizens, nothing
 *   half-stored; when it returns the API recovers without a restart and the workflows
 *   caught in the middle finish.
 *
 * The figures measured go to test-artifacts/faults.json.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApiKey } from '../../src/keys';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { startFakeResend, type FakeResend } from '../helpers/fake-resend';
import { makePerson, withoutEmail } from '../helpers/people';
import { TcpSwitch } from '../helpers/tcp-switch';
import { ROOT, exited, freePort, sleep, spawnProduct, startTemporalServer, until, untilHealthy } from '../helpers/processes';

jest.setTimeout(600_000);

const ORG = '1024200033333';
const figures: Record<string, unknown> = {};

let tdb: TestDatabase;
let fake: FakeResend;
let pgSwitch: TcpSwitch;
let productDatabaseUrl: string;
let dataDir: string;
let temporal: { port: number; dbFile: string; proc?: ChildProcess };
let product: { port: number; proc?: ChildProcess };
let admin: string;
let integrator: string;

beforeAll(async () => {
  [tdb, fake] = await Promise.all([createTestDatabase('faults'), startFakeResend()]);
  const direct = new URL(tdb.url);
  pgSwitch = new TcpSwitch({ host: direct.hostname, port: Number(direct.port || 5432) });
  const through = new URL(tdb.url);
  through.port = String(await pgSwitch.listen());
  productDatabaseUrl = through.toString();
  dataDir = mkdtempSync(join(tmpdir(), 'feedback-faults-'));
  temporal = { port: await freePort(), dbFile: join(dataDir, 'temporal.sqlite') };
  product = { port: await freePort() };
  await startTemporal();
  await tdb.db.organization.create({ data: { code: ORG, name: 'ГБУЗ «Больница для отказов»', typeCode: 'healthcare', regionCode: '42', founderLevel: 'regional' } });
  admin = (await createApiKey(tdb.db, { role: 'admin', name: 'ops' })).key;
  integrator = (await createApiKey(tdb.db, { role: 'integrator', name: 'mis', integrator: 'mis-faults', regions: ['42'] })).key;
  await startProduct();
});

afterAll(async () => {
  product?.proc?.kill('SIGKILL');
  temporal?.proc?.kill('SIGKILL');
  await Promise.allSettled([tdb?.drop(), fake?.stop(), pgSwitch?.close()]);
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  mkdirSync(join(ROOT, 'test-artifacts'), { recursive: true });
  writeFileSync(join(ROOT, 'test-artifacts', 'faults.json'), `${JSON.stringify(figures, null, 2)}\n`);
});

test('SIGKILL in the middle of 300 lifecycles, restart: every citizen e-mailed exactly once, every link closed', async () => {
  const people = await citizens(300);
  const res = await api(integrator, 'POST', '/v1/receipts/batch', {
    receipts: people.map((p, i) => ({ externalId: `KILL-${i}`, organization: ORG, service: { kind: 'one_time', date: today() }, recipient: withoutEmail(p) })),
  });
  expect(res.status).toBe(200);
  const ids: string[] = res.body.results.map((r: { status: string; id: string }) => {
    expect(r.status).toBe('accepted');
    return r.id;
  });
  await sleep(1_500); // activations are due now: kill in the middle of them
  product.proc!.kill('SIGKILL');
  await exited(product.proc!);
  const deliveredAtKill = fake.delivered.length;
  await sleep(5_000);
  const restartedAt = Date.now();
  await startProduct();

  await until('every invitation closed', async () =>
    (await tdb.db.invitation.count({ where: { receiptId: { in: ids }, status: 'closed' } })) === ids.length, 300_000);
  const keys = fake.delivered.map((m) => m.idempotencyKey);
  expect(new Set(keys).size).toBe(keys.length); // no key delivered twice
  expect(keys).toHaveLength(300); // one e-mail per citizen
  const notifications = await tdb.db.notification.findMany({ where: { invitationRound: { invitation: { receiptId: { in: ids } } } } });
  expect(notifications.map((n) => n.status)).toEqual(Array(300).fill('sent'));
  expect(new Set(people.map((p) => p.email))).toEqual(new Set(fake.delivered.map((m) => m.to[0])));
  figures.sigkill = {
    receipts: 300,
    deliveredBeforeKill: deliveredAtKill,
    deliveredAfterRestart: 300 - deliveredAtKill,
    deliveredTwice: keys.length - new Set(keys).size,
    ...secondsAfter(restartedAt, fake.requests.filter((r) => r.status === 200 && !r.replay && r.at >= restartedAt).map((r) => r.at), 'deliveries'),
    allClosedSecondsAfterRestart: (Date.now() - restartedAt) / 1000,
  };
});

test('Temporal down for half a minute while receipts arrive: 202 within a second, workflows within seconds of its return', async () => {
  const people = await citizens(20);
  temporal.proc!.kill('SIGTERM');
  await exited(temporal.proc!);
  const downAt = Date.now();
  const latencies: number[] = [];
  const ids: string[] = [];
  for (const [i, p] of people.entries()) {
    const started = Date.now();
    const res = await api(integrator, 'POST', '/v1/receipts', {
      externalId: `DOWN-${i}`, organization: ORG, service: { kind: 'one_time', date: today() }, recipient: withoutEmail(p),
    });
    latencies.push(Date.now() - started);
    expect(res.status).toBe(202);
    ids.push(res.body.id);
  }
  const healthStarted = Date.now();
  const health = await api(null, 'GET', '/ready');
  const healthMs = Date.now() - healthStarted;
  figures.temporalDown = { receipts: 20, postLatencyMs: latencies, healthMs };
  expect(health.body.temporal).toBe('down');
  // About a second (the deadline on calls to Temporal); the slack is for a loaded 2-core CI
  // machine. Before the fix: 17.7–22.4 s each.
  expect(healthMs).toBeLessThan(2_500);
  expect(Math.max(...latencies)).toBeLessThan(2_500);
  expect(await tdb.db.receipt.count({ where: { id: { in: ids }, workflowStartedAt: null } })).toBe(20);

  await sleep(Math.max(0, 30_000 - (Date.now() - downAt)));
  await startTemporal();
  const backAt = Date.now();
  await until('every stored receipt has its workflow', async () =>
    (await tdb.db.receipt.count({ where: { id: { in: ids }, workflowStartedAt: null } })) === 0, 60_000);
  const recoverySeconds = (Date.now() - backAt) / 1000;
  // The documented window is RECONCILE_INTERVAL_SECONDS (1) + RECONCILE_GRACE_SECONDS (2), plus
  // reconnecting and the 5 s fail-fast after a failed start: 3–8 s measured on a quiet machine.
  // The bound is loose for a loaded CI machine; before the fix it was 113–127 s.
  expect(recoverySeconds).toBeLessThan(30);
  await until('every citizen e-mailed', async () => people.every((p) => fake.delivered.some((m) => m.to[0] === p.email)), 60_000);
  figures.temporalDown = {
    receipts: 20,
    postLatencyMsMax: Math.max(...latencies),
    postLatencyMsMedian: latencies.sort((a, b) => a - b)[10],
    healthMs,
    workflowsStartedSecondsAfterReturn: recoverySeconds,
  };
});

test('PostgreSQL unreachable: 503 within a second, a Russian page for citizens, nothing half-stored, recovery without a restart', async () => {
  const people = await citizens(20);
  const ids: string[] = [];
  for (const [i, p] of people.entries()) {
    const res = await api(integrator, 'POST', '/v1/receipts', {
      externalId: `PG-${i}`, organization: ORG, service: { kind: 'one_time', date: today() }, recipient: withoutEmail(p),
    });
    expect(res.status).toBe(202);
    ids.push(res.body.id);
  }
  // The first e-mails are out: cut the database in the middle of these lifecycles.
  await until('a first e-mail', async () => people.some((p) => fake.delivered.some((m) => m.to[0] === p.email)), 30_000);
  const mail = fake.delivered.find((m) => people.some((p) => m.to[0] === p.email))!;
  const token = /\/q\/([\w-]+)/.exec(mail.text!)![1];
  pgSwitch.down();
  const downAt = Date.now();

  const timings: Record<string, number> = {};
  const timed = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
    const started = Date.now();
    try {
      return await fn();
    } finally {
      timings[name] = Date.now() - started;
    }
  };
  const others = [0, 1, 2, 3].map(() => makePerson('1990-01-01')); // no account: no e-mail either way
  const post = await timed('receiptMs', () => api(integrator, 'POST', '/v1/receipts', {
    externalId: 'PG-during', organization: ORG, service: { kind: 'one_time', date: today() }, recipient: withoutEmail(others[0]),
  }));
  const batch = await timed('batchMs', () => api(integrator, 'POST', '/v1/receipts/batch', {
    receipts: others.slice(0, 3).map((p, i) => ({ externalId: `PG-batch-${i}`, organization: ORG, service: { kind: 'one_time', date: today() }, recipient: withoutEmail(p) })),
  }));
  const page = await timed('citizenPageMs', () => fetch(`http://127.0.0.1:${product.port}/q/${token}`));
  const pageText = await page.text();
  const health = await timed('healthMs', () => api(null, 'GET', '/ready'));
  figures.postgresDown = { timings };

  for (const res of [post, batch]) {
    expect(res.status).toBe(503);
    expect(res.body).toMatchObject({ status: 503 });
  }
  expect(page.status).toBe(503);
  expect(page.headers.get('content-type')).toContain('text/html');
  expect(pageText).toContain('попробуйте позже');
  expect(health.body.database).toBe('down');
  for (const ms of Object.values(timings)) expect(ms).toBeLessThan(2_000);

  await sleep(Math.max(0, 15_000 - (Date.now() - downAt)));
  pgSwitch.up();
  const upAt = Date.now();
  await until('the API writing again', async () => (await api(integrator, 'POST', '/v1/receipts', {
    externalId: 'PG-after', organization: ORG, service: { kind: 'one_time', date: today() }, recipient: withoutEmail(others[3]),
  })).status === 202, 30_000);
  const apiRecoverySeconds = (Date.now() - upAt) / 1000;
  // Nothing half-stored: what was refused during the outage is not there.
  expect(await tdb.db.receipt.count({ where: { externalId: { in: ['PG-during', 'PG-batch-0', 'PG-batch-1', 'PG-batch-2'] } } })).toBe(0);
  // The lifecycles caught by the outage finish: one e-mail each, every link closed.
  await until('every invitation closed', async () =>
    (await tdb.db.invitation.count({ where: { receiptId: { in: ids }, status: 'closed', closeReason: 'expired' } })) === ids.length, 120_000);
  for (const p of people) expect(fake.delivered.filter((m) => m.to[0] === p.email)).toHaveLength(1);
  figures.postgresDown = { timings, outageSeconds: (upAt - downAt) / 1000, apiRecoverySeconds, lifecyclesClosedSecondsAfterReturn: (Date.now() - upAt) / 1000 };
});

// ---------- the processes ----------

async function startTemporal(): Promise<void> {
  temporal.proc = await startTemporalServer(temporal.port, temporal.dbFile);
}

async function startProduct(): Promise<void> {
  const p = spawnProduct('src/start.ts', [], {
    NODE_ENV: 'development',
    HOST: '127.0.0.1',
    PORT: String(product.port),
    DATA_DIR: dataDir,
    DATABASE_URL: productDatabaseUrl,
    TEMPORAL_ADDRESS: `127.0.0.1:${temporal.port}`,
    TEMPORAL_TASK_QUEUE: 'faults',
    RESEND_API_KEY: 're_faults',
    RESEND_BASE_URL: fake.url,
    PUBLIC_BASE_URL: 'https://feedback.example',
    FEEDBACK_TIME_SCALE: '86400',
    RECONCILE_INTERVAL_SECONDS: '1',
    RECONCILE_GRACE_SECONDS: '2',
    LOG_LEVEL: 'warn',
  });
  product.proc = p.proc;
  await untilHealthy(`http://127.0.0.1:${product.port}/health`, p);
}

// ---------- helpers ----------

/** Median, 90th percentile and last of instants, in seconds after `t0`. */
function secondsAfter(t0: number, instants: number[], what: string): Record<string, number> {
  const s = instants.map((at) => (at - t0) / 1000).sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? NaN;
  return { [`${what}P50Seconds`]: at(0.5), [`${what}P90Seconds`]: at(0.9), [`${what}LastSeconds`]: at(1) };
}

async function citizens(n: number) {
  const people = Array.from({ length: n }, () => makePerson('1980-01-01'));
  const res = await api(admin, 'POST', '/v1/accounts', { accounts: people.map((p) => ({ snils: p.snils, email: p.email, confirmed: true })) });
  expect(res.status).toBe(200);
  return people;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies are checked field by field
async function api(key: string | null, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`http://127.0.0.1:${product.port}${path}`, {
    method,
    headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: res.status, body: res.headers.get('content-type')?.includes('json') ? await res.json() : await res.text() };
}

function today(): string {
  return new Date(Date.now() + 3 * 3_600_000).toISOString().slice(0, 10);
}





