/**
 * Start time per process role and memory (RSS) per process, as production runs them: each
 * role a process of its own (src/main.ts) against this machine's PostgreSQL and a Temporal
 * dev server (`temporal server start-dev`, started here on free ports), e-mail through the
 * real Resend SDK to a local fake Resend (test/helpers/fake-resend.ts).
 *
 *   npx tsx bench/roles.ts
 *
 * 1. `migrate` on an empty database (migrations, reference data, search attributes,
 *    schedules), then once more on the migrated one (what every later deploy does);
 * 2. `api` and `worker`, one role at a time, BENCH_STARTS times each: spawn to `/ready`
 *    answering 200 (api), spawn to the worker's `started` log line, written once the worker
 *    runs and its metrics server answers (worker);
 * 3. one api and one worker from the last start take BENCH_RECEIPTS receipts with one policy
 *    day lasting one second: every citizen e-mailed, every link closed a month (30 s) later;
 *    RSS then, and each process's peak (VmHWM).
 *
 * Environment: BENCH_STARTS=3, BENCH_RECEIPTS=300, BENCH_CONCURRENCY=8 (receipts posted at
 * once), BENCH_DIST=1 (run `node dist/src/main.js` with the prebuilt workflow bundle, as the
 * production image does; `npm run build` first) instead of `tsx src/main.ts` (`npm run api`…).
 * The database is BENCH_DATABASE_URL's server, else TEST_DATABASE_URL's, else the local one;
 * a `bench_roles_*` database is made there and dropped at the end (also on Ctrl-C).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDb, type Db } from '../src/db/client';
import { createApiKey } from '../src/keys';
import { startFakeResend, type FakeResend } from '../test/helpers/fake-resend';
import { makePerson, withoutEmail } from '../test/helpers/people';
import { ROOT, exited, freePort, startTemporalServer, until } from '../test/helpers/processes';
import { adminQuery, fmt, median, SERVER_URL } from './lib/scratch-db';

const num = (name: string, fallback: number) => (process.env[name] ? Number(process.env[name]) : fallback);
const STARTS = Math.max(1, Math.floor(num('BENCH_STARTS', 3)));
const RECEIPTS = Math.floor(num('BENCH_RECEIPTS', 300));
const CONCURRENCY = Math.max(1, Math.floor(num('BENCH_CONCURRENCY', 8)));
const DIST = process.env.BENCH_DIST === '1';
const ORG = '1024200077777';
/** One key for every process of the run (the API hashes SNILS and tokens with it, the worker derives tokens). */
const PII_HASH_KEY = randomBytes(32).toString('base64');
/** Every process spawned, killed at the end whatever happened. */
const spawned: ChildProcess[] = [];

type Role = 'migrate' | 'api' | 'worker';
interface RoleProcess {
  role: Role;
  proc: ChildProcess;
  log: string[];
  spawnedAt: number;
}

/** What the processes share: every role is configured as in production, except the time scale. */
function roleEnv(base: { databaseUrl: string; temporalAddress: string; resendUrl: string }, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    NODE_ENV: 'development',
    DATABASE_URL: base.databaseUrl,
    TEMPORAL_ADDRESS: base.temporalAddress,
    TEMPORAL_TASK_QUEUE: 'bench-roles',
    PII_HASH_KEY,
    RESEND_API_KEY: 're_bench_roles',
    RESEND_BASE_URL: base.resendUrl,
    PUBLIC_BASE_URL: 'https://feedback.example',
    FEEDBACK_TIME_SCALE: '86400',
    LOG_LEVEL: 'info',
    HOST: '127.0.0.1',
    ...(DIST ? { WORKFLOW_BUNDLE_PATH: join(ROOT, 'dist', 'workflow-bundle.js') } : {}),
    ...extra,
  };
}

function spawnRole(role: Role, env: NodeJS.ProcessEnv): RoleProcess {
  const args = DIST ? [join(ROOT, 'dist', 'src', 'main.js'), role] : ['--import', 'tsx', 'src/main.ts', role];
  const spawnedAt = Date.now();
  const proc = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env });
  spawned.push(proc);
  const log: string[] = [];
  proc.stdout!.on('data', (d: Buffer) => log.push(d.toString()));
  proc.stderr!.on('data', (d: Buffer) => log.push(d.toString()));
  return { role, proc, log, spawnedAt };
}

/** Resident memory now and at its peak, in MB, from /proc (Linux). */
function memory(pid: number | undefined): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? NaN);
  return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
}

async function failIfExited(p: RoleProcess): Promise<void> {
  if (p.proc.exitCode !== null) throw new Error(`${p.role} exited with ${p.proc.exitCode}:\n${p.log.join('').slice(-3000)}`);
}

