/**
 * The production topology on this machine: `migrate` (twice at once, as two deploys might),
 * then two `api` and two `worker` processes against one Temporal dev server and one
 * PostgreSQL, a fake Resend over HTTP, one policy day = 1 s. Receipts posted round-robin to
 * both APIs all complete their lifecycle exactly once; a SIGTERM to one worker in the
 * middle drains it without losing anything; the schedules exist once; the APIs' receipt
 * counters add up to what was posted.
 *
 * Start time per role and memory per process go to test-artifacts/topology.json.
 */
import { readFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import type { ChildProcess } from 'node:child_process';
import { createApiKey } from '../../src/keys';
import { createDb, type Db } from '../../src/db/client';
import { adminQuery } from '../helpers/db';
import { startFakeResend, type FakeResend } from '../helpers/fake-resend';
import { makePerson, withoutEmail } from '../helpers/people';
import { ROOT, exited, freePort, spawnProduct, startTemporalServer, until, untilHealthy, type Proc } from '../helpers/processes';

jest.setTimeout(300_000);

const SERVER_URL = process.env.TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const ORG = '1024200044444';
const figures: Record<string, unknown> = {};

let dbName: string;
let databaseUrl: string;
let db: Db;
let fake: FakeResend;
let dataDir: string;
let temporalPort: number;
let temporal: ChildProcess;
const procs: Proc[] = [];

function roleEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    NODE_ENV: 'development',
    DATABASE_URL: databaseUrl,
    TEMPORAL_ADDRESS: `127.0.0.1:${temporalPort}`,
    TEMPORAL_TASK_QUEUE: 'topology',
    PII_HASH_KEY: 'topology-test-pii-hash-key-0123456789abcdef',
    RESEND_API_KEY: 're_topology',
    RESEND_BASE_URL: fake.url,
    PUBLIC_BASE_URL: 'https://feedback.example',
    FEEDBACK_TIME_SCALE: '86400',
    RECONCILE_INTERVAL_SECONDS: '1',
    RECONCILE_GRACE_SECONDS: '2',
    LOG_LEVEL: 'warn',
    HOST: '127.0.0.1',
    ...extra,
  };
}

async function role(name: 'api' | 'worker', extra: Record<string, string> = {}): Promise<Proc & { startSeconds: number }> {
  const started = Date.now();
  const p = spawnProduct('src/main.ts', [name], roleEnv(extra));
  procs.push(p);
  if (name === 'api') await untilHealthy(`http://127.0.0.1:${extra.PORT}/health`, p);
  else await until('the worker polling', () => p.log.join('').includes('"msg":"started"') || p.proc.exitCode !== null, 90_000);
  if (p.proc.exitCode !== null) throw new Error(`${name} exited: ${p.log.join('').slice(-2000)}`);
  return { ...p, startSeconds: (Date.now() - started) / 1000 };
}

beforeAll(async () => {
  fake = await startFakeResend();
  dataDir = mkdtempSync(join(tmpdir(), 'feedback-topology-'));
  temporalPort = await freePort();
  temporal = await startTemporalServer(temporalPort, join(dataDir, 'temporal.sqlite'));
  dbName = `topology_${Date.now()}`;
  await adminQuery(`CREATE DATABASE "${dbName}"`);
  const url = new URL(SERVER_URL);
  url.pathname = `/${dbName}`;
  databaseUrl = url.toString();
});