/** Spawn to ready: `/ready` 200 for the api, the `started` line for the worker. Seconds. */
async function startRole(role: 'api' | 'worker', env: NodeJS.ProcessEnv): Promise<{ p: RoleProcess; seconds: number }> {
  const p = spawnRole(role, env);
  const ready =
    role === 'api'
      ? async () => (await fetch(`http://127.0.0.1:${env.PORT}/ready`).then((r) => r.status, () => 0)) === 200
      : () => p.log.join('').includes('"msg":"started"');
  await until(`${role} ready`, async () => (await failIfExited(p), ready()), 120_000).catch(async (err: Error) => {
    p.proc.kill('SIGKILL');
    throw new Error(`${err.message}\n${p.log.join('').slice(-3000)}`);
  });
  return { p, seconds: (Date.now() - p.spawnedAt) / 1000 };
}

async function stop(p: RoleProcess): Promise<number> {
  const t = Date.now();
  p.proc.kill('SIGTERM');
  await exited(p.proc);
  return (Date.now() - t) / 1000;
}

async function runMigrate(env: NodeJS.ProcessEnv): Promise<{ seconds: number; peak: number }> {
  const p = spawnRole('migrate', env);
  let peak = 0;
  const sampler = setInterval(() => {
    try {
      peak = Math.max(peak, memory(p.proc.pid).peak);
    } catch {
      // exited between two samples
    }
  }, 50);
  await exited(p.proc);
  clearInterval(sampler);
  if (p.proc.exitCode !== 0) throw new Error(`migrate exited with ${p.proc.exitCode}:\n${p.log.join('').slice(-3000)}`);
  return { seconds: (Date.now() - p.spawnedAt) / 1000, peak };
}

async function postReceipts(api: string, db: Db): Promise<{ seconds: number; ids: string[] }> {
  const admin = (await createApiKey(db, { role: 'admin', name: 'bench' })).key;
  const integrator = (await createApiKey(db, { role: 'integrator', name: 'bench', integrator: 'bench-roles', regions: ['42'] })).key;
  const call = async (key: string, method: string, path: string, body: unknown) => {
    const res = await fetch(`${api}${path}`, { method, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const json = (await res.json()) as { id: string };
    if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
    return json;
  };
  await call(admin, 'PUT', `/v1/organizations/${ORG}`, { name: 'ГБУЗ «Больница»', type: 'healthcare', region: '42', founderLevel: 'regional' });
  const people = Array.from({ length: RECEIPTS }, () => makePerson('1975-01-01'));
  for (let i = 0; i < people.length; i += 500) {
    await call(admin, 'POST', '/v1/accounts', { accounts: people.slice(i, i + 500).map((p) => ({ snils: p.snils, email: p.email, confirmed: true })) });
  }
  const today = new Date(Date.now() + 3 * 3_600_000).toISOString().slice(0, 10);
  const started = Date.now();
  const ids: string[] = [];
  let next = 0;
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (next < people.length) {
      const i = next++;
      const body = { externalId: `ROLES-${i}`, organization: ORG, service: { kind: 'one_time', date: today }, recipient: withoutEmail(people[i]) };
      ids.push((await call(integrator, 'POST', '/v1/receipts', body)).id);
    }
  }));
  return { seconds: (Date.now() - started) / 1000, ids };
}