afterAll(async () => {
  for (const p of procs) p.proc.kill('SIGKILL');
  temporal?.kill('SIGKILL');
  await db?.$disconnect();
  await Promise.allSettled([fake?.stop(), adminQuery(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`)]);
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  mkdirSync(join(ROOT, 'test-artifacts'), { recursive: true });
  writeFileSync(join(ROOT, 'test-artifacts', 'topology.json'), `${JSON.stringify(figures, null, 2)}\n`);
});

test('migrate twice at once, two APIs and two workers: every receipt lives its lifecycle once, a drained worker loses nothing', async () => {
  // migrate: one-shot, idempotent, safe to run twice at once.
  const migrateStarted = Date.now();
  const migrations = [spawnProduct('src/main.ts', ['migrate'], roleEnv()), spawnProduct('src/main.ts', ['migrate'], roleEnv())];
  await Promise.all(migrations.map((m) => exited(m.proc)));
  for (const m of migrations) expect({ code: m.proc.exitCode, log: m.proc.exitCode === 0 ? '' : m.log.join('') }).toEqual({ code: 0, log: '' });
  figures.migrateSeconds = (Date.now() - migrateStarted) / 1000;

  db = createDb(databaseUrl, { max: 4 });
  const admin = (await createApiKey(db, { role: 'admin', name: 'ops' })).key;
  const integrator = (await createApiKey(db, { role: 'integrator', name: 'mis', integrator: 'mis-topology', regions: ['42'] })).key;

  const apiPorts = [await freePort(), await freePort()];
  const [api1, api2, worker1, worker2] = await Promise.all([
    role('api', { PORT: String(apiPorts[0]) }),
    role('api', { PORT: String(apiPorts[1]) }),
    role('worker', { LOG_LEVEL: 'info', METRICS_PORT: '0', TEMPORAL_METRICS_PORT: String(await freePort()) }),
    role('worker', { LOG_LEVEL: 'info', METRICS_PORT: '0', TEMPORAL_METRICS_PORT: String(await freePort()) }),
  ]);
  figures.startSeconds = { api: [api1.startSeconds, api2.startSeconds], worker: [worker1.startSeconds, worker2.startSeconds] };
  const apis = apiPorts.map((port) => `http://127.0.0.1:${port}`);
  const call = async (base: string, key: string, method: string, path: string, body?: unknown) => {
    const res = await fetch(`${base}${path}`, { method, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: body ? JSON.stringify(body) : undefined });
    return { status: res.status, body: (await res.json()) as { id: string } };
  };

  expect((await call(apis[0], admin, 'PUT', `/v1/organizations/${ORG}`, { name: 'ГБУЗ «Больница»', type: 'healthcare', region: '42', founderLevel: 'regional' })).status).toBe(201);
  const people = Array.from({ length: 40 }, () => makePerson('1975-01-01'));
  expect((await call(apis[1], admin, 'POST', '/v1/accounts', { accounts: people.map((p) => ({ snils: p.snils, email: p.email, confirmed: true })) })).status).toBe(200);
  const today = new Date(Date.now() + 3 * 3_600_000).toISOString().slice(0, 10);
  const ids = await Promise.all(people.map(async (p, i) => {
    const res = await call(apis[i % 2], integrator, 'POST', '/v1/receipts', {
      externalId: `TOPO-${i}`, organization: ORG, service: { kind: 'one_time', date: today }, recipient: withoutEmail(p),
    });
    expect(res.status).toBe(202);
    return res.body.id;
  }));

  // The APIs' counters add up to what was posted.
  const accepted = async (base: string) => {
    const text = await (await fetch(`${base}/metrics`)).text();
    return Number(/^feedback_receipts_total\{outcome="accepted"\} (\d+)/m.exec(text)?.[1] ?? NaN);
  };
  const perApi = await Promise.all(apis.map(accepted));
  expect(perApi).toEqual([20, 20]);

  // In the middle of the lifecycles: SIGTERM one worker; it drains and exits cleanly.
  await until('the first e-mails', () => fake.delivered.length > 0, 30_000);
  const drainStarted = Date.now();
  worker1.proc.kill('SIGTERM');
  await exited(worker1.proc);
  expect(worker1.proc.exitCode).toBe(0);
  figures.workerDrainSeconds = (Date.now() - drainStarted) / 1000;

  await until('every invitation closed', async () =>
    (await db.invitation.count({ where: { receiptId: { in: ids }, status: 'closed', closeReason: 'expired' } })) === ids.length, 150_000);
  const keys = fake.delivered.map((m) => m.idempotencyKey);
  expect(keys).toHaveLength(40);
  expect(new Set(keys).size).toBe(40);
  expect(new Set(fake.delivered.map((m) => m.to[0]))).toEqual(new Set(people.map((p) => p.email)));

  // The schedules exist once (migrate made them; no api or worker touched them).
  const connection = await Connection.connect({ address: `127.0.0.1:${temporalPort}` });
  try {
    const schedules: string[] = [];
    for await (const s of new Client({ connection }).schedule.list()) schedules.push(s.scheduleId);
    expect(schedules.sort()).toEqual(['provisional-scoring', 'quarterly-scoring']);
  } finally {
    await connection.close();
  }
  figures.rssMegabytes = Object.fromEntries([['api1', api1], ['api2', api2], ['worker2', worker2]].map(([name, p]) => [name, rssMb((p as Proc).proc.pid!)]));
});

function rssMb(pid: number): number | null {
  try {
    const kb = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb ? Math.round(Number(kb) / 1024) : null;
  } catch {
    return null;
  }
}