async function main(): Promise<void> {
  const name = `bench_roles_${randomBytes(6).toString('hex')}`;
  const url = new URL(SERVER_URL);
  url.pathname = `/${name}`;
  const databaseUrl = url.toString();
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-roles-'));
  let temporal: ChildProcess | undefined;
  let fake: FakeResend | undefined;
  let db: Db | undefined;
  let cleaned: Promise<void> | undefined;
  const cleanUp = () =>
    (cleaned ??= (async () => {
      for (const proc of spawned) if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
      temporal?.kill('SIGKILL');
      await Promise.allSettled([db?.$disconnect(), fake?.stop()]);
      await adminQuery(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`).then(
        () => console.error(`[bench] dropped ${name}`),
        (err: Error) => console.error(`[bench] could not drop ${name}: ${err.message}`),
      );
      rmSync(dataDir, { recursive: true, force: true });
    })());
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => void cleanUp().finally(() => process.exit(130)));
  }
  if (DIST && !existsSync(join(ROOT, 'dist', 'src', 'main.js'))) throw new Error('BENCH_DIST=1 needs dist/: run `npm run build` first');

  try {
    await adminQuery(`CREATE DATABASE "${name}"`);
    fake = await startFakeResend();
    const temporalPort = await freePort();
    temporal = await startTemporalServer(temporalPort, join(dataDir, 'temporal.sqlite'));
    const base = { databaseUrl, temporalAddress: `127.0.0.1:${temporalPort}`, resendUrl: fake.url };
    const temporalRss = memory(temporal.pid).rss;
    console.error(`[bench] ${DIST ? 'node dist/src/main.js (prebuilt workflow bundle)' : 'tsx src/main.ts'}; database ${name}; Temporal dev server on :${temporalPort}`);

    const firstMigrate = await runMigrate(roleEnv(base));
    const againMigrate = await runMigrate(roleEnv(base));
    console.error(`[bench] migrate ${fmt(firstMigrate.seconds)} s, again ${fmt(againMigrate.seconds)} s`);

    const starts: Record<'api' | 'worker', number[]> = { api: [], worker: [] };
    let api: { p: RoleProcess; port: number } | undefined;
    let worker: RoleProcess | undefined;
    const drains: number[] = [];
    for (let run = 1; run <= STARTS; run++) {
      const port = await freePort();
      const a = await startRole('api', roleEnv(base, { PORT: String(port) }));
      starts.api.push(a.seconds);
      if (run < STARTS) await stop(a.p);
      else api = { p: a.p, port };
      const w = await startRole('worker', roleEnv(base, { METRICS_PORT: String(await freePort()), TEMPORAL_METRICS_PORT: String(await freePort()) }));
      starts.worker.push(w.seconds);
      if (run < STARTS) drains.push(await stop(w.p));
      else worker = w.p;
      console.error(`[bench] start ${run}/${STARTS}: api ${fmt(a.seconds)} s, worker ${fmt(w.seconds)} s`);
    }
    const afterStart = { api: memory(api!.p.proc.pid), worker: memory(worker!.proc.pid) };

    db = createDb(databaseUrl, { max: 2 });
    const posted = await postReceipts(`http://127.0.0.1:${api!.port}`, db);
    const afterPosting = { api: memory(api!.p.proc.pid), worker: memory(worker!.proc.pid) };
    console.error(`[bench] ${RECEIPTS} receipts posted in ${fmt(posted.seconds)} s; waiting for every e-mail and every link to close (about 30 s)`);
    const lifecycleStarted = Date.now();
    // A busy machine stretches the lifecycles far beyond their scaled 30 s: wait long, then say how far they got.
    const patience = Math.max(300_000, RECEIPTS * 2_000);
    await until('every receipt e-mailed', () => fake!.delivered.length >= RECEIPTS, patience).catch((err: Error) => {
      throw new Error(`${err.message}: ${fake!.delivered.length} of ${RECEIPTS} after ${patience / 1000} s`);
    });
    const emailedSeconds = (Date.now() - lifecycleStarted) / 1000;
    await until('every link closed', async () => (await db!.invitation.count({ where: { receiptId: { in: posted.ids }, status: 'closed' } })) === RECEIPTS, patience);
    const afterLifecycle = { api: memory(api!.p.proc.pid), worker: memory(worker!.proc.pid) };
    const lifecycleSeconds = (Date.now() - lifecycleStarted) / 1000;
    const finalDrain = await stop(worker!);
    const apiStop = await stop(api!.p);

    const range = (xs: number[]) => `${fmt(median(xs))} s (${fmt(Math.min(...xs))}–${fmt(Math.max(...xs))})`;
    const mb = (x: number) => `${Math.round(x)} MB`;
    const rows: string[][] = [
      ['migrate, empty database', `${fmt(firstMigrate.seconds)} s to exit`, '–', '–', mb(firstMigrate.peak)],
      ['migrate, nothing to do', `${fmt(againMigrate.seconds)} s to exit`, '–', '–', mb(againMigrate.peak)],
      ['api', `${range(starts.api)} to /ready`, mb(afterStart.api.rss), `${mb(afterPosting.api.rss)} / ${mb(afterLifecycle.api.rss)}`, mb(afterLifecycle.api.peak)],
      ['worker', `${range(starts.worker)} to polling`, mb(afterStart.worker.rss), `${mb(afterPosting.worker.rss)} / ${mb(afterLifecycle.worker.rss)}`, mb(afterLifecycle.worker.peak)],
      ['Temporal dev server', '–', mb(temporalRss), `– / ${mb(memory(temporal.pid).rss)}`, '–'],
    ];
    const head = ['process', `start (median of ${STARTS}, min–max)`, 'RSS after start', `RSS after posting / after ${RECEIPTS} lifecycles`, 'peak RSS'];
    const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
    const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
    console.log(`\nProcess roles (${DIST ? 'node dist/src/main.js, prebuilt workflow bundle' : 'tsx src/main.ts, as npm run <role>'}), ${cpus().length} cores, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
    console.log(line(head));
    console.log(line(widths.map((w) => '-'.repeat(w))));
    for (const r of rows) console.log(line(r));
    console.log(
      `\n${RECEIPTS} receipts posted one by one (${CONCURRENCY} at once) in ${fmt(posted.seconds)} s; all e-mailed ${fmt(emailedSeconds)} s and all links closed ${fmt(lifecycleSeconds)} s after the last post (one policy day = 1 s).`,
    );
    console.log(`worker stop on SIGTERM: ${drains.map(fmt).join(', ')}${drains.length ? ', ' : ''}${fmt(finalDrain)} s (the last after the receipts); api stop: ${fmt(apiStop)} s.`);
  } finally {
    await cleanUp();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
